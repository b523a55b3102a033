#pragma once
// KvmVcpu: one vCPU fd and its shared kvm_run page. run() turns KVM exits into VcpuExit values
// (one access at a time, also for string I/O); kick() interrupts KVM_RUN from any thread.

#include <pthread.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "accel/kvm/x86_64/long_mode.h"
#include "base/result.h"
#include "base/unique_fd.h"
#include "core/accelerator.h"

struct kvm_run;

namespace machina::kvm {

class KvmVm;

/// Whether a vCPU is runnable or waiting for INIT/SIPI (KVM_MP_STATE_*).
enum class MpState { Runnable, WaitingForSipi, Halted, Other };

/// A KVM vCPU.
class KvmVcpu : public core::Vcpu {
  public:
    /// Creates vCPU `index` of `vm` and applies the x86 defaults: CPUID, MSRs, FPU, LAPIC LINTs.
    static Result<std::unique_ptr<KvmVcpu>> create(KvmVm& vm, unsigned index);
    ~KvmVcpu() override;

    Result<core::VcpuExit> run() override;
    void complete_read(uint64_t value) override;
    void kick() override;
    unsigned index() const override { return m_index; }

    /// Puts the vCPU at a kernel entry point: long mode with paging and flat segments, or
    /// 32-bit protected mode for PVH (x86_64/vcpu_setup.cc).
    Result<void> set_boot_state(const x86::BootCpuState& state);
    /// The current multiprocessing state (an AP is WaitingForSipi until the BSP starts it).
    Result<MpState> mp_state() const;
    /// One line with rip, cs, cr0, cr3, cr4 and efer, for error messages.
    std::string describe_state() const;
    /// General registers by index in KVM's struct kvm_regs order (rax, rbx, rcx, rdx, rsi, rdi,
    /// rsp, rbp, r8..r15, rip, rflags), for tests and debugging.
    Result<uint64_t> reg(unsigned which) const;

  private:
    KvmVcpu(KvmVm& vm, unsigned index) : m_vm(vm), m_index(index) {}
    Result<void> setup_cpuid();
    Result<void> setup_msrs();
    Result<void> setup_fpu();
    Result<void> setup_lapic();
    core::VcpuExit next_io_exit();
    core::VcpuExit exit_from_run();

    KvmVm& m_vm;
    unsigned m_index;
    UniqueFd m_fd;
    kvm_run* m_run = nullptr;
    size_t m_run_size = 0;
    std::atomic<bool> m_kick_pending{false};
    std::atomic<pthread_t> m_thread{};
    std::atomic<bool> m_thread_known{false};
    // String or repeated port I/O (count > 1) is handed out one element at a time.
    unsigned m_io_next = 0;
    unsigned m_io_count = 0;
    uint8_t* m_pending_read = nullptr; ///< where complete_read() stores the value
    unsigned m_pending_read_size = 0;
};

/// Installs the (empty) handler of the signal kick() sends; idempotent and thread-safe.
void install_kick_signal_handler();

} // namespace machina::kvm
