#include "boards/riscv_virt/virt_machine.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/log.h"
#include "block/block_device.h"
#include "boards/riscv_virt/virt_memory_map.h"
#include "core/clock.h"
#include "hw/virtio/blk/virtio_blk.h"
#include "hw/virtio/net/virtio_net.h"
#include "hw/virtio/rng/virtio_rng.h"
#include "target/riscv/system/privileged_state.h"

namespace machina::boards::riscv_virt {

namespace {
constexpr uint64_t kNsPerTick = 1'000'000'000 / kTimebaseHz;
} // namespace

Result<std::unique_ptr<VirtMachine>> VirtMachine::create(const VirtMachineConfig& config,
                                                         const CpuFactory& make_cpus,
                                                         hw::StdioBackend* console) {
    std::unique_ptr<VirtMachine> machine(new VirtMachine(config));
    TRY(machine->build(make_cpus, console));
    return machine;
}

VirtMachine::~VirtMachine() {
    if (m_console) m_console->attach(nullptr);
}

uint64_t VirtMachine::mtime_ticks() const {
    return (core::monotonic_ns() - m_clock_start_ns) / kNsPerTick;
}

uint64_t VirtMachine::next_deadline() const {
    uint64_t deadline = m_clint->next_deadline();
    // The RTC alarm is on the host's wall clock; express it in mtime ticks for the CPU loop.
    if (uint64_t alarm = m_rtc->alarm_ns()) {
        uint64_t now_ns = core::realtime_ns();
        uint64_t wait_ticks = alarm > now_ns ? (alarm - now_ns) / kNsPerTick : 0;
        deadline = std::min(deadline, m_clint->mtime() + wait_ticks);
    }
    return deadline;
}

Result<void> VirtMachine::build(const CpuFactory& make_cpus, hw::StdioBackend* console) {
    const VirtBootConfig& boot = m_config.boot;
    if (boot.harts == 0 || boot.harts > kMaxHarts)
        return Error::make("-smp: {} CPUs requested; the virt board supports 1 to {}", boot.harts,
                           kMaxHarts);
    if (boot.ram_size == 0 || boot.ram_size % 4096 != 0)
        return Error::make("-m: {} bytes is not a whole number of 4 KiB pages", boot.ram_size);
    TRY(m_memory.add_ram(kMromBase, kMromSize, "riscv_virt_board.mrom"));
    TRY(m_memory.add_ram(kDramBase, boot.ram_size, "riscv_virt_board.ram"));
    m_layout = TRY(prepare_virt_boot(m_memory, boot));

    // Interrupt controllers: CLINT drives MSIP/MTIP, PLIC context 2h drives MEIP, 2h+1 SEIP.
    m_clock_start_ns = core::monotonic_ns();
    std::vector<hw::riscv::Clint::HartLines> clint_lines;
    std::vector<core::IrqLine*> plic_contexts;
    for (unsigned h = 0; h < boot.harts; h++) {
        auto& in = *m_hart_inputs.emplace_back(std::make_unique<HartInputs>());
        clint_lines.push_back({&in.msip, &in.mtip});
        plic_contexts.push_back(&in.meip);
        plic_contexts.push_back(&in.seip);
    }
    m_clint = std::make_unique<hw::riscv::Clint>(std::move(clint_lines),
                                                 [this] { return mtime_ticks(); });
    m_plic = std::make_unique<hw::riscv::Plic>(kPlicSources, std::move(plic_contexts));
    TRY(m_mmio.map(kClintBase, kClintSize, *m_clint, "riscv.sifive.clint"));
    TRY(m_mmio.map(kPlicBase, kPlicSize, *m_plic, "riscv.sifive.plic", {4, 4}));

    // UART0, syscon, RTC.
    m_console = console;
    if (console) {
        m_uart.set_tx_sink([console](uint8_t b) { console->write(b); });
        console->attach(&m_uart);
    }
    hw::riscv::Plic* plic = m_plic.get();
    m_uart.irq().connect([plic](bool level) { plic->set_source(kUartIrq, level); });
    TRY(m_mmio.map(kUartBase, kUartSize, m_uart_mmio, "serial", {1, 8}));
    m_test = std::make_unique<hw::riscv::SifiveTest>(
        [this](hw::riscv::PowerRequest request, int code) { on_power_request(request, code); });
    TRY(m_mmio.map(kTestBase, kTestSize, *m_test, "riscv.sifive.test", {1, 8}));
    m_rtc_irq.connect([plic](bool level) { plic->set_source(kRtcIrq, level); });
    m_rtc = std::make_unique<hw::riscv::GoldfishRtc>(m_rtc_irq, [] { return core::realtime_ns(); });
    TRY(m_mmio.map(kRtcBase, kRtcSize, *m_rtc, "goldfish_rtc", {1, 8}));
    TRY(add_virtio_slots());

    // The harts, then their interrupt inputs.
    dbt::system::SystemCpusConfig cpus;
    cpus.harts = boot.harts;
    cpus.reset_pc = m_layout.reset_pc;
    cpus.engine = m_config.engine;
    cpus.ram = &m_memory;
    cpus.mmio = &m_mmio;
    cpus.timebase_hz = kTimebaseHz;
    cpus.timer.now = [this] { return m_clint->mtime(); };
    cpus.timer.update = [this] {
        m_clint->update_timers();
        m_rtc->poll();
    };
    cpus.timer.next_deadline = [this] { return next_deadline(); };
    m_cpus = TRY(make_cpus(cpus));
    if (m_cpus->hart_count() != boot.harts)
        return Error::make("virt: asked for {} harts, got {}", boot.harts, m_cpus->hart_count());
    connect_hart_lines();

    // Network backends deliver frames from their own threads once everything is wired.
    for (auto& backend : m_net_backends)
        backend->start();
    return ok();
}

void VirtMachine::connect_hart_lines() {
    namespace irq = riscv::irq;
    for (unsigned h = 0; h < m_hart_inputs.size(); h++) {
        HartInputs& in = *m_hart_inputs[h];
        std::pair<core::IrqLine*, unsigned> wires[] = {{&in.msip, irq::kMSoft},
                                                       {&in.mtip, irq::kMTimer},
                                                       {&in.meip, irq::kMExt},
                                                       {&in.seip, irq::kSExt}};
        for (auto [input, bit] : wires) {
            core::IrqLine* out = &m_cpus->irq_line(h, bit);
            input->connect([out](bool level) { out->set(level); });
            out->set(input->level()); // a level set before the harts existed
        }
    }
}

Result<void> VirtMachine::add_virtio_slots() {
    std::vector<std::unique_ptr<hw::virtio::VirtioDevice>> devices;
    for (size_t i = 0; i < m_config.drives.size(); ++i) {
        const VirtDrive& d = m_config.drives[i];
        block::DriveOptions options;
        options.path = d.path;
        options.format = d.format;
        options.read_only = d.read_only;
        options.snapshot = d.snapshot;
        auto disk = TRY(block::open_drive(options));
        devices.push_back(
            std::make_unique<hw::virtio::VirtioBlk>(std::move(disk), fmt::format("machina{}", i)));
    }
    for (const VirtNic& nic : m_config.nics) {
        auto backend = TRY(net::SlirpBackend::create(net::with_defaults(nic.slirp)));
        auto device = std::make_unique<hw::virtio::VirtioNet>(*backend, nic.mac);
        hw::virtio::VirtioNet* dev = device.get();
        backend->set_receiver(
            [dev](const uint8_t* frame, size_t len) { return dev->receive(frame, len); });
        m_net_backends.push_back(std::move(backend));
        devices.push_back(std::move(device));
    }
    for (unsigned i = 0; i < m_config.virtio_rng; ++i)
        devices.push_back(std::make_unique<hw::virtio::VirtioRng>());
    if (devices.size() > kVirtioCount)
        return Error::make("-device/-drive: {} virtio devices given; the virt board has {} slots",
                           devices.size(), kVirtioCount);

    hw::riscv::Plic* plic = m_plic.get();
    for (unsigned i = 0; i < kVirtioCount; ++i) {
        const uint64_t base = kVirtioBase + i * kVirtioStride;
        if (i >= devices.size()) {
            TRY(m_mmio.map(base, hw::virtio::kMmioWindowSize, m_empty_slot,
                           fmt::format("virtio-mmio.{} (empty)", i)));
            continue;
        }
        const unsigned source = kVirtioIrqBase + i;
        VirtioSlot slot;
        slot.device = std::move(devices[i]);
        slot.irq = std::make_unique<core::IrqLine>(
            [plic, source](bool level) { plic->set_source(source, level); });
        slot.transport =
            std::make_unique<hw::virtio::VirtioMmio>(*slot.device, m_memory, *slot.irq);
        TRY(m_mmio.map(base, hw::virtio::kMmioWindowSize, *slot.transport,
                       fmt::format("virtio-mmio.{} ({})", i, slot.device->name())));
        m_virtio.push_back(std::move(slot));
    }
    return ok();
}

void VirtMachine::on_power_request(hw::riscv::PowerRequest request, int code) {
    using hw::riscv::PowerRequest;
    switch (request) {
    case PowerRequest::Poweroff:
        log::info("guest powered off");
        finish({RunOutcome::Kind::Exit, 0});
        return;
    case PowerRequest::Fail:
        log::info("guest reported failure {}", code);
        finish({RunOutcome::Kind::Exit, code});
        return;
    case PowerRequest::Reset:
        log::info("guest reset");
        finish({m_config.no_reboot ? RunOutcome::Kind::Exit : RunOutcome::Kind::Reset, 0});
        return;
    }
}

void VirtMachine::finish(RunOutcome outcome) {
    {
        std::lock_guard lock(m_mutex);
        if (m_stop.load()) return;
        m_outcome = outcome;
        m_stop.store(true);
    }
    if (m_cpus) m_cpus->request_stop();
}

RunOutcome VirtMachine::run() {
    if (!m_stop.load()) m_cpus->run();
    std::lock_guard lock(m_mutex);
    if (!m_stop.load()) {
        log::error("the harts stopped with no power-off, reset or quit request");
        return {RunOutcome::Kind::Exit, 1};
    }
    return m_outcome;
}

std::string VirtMachine::describe_memory_map() const {
    struct Row {
        uint64_t base, size;
        const char* kind;
        std::string name;
    };
    std::vector<Row> rows;
    for (const auto& r : m_memory.regions())
        rows.push_back({r.gpa, r.size, r.gpa == kMromBase ? "rom" : "ram", r.name});
    for (const auto& m : m_mmio.mappings())
        rows.push_back({m.base, m.size, "i/o", m.name});
    std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.base < b.base; });
    std::string out = "address-space: memory\n";
    for (const Row& r : rows)
        out += fmt::format("  {:016x}-{:016x} ({}): {}\n", r.base, r.base + r.size - 1, r.kind,
                           r.name);
    return out;
}

} // namespace machina::boards::riscv_virt
