#pragma once
// VirtMachine: one power-on of the RISC-V `virt` board, laid out as QEMU's so Debian's OpenSBI,
// U-Boot and Linux run unchanged: MROM and DRAM, CLINT, PLIC, a 16550 UART, the sifive_test
// syscon, a goldfish RTC and eight virtio-mmio slots, wired to the harts of a SystemCpus.
// A guest reset builds a fresh machine (see virt_run.h), so every device starts clean.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "accel/dbt/system/system_cpus.h"
#include "base/result.h"
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
#include "hw/virtio/transport/virtio_mmio.h"
#include "hw/virtio/virtio_device.h"
#include "net/slirp/slirp_backend.h"

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

/// One power-on of the virt board.
class VirtMachine {
  public:
    /// Builds memory and devices, loads firmware/kernel/initrd and the device tree, and creates
    /// the harts with `make_cpus`. UART0 talks to `console` (nullptr: output dropped).
    static Result<std::unique_ptr<VirtMachine>>
    create(const VirtMachineConfig& config, const CpuFactory& make_cpus, hw::StdioBackend* console);
    ~VirtMachine();
    VirtMachine(const VirtMachine&) = delete;
    VirtMachine& operator=(const VirtMachine&) = delete;

    /// Runs the harts on the calling thread until power-off, reset, failure or finish().
    RunOutcome run();
    /// Ends the run from any thread (sifive_test, Ctrl-A X, the monitor); the first call wins.
    void finish(RunOutcome outcome);

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

  private:
    explicit VirtMachine(const VirtMachineConfig& config) : m_config(config) {}
    Result<void> build(const CpuFactory& make_cpus, hw::StdioBackend* console);
    Result<void> add_virtio_slots();
    void connect_hart_lines();
    uint64_t mtime_ticks() const;
    uint64_t next_deadline() const;
    void on_power_request(hw::riscv::PowerRequest request, int code);

    VirtMachineConfig m_config;
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
    hw::StdioBackend* m_console = nullptr;

    // Destroyed in reverse order: network threads stop first (they raise virtio interrupts),
    // then the harts (which reach every device through m_mmio and the timer hooks).
    std::unique_ptr<dbt::system::SystemCpus> m_cpus;
    std::vector<std::unique_ptr<net::SlirpBackend>> m_net_backends;

    std::mutex m_mutex;
    std::atomic<bool> m_stop{false};
    RunOutcome m_outcome;
};

} // namespace machina::boards::riscv_virt
