#pragma once
// KvmVm: one KVM virtual machine: memory slots, the in-kernel irqchip and PIT, interrupt
// injection, and irqfd/ioeventfd registration for devices that signal through eventfds.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

#include "accel/kvm/kvm_accelerator.h"
#include "base/result.h"
#include "base/unique_fd.h"
#include "core/accelerator.h"

namespace machina::kvm {

class KvmVcpu;

/// Guest-physical pages KVM needs for its own use on Intel hosts (TSS: 3 pages, then the
/// identity-map page just below). They sit under the 4 GiB boundary, away from RAM and devices.
inline constexpr uint64_t kTssAddress = 0xfffbd000;
inline constexpr uint64_t kIdentityMapAddress = 0xfffbc000;

/// Which address space an ioeventfd watches.
enum class IoeventSpace { Mmio, Pio };

/// A KVM virtual machine.
class KvmVm : public core::Vm {
  public:
    /// Creates the VM fd and the TSS and identity-map pages. The irqchip + PIT (on by default)
    /// are created after the memory, with the first vCPU or interrupt (see ensure_irqchip()).
    static Result<std::unique_ptr<KvmVm>> create(KvmAccelerator& accel, const VmOptions& options);
    ~KvmVm() override;

    Result<void> map_memory(const core::GuestMemory& memory) override;
    Result<std::unique_ptr<core::Vcpu>> create_vcpu(unsigned index) override;
    Result<void> set_irq(unsigned gsi, bool level) override;

    /// Creates the in-kernel irqchip and PIT now if the options ask for them and they do not
    /// exist yet. Called by create_kvm_vcpu(), set_irq() and add_irqfd(); map memory first,
    /// since slot changes are slow once the irqchip exists.
    Result<void> ensure_irqchip();

    /// Like create_vcpu() but keeps the KVM type (for x86 boot-state set-up).
    Result<std::unique_ptr<KvmVcpu>> create_kvm_vcpu(unsigned index);

    /// Makes a write to `eventfd` raise `gsi` (edge) in the in-kernel irqchip.
    Result<void> add_irqfd(unsigned gsi, int eventfd);
    /// Undoes add_irqfd().
    Result<void> remove_irqfd(unsigned gsi, int eventfd);
    /// Makes a guest write of `len` bytes at `addr` signal `eventfd` without leaving the kernel;
    /// with `datamatch` only writes of that value do.
    Result<void> add_ioeventfd(IoeventSpace space, uint64_t addr, unsigned len, int eventfd,
                               std::optional<uint64_t> datamatch = std::nullopt);
    /// Undoes add_ioeventfd().
    Result<void> remove_ioeventfd(IoeventSpace space, uint64_t addr, unsigned len, int eventfd,
                                  std::optional<uint64_t> datamatch = std::nullopt);

    /// The VM descriptor.
    int fd() const { return m_fd.get(); }
    /// The options the VM was created with.
    const VmOptions& options() const { return m_options; }
    /// The accelerator that created this VM.
    KvmAccelerator& accelerator() const { return m_accel; }

  private:
    KvmVm(KvmAccelerator& accel, const VmOptions& options) : m_accel(accel), m_options(options) {}
    Result<void> ioeventfd(IoeventSpace space, uint64_t addr, unsigned len, int eventfd,
                           std::optional<uint64_t> datamatch, bool remove);

    KvmAccelerator& m_accel;
    VmOptions m_options;
    UniqueFd m_fd;
    unsigned m_next_slot = 0;
    std::mutex m_irqchip_mutex;
    std::atomic<bool> m_irqchip_created{false};
};

} // namespace machina::kvm
