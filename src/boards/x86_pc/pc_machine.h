#pragma once
// PcMachine: an x86 PC in the style of QEMU's microvm/pc: RAM around the 32-bit hole, COM1,
// i8042, CMOS/RTC, optional debug-exit and test devices, virtio-mmio devices (blk, net on slirp
// or tap, rng, console), ACPI and MP tables for SMP, a bzImage loaded through the Linux boot
// protocol, and one host thread per KVM vCPU.

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "accel/kvm/kvm_accelerator.h"
#include "accel/kvm/kvm_vcpu.h"
#include "accel/kvm/kvm_vm.h"
#include "base/result.h"
#include "boards/common/host_ends.h"
#include "boards/x86_pc/pc_config.h"
#include "core/address_space.h"
#include "core/guest_memory.h"
#include "hw/char/stdio_backend.h"
#include "hw/char/uart16550.h"
#include "hw/char/uart16550_bus.h"
#include "hw/virtio/transport/virtio_mmio.h"
#include "hw/virtio/virtio_device.h"
#include "hw/x86/acpi_sleep.h"
#include "hw/x86/acpi_tables.h"
#include "hw/x86/cmos_rtc.h"
#include "hw/x86/debug_exit.h"
#include "hw/x86/i8042.h"
#include "hw/x86/test_device.h"

namespace machina::hw::virtio {
class VirtioConsole;
class VirtioNet;
} // namespace machina::hw::virtio

namespace machina::boards::x86 {

/// How a machine run ended.
struct RunOutcome {
    enum class Kind { Exit, Reset };
    Kind kind = Kind::Exit;
    int status = 0; ///< process exit status for Kind::Exit
};

/// State that outlives one power-on: the boot files, and the CMOS RAM (battery-backed, so a
/// guest can leave itself notes across a reset as on real hardware).
struct BootFiles {
    std::vector<uint8_t> kernel;
    std::vector<uint8_t> initrd;
    hw::CmosRtc* cmos = nullptr; ///< nullptr: the machine uses its own
    /// Disk images and network and console backends of the virtio devices (opened once, so a
    /// snapshot overlay, a tap or a pty survive a guest reset as COM1's backend does).
    HostEnds* ends = nullptr;
};

/// One power-on of the PC (a guest reset builds a new one).
class PcMachine {
  public:
    /// Builds memory, devices, the VM and vCPUs, and loads the kernel.
    static Result<std::unique_ptr<PcMachine>> create(const PcConfig& config,
                                                     kvm::KvmAccelerator& accel,
                                                     const BootFiles& files,
                                                     hw::StdioBackend* console);
    ~PcMachine();

    /// Runs all vCPUs until power-off, reset or error.
    RunOutcome run();
    /// Ends the run from any thread (Ctrl-A X, debug-exit, errors).
    void finish(RunOutcome outcome);

    /// Guest RAM (for memory figures and tests).
    const core::GuestMemory& memory() const { return m_memory; }
    /// The port I/O space (for tests).
    const core::AddressSpace& pio() const { return m_pio; }

  private:
    explicit PcMachine(const PcConfig& config) : m_config(config) {}
    Result<void> build(kvm::KvmAccelerator& accel, const BootFiles& files,
                       hw::StdioBackend* console);
    Result<void> add_virtio_devices(HostEnds& ends, std::vector<hw::AcpiVirtioMmio>* acpi);
    void vcpu_loop(kvm::KvmVcpu& vcpu);
    void request_reset(const char* why);

    PcConfig m_config;
    core::GuestMemory m_memory;
    core::AddressSpace m_pio{"pio"};
    core::AddressSpace m_mmio{"mmio"};
    std::unique_ptr<kvm::KvmVm> m_vm;
    std::vector<std::unique_ptr<kvm::KvmVcpu>> m_vcpus;

    hw::Uart16550 m_com1;
    hw::Uart16550Pio m_com1_pio{m_com1};
    std::unique_ptr<hw::I8042> m_i8042;
    hw::CmosRtc m_own_rtc;
    hw::CmosRtc* m_rtc = &m_own_rtc;
    hw::NullPort m_post_port;
    std::unique_ptr<hw::DebugExit> m_debug_exit;
    std::unique_ptr<hw::AcpiSleep> m_acpi_sleep;
    hw::TestDevice m_test_device;
    /// One virtio-mmio slot: the device, its interrupt wire and its transport window.
    struct VirtioSlot {
        std::unique_ptr<hw::virtio::VirtioDevice> device;
        std::unique_ptr<core::IrqLine> irq;
        std::unique_ptr<hw::virtio::VirtioMmio> transport;
    };
    std::vector<VirtioSlot> m_virtio;
    HostEnds* m_ends = nullptr;                         ///< set once the devices are attached to it
    std::vector<hw::virtio::VirtioConsole*> m_consoles; ///< attached to m_ends' consoles
    std::vector<hw::virtio::VirtioNet*> m_nics;         ///< connected to m_ends' backends
    hw::StdioBackend* m_console = nullptr;

    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::atomic<bool> m_stop{false};
    std::atomic<bool> m_sample{false}; ///< -d cpu: vCPUs log their state when kicked
    RunOutcome m_outcome;
};

/// Reads the boot files, then builds and runs machines until the guest powers off (a guest
/// reset starts a fresh machine unless -no-reboot). Returns the process exit status.
Result<int> run_pc(const PcConfig& config);

} // namespace machina::boards::x86
