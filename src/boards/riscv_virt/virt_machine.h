#pragma once
// VirtMachine: one power-on of the RISC-V `virt` board, laid out as QEMU's so Debian's OpenSBI,
// U-Boot and Linux run unchanged: MROM and DRAM, CLINT, PLIC, a 16550 UART, the sifive_test
// syscon, a goldfish RTC and eight virtio-mmio slots, wired to the harts of a SystemCpus.
// A guest reset builds a fresh machine (see virt_run.h), so every device starts clean; the host
// side of the virtio devices (disk images, network and console backends) is lent by a
// HostEnds that outlives the reset.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "accel/dbt/system/system_cpus.h"
#include "base/result.h"
#include "boards/common/host_ends.h"
#include "boards/riscv_virt/virt_boot.h"
#include "boards/riscv_virt/virt_config.h"
#include "boards/riscv_virt/virt_empty_slot.h"
#include "core/address_space.h"
#include "core/guest_memory.h"
#include "core/irq_line.h"
#include "hw/char/stdio_backend.h"
#include "hw/char/uart16550.h"
#include "hw/char/uart16550_bus.h"
#include "hw/riscv/clint.h"
#include "hw/riscv/goldfish_rtc.h"
#include "hw/riscv/plic.h"
#include "hw/riscv/sifive_test.h"
#include "hw/virtio/console/virtio_console.h"
#include "hw/virtio/net/virtio_net.h"
#include "hw/virtio/transport/virtio_mmio.h"
#include "hw/virtio/virtio_device.h"
#include "target/riscv/system/hart_registers.h"

namespace machina::boards::riscv_virt {

/// How a machine run ended.
struct RunOutcome {
    enum class Kind { Exit, Reset };
    Kind kind = Kind::Exit;
    int status = 0; ///< process exit status for Kind::Exit
};

/// Makes the harts (dbt::system::SystemCpus::create in the binary; a stand-in in unit tests).
using CpuFactory = std::function<Result<std::unique_ptr<dbt::system::SystemCpus>>(
    const dbt::system::SystemCpusConfig&)>;

/// The host ends (disks, network and console backends) that `config`'s devices need.
HostEndsConfig host_ends_config(const VirtMachineConfig& config);

/// One power-on of the virt board.
class VirtMachine {
  public:
    /// Builds memory and devices, loads firmware/kernel/initrd and the device tree, and creates
    /// the harts with `make_cpus`. UART0 talks to `console` (nullptr: output dropped). The virtio
    /// devices use the disk images and backends of `ends`, which must outlive the machine and
    /// have been opened from the same configuration (nullptr: the machine opens its own).
    static Result<std::unique_ptr<VirtMachine>> create(const VirtMachineConfig& config,
                                                       const CpuFactory& make_cpus,
                                                       hw::StdioBackend* console,
                                                       HostEnds* ends = nullptr);
    ~VirtMachine();
    VirtMachine(const VirtMachine&) = delete;
    VirtMachine& operator=(const VirtMachine&) = delete;

    /// Runs the harts on the calling thread until power-off, reset, failure or finish().
    RunOutcome run();
    /// Ends the run from any thread (sifive_test, Ctrl-A X, the monitor); the first call wins.
    void finish(RunOutcome outcome);
    /// Runs `fn` while the harts are stopped and returns once it ran: during run() the harts are
    /// asked to stop, `fn` runs on the CPU thread between two runs of the harts, and they go
    /// on; before run(), `fn` runs when run() starts; after it, at once on the calling thread.
    /// For other threads (the monitor) that must look at hart state; not from the CPU thread.
    void with_harts_stopped(const std::function<void()>& fn);
    /// The `info registers` text of every hart, read while they are stopped; says so when the
    /// CPU engine cannot show registers.
    std::string describe_registers();
    /// One line per hart for `info cpus`: its pc and privilege when the engine can show them.
    std::string describe_cpus();

    /// The device windows (for tests and `info mtree`).
    const core::AddressSpace& mmio() const { return m_mmio; }
    /// MROM and DRAM.
    core::GuestMemory& memory() { return m_memory; }
    /// Where boot set-up put firmware, kernel, initrd and the device tree.
    const VirtBootLayout& layout() const { return m_layout; }
    /// The harts.
    dbt::system::SystemCpus& cpus() { return *m_cpus; }
    /// UART0's register model (tests feed it input).
    hw::Uart16550& uart() { return m_uart; }
    /// The CLINT (tests read mtime).
    hw::riscv::Clint& clint() { return *m_clint; }
    /// The PLIC (tests check which sources are pending).
    hw::riscv::Plic& plic() { return *m_plic; }
    /// The memory map as text, RAM and devices by address (the monitor's `info mtree`).
    std::string describe_memory_map() const;
    /// The disk images and backends the virtio devices use.
    HostEnds& host_ends() { return *m_ends; }

  private:
    explicit VirtMachine(const VirtMachineConfig& config) : m_config(config) {}
    Result<void> build(const CpuFactory& make_cpus, hw::StdioBackend* console, HostEnds* ends);
    Result<void> add_virtio_slots();
    void connect_hart_lines();
    void connect_host_ends();
    /// Runs the queued with_harts_stopped() requests (m_mutex held on entry and exit).
    void serve_stopped_requests(std::unique_lock<std::mutex>& lock);
    uint64_t mtime_ticks() const;
    uint64_t next_deadline() const;
    void on_power_request(hw::riscv::PowerRequest request, int code);

    VirtMachineConfig m_config;
    std::unique_ptr<HostEnds> m_own_ends; ///< when create() was given none
    HostEnds* m_ends = nullptr;
    core::GuestMemory m_memory;
    core::AddressSpace m_mmio{"mmio"};
    VirtBootLayout m_layout;
    uint64_t m_clock_start_ns = 0;

    /// Interrupt inputs of each hart, owned by the board so devices can be wired before the
    /// harts exist; connect_hart_lines() forwards them to SystemCpus::irq_line().
    struct HartInputs {
        core::IrqLine msip, mtip, meip, seip;
    };
    std::vector<std::unique_ptr<HartInputs>> m_hart_inputs;
    std::unique_ptr<hw::riscv::Clint> m_clint;
    std::unique_ptr<hw::riscv::Plic> m_plic;
    hw::Uart16550 m_uart;
    hw::Uart16550Mmio m_uart_mmio{m_uart, 0};
    std::unique_ptr<hw::riscv::SifiveTest> m_test;
    core::IrqLine m_rtc_irq;
    std::unique_ptr<hw::riscv::GoldfishRtc> m_rtc;
    /// One populated virtio-mmio slot: the device, its interrupt wire and its transport.
    struct VirtioSlot {
        std::unique_ptr<hw::virtio::VirtioDevice> device;
        std::unique_ptr<core::IrqLine> irq;
        std::unique_ptr<hw::virtio::VirtioMmio> transport;
    };
    std::vector<VirtioSlot> m_virtio;
    EmptyVirtioSlot m_empty_slot; ///< stateless: one instance answers for every empty slot
    std::vector<hw::virtio::VirtioConsole*> m_consoles; ///< in m_virtio, in config order
    std::vector<hw::virtio::VirtioNet*> m_nics;         ///< in m_virtio, in config order
    hw::StdioBackend* m_console = nullptr;

    // Destroyed before the devices: the harts reach every device through m_mmio and the timer
    // hooks. (Backend threads are detached from the devices by the destructor's body.)
    std::unique_ptr<dbt::system::SystemCpus> m_cpus;
    const riscv::HartRegisterSource* m_registers = nullptr; ///< m_cpus, when it can show them

    /// One with_harts_stopped() call waiting for the CPU thread.
    struct StoppedRequest {
        const std::function<void()>* fn;
        bool done = false;
    };
    enum class RunState { Built, Running, Ended };
    std::mutex m_mutex;
    std::condition_variable m_served; ///< a StoppedRequest is done
    std::vector<StoppedRequest*> m_requests;
    RunState m_run_state = RunState::Built;
    /// request_stop() calls made for requests whose early return of SystemCpus::run() has not
    /// been seen yet (several may fold into one return; the rest only excuse a later one).
    unsigned m_stops_owed = 0;
    std::atomic<bool> m_stop{false};
    RunOutcome m_outcome;
};

} // namespace machina::boards::riscv_virt
