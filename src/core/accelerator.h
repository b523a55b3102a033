#pragma once
// The accelerator interface: what a board needs from an execution engine. KVM and the dynamic
// binary translator both implement it, so boards and devices do not care which one runs the guest.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "core/guest_memory.h"

namespace machina::core {

/// Why Vcpu::run() returned.
struct VcpuExit {
    enum class Kind {
        Mmio,        ///< guest accessed a device window: address/size/is_write/data
        Pio,         ///< guest accessed an x86 I/O port: address/size/is_write/data
        Halt,        ///< guest halted with interrupts that will never wake it
        Shutdown,    ///< guest asked to power off (or triple-faulted under -no-reboot)
        Reset,       ///< guest asked to reboot
        Debug,       ///< breakpoint or single-step for a debugger
        Interrupted, ///< kick() asked the vCPU to come back to its thread's loop
        Error,       ///< the engine could not continue: `detail` says why
    };
    Kind kind = Kind::Error;
    uint64_t address = 0;
    unsigned size = 0;
    bool is_write = false;
    uint64_t data = 0; ///< value written, for writes
    std::string detail;
};

/// One virtual CPU. Owned by the thread that calls run().
class Vcpu {
  public:
    virtual ~Vcpu() = default;

    /// Runs the guest until something needs the VMM. For an Mmio/Pio read exit the caller must
    /// call complete_read() with the value before the next run().
    virtual Result<VcpuExit> run() = 0;

    /// Supplies the result of the pending Mmio/Pio read.
    virtual void complete_read(uint64_t value) = 0;

    /// Asks a running vCPU to return Interrupted soon. Safe from any thread.
    virtual void kick() = 0;

    /// Index of this vCPU (0 = boot CPU).
    virtual unsigned index() const = 0;
};

/// A virtual machine: guest memory mappings and vCPUs.
class Vm {
  public:
    virtual ~Vm() = default;

    /// Makes every region of `memory` visible to the guest. `memory` must outlive the Vm.
    virtual Result<void> map_memory(const GuestMemory& memory) = 0;

    /// Creates vCPU number `index`.
    virtual Result<std::unique_ptr<Vcpu>> create_vcpu(unsigned index) = 0;

    /// Drives interrupt line `gsi` of the engine's interrupt controller.
    virtual Result<void> set_irq(unsigned gsi, bool level) = 0;
};

/// An execution engine (`-accel kvm`, `-accel dbt`, `-accel interp`).
class Accelerator {
  public:
    virtual ~Accelerator() = default;
    /// The name users pass to -accel.
    virtual std::string_view name() const = 0;
    /// Creates an empty VM.
    virtual Result<std::unique_ptr<Vm>> create_vm() = 0;
};

/// Text for a VcpuExit kind, for log lines.
const char* to_string(VcpuExit::Kind kind);

} // namespace machina::core
