#include "boards/riscv_virt/virt_machine.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/log.h"
#include "boards/riscv_virt/virt_memory_map.h"
#include "core/clock.h"
#include "hw/virtio/blk/virtio_blk.h"
#include "hw/virtio/rng/virtio_rng.h"
#include "target/riscv/system/privileged_state.h"

namespace machina::boards::riscv_virt {

namespace {
constexpr uint64_t kNsPerTick = 1'000'000'000 / kTimebaseHz;
} // namespace

HostEndsConfig host_ends_config(const VirtMachineConfig& config) {
    return {config.drives, config.nics, config.consoles,
            config.serial.kind == hw::SerialBackendSpec::Kind::Stdio};
}

Result<std::unique_ptr<VirtMachine>> VirtMachine::create(const VirtMachineConfig& config,
                                                         const CpuFactory& make_cpus,
                                                         hw::StdioBackend* console,
                                                         HostEnds* ends) {
    std::unique_ptr<VirtMachine> machine(new VirtMachine(config));
    TRY(machine->build(make_cpus, console, ends));
    return machine;
}

VirtMachine::~VirtMachine() {
    // Hand the host ends back: no backend thread may reach this machine's devices any more.
    if (m_console) m_console->attach(nullptr);
    if (m_ends) {
        for (size_t i = 0; i < m_consoles.size(); ++i)
            m_ends->console(i).attach(nullptr);
        for (size_t i = 0; i < m_nics.size(); ++i)
            m_ends->connect_nic(i, nullptr);
    }
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

Result<void> VirtMachine::build(const CpuFactory& make_cpus, hw::StdioBackend* console,
                                HostEnds* ends) {
    const VirtBootConfig& boot = m_config.boot;
    if (boot.harts == 0 || boot.harts > kMaxHarts)
        return Error::make("-smp: {} CPUs requested; the virt board supports 1 to {}", boot.harts,
                           kMaxHarts);
    if (boot.ram_size == 0 || boot.ram_size % 4096 != 0)
        return Error::make("-m: {} bytes is not a whole number of 4 KiB pages", boot.ram_size);
    TRY(m_memory.add_ram(kMromBase, kMromSize, "riscv_virt_board.mrom"));
    TRY(m_memory.add_ram(kDramBase, boot.ram_size, "riscv_virt_board.ram",
                         core::GuestMemory::Backing::Huge));
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
    if (!ends) {
        m_own_ends = TRY(HostEnds::open(host_ends_config(m_config), [this] {
            finish({RunOutcome::Kind::Exit, 0});
        }));
        ends = m_own_ends.get();
    }
    if (ends->drive_count() != m_config.drives.size() ||
        ends->nic_count() != m_config.nics.size() ||
        ends->console_count() != m_config.consoles.size())
        return Error::make("virt: the host ends lent to the machine do not match its devices");
    m_ends = ends;
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
    m_registers = dynamic_cast<const riscv::HartRegisterSource*>(m_cpus.get());
    connect_host_ends();
    return ok();
}

void VirtMachine::connect_host_ends() {
    // Backend threads deliver input and frames only once everything is wired.
    for (size_t i = 0; i < m_consoles.size(); ++i)
        m_ends->console(i).attach(m_consoles[i]);
    for (size_t i = 0; i < m_nics.size(); ++i) {
        hw::virtio::VirtioNet* dev = m_nics[i];
        m_ends->connect_nic(
            i, [dev](const uint8_t* frame, size_t len) { return dev->receive(frame, len); });
    }
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
    for (size_t i = 0; i < m_config.drives.size(); ++i)
        devices.push_back(std::make_unique<hw::virtio::VirtioBlk>(m_ends->lend_drive(i),
                                                                  fmt::format("machina{}", i)));
    for (size_t i = 0; i < m_config.nics.size(); ++i) {
        auto device =
            std::make_unique<hw::virtio::VirtioNet>(m_ends->nic_backend(i), m_config.nics[i].mac);
        m_nics.push_back(device.get());
        devices.push_back(std::move(device));
    }
    for (unsigned i = 0; i < m_config.virtio_rng; ++i)
        devices.push_back(std::make_unique<hw::virtio::VirtioRng>());
    for (size_t i = 0; i < m_config.consoles.size(); ++i) {
        auto device = std::make_unique<hw::virtio::VirtioConsole>();
        hw::StdioBackend* backend = &m_ends->console(i);
        device->set_tx_sink([backend](const uint8_t* data, size_t len) {
            for (size_t n = 0; n < len; ++n)
                backend->write(data[n]);
        });
        m_consoles.push_back(device.get());
        devices.push_back(std::move(device));
    }
    if (devices.size() > kVirtioCount) {
        m_consoles.clear(); // nothing was attached: the destructor must not detach
        m_nics.clear();
        return Error::make("-device/-drive: {} virtio devices given; the virt board has {} slots",
                           devices.size(), kVirtioCount);
    }

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
    std::unique_lock lock(m_mutex);
    m_run_state = RunState::Running;
    RunOutcome outcome;
    for (;;) {
        serve_stopped_requests(lock);
        if (m_stop.load()) {
            outcome = m_outcome;
            break;
        }
        lock.unlock();
        m_cpus->run();
        lock.lock();
        if (m_stop.load()) continue; // serve what is queued, then end
        if (m_stops_owed > 0) {      // stopped for a with_harts_stopped() request
            --m_stops_owed;
            continue;
        }
        log::error("the harts stopped with no power-off, reset or quit request");
        serve_stopped_requests(lock);
        outcome = {RunOutcome::Kind::Exit, 1};
        break;
    }
    // m_mutex is still held and nothing is queued: later requests run on their caller's thread.
    m_run_state = RunState::Ended;
    return outcome;
}

void VirtMachine::serve_stopped_requests(std::unique_lock<std::mutex>& lock) {
    while (!m_requests.empty()) {
        std::vector<StoppedRequest*> batch;
        batch.swap(m_requests);
        lock.unlock();
        for (StoppedRequest* r : batch)
            (*r->fn)();
        lock.lock();
        for (StoppedRequest* r : batch)
            r->done = true;
        m_served.notify_all();
    }
}

void VirtMachine::with_harts_stopped(const std::function<void()>& fn) {
    std::unique_lock lock(m_mutex);
    if (m_run_state == RunState::Ended) {
        lock.unlock();
        fn();
        return;
    }
    StoppedRequest request{&fn};
    m_requests.push_back(&request);
    if (m_run_state == RunState::Running) {
        ++m_stops_owed;
        lock.unlock();
        m_cpus->request_stop();
        lock.lock();
    }
    m_served.wait(lock, [&] { return request.done; });
}

} // namespace machina::boards::riscv_virt
