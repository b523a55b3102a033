#include "boards/x86_pc/pc_machine.h"

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>

#include "accel/kvm/x86_64/long_mode.h"
#include "base/log.h"
#include "block/block_device.h"
#include "boards/x86_pc/linux_loader.h"
#include "boards/x86_pc/memory_map.h"
#include "boards/x86_pc/startup_trace.h"
#include "hw/virtio/blk/virtio_blk.h"
#include "hw/virtio/console/virtio_console.h"
#include "hw/virtio/net/virtio_net.h"
#include "hw/virtio/rng/virtio_rng.h"
#include "hw/x86/acpi_tables.h"
#include "hw/x86/mp_table.h"

namespace machina::boards::x86 {

namespace {

constexpr uint16_t kCom1Port = 0x3f8;
constexpr unsigned kCom1Irq = 4;
constexpr unsigned kKeyboardIrq = 1;

// Start-up milestones reached once per process (see startup_trace.h).
std::atomic<bool> g_traced_first_run{false};
std::atomic<bool> g_traced_first_exit{false};
std::atomic<bool> g_traced_first_byte{false};

Result<std::vector<uint8_t>> read_file(const std::string& path, const char* option) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error::from_errno("{}: cannot open '{}'", option, path);
    std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
    if (in.bad()) return Error::from_errno("{}: cannot read '{}'", option, path);
    return data;
}

} // namespace

Result<std::unique_ptr<PcMachine>> PcMachine::create(const PcConfig& config,
                                                     kvm::KvmAccelerator& accel,
                                                     const BootFiles& files,
                                                     hw::StdioBackend* console) {
    std::unique_ptr<PcMachine> machine(new PcMachine(config));
    TRY(machine->build(accel, files, console));
    return machine;
}

PcMachine::~PcMachine() {
    if (m_console) m_console->attach(nullptr);
    // Hand the host ends back: no backend thread may reach this machine's devices any more.
    if (m_ends) {
        for (size_t i = 0; i < m_consoles.size(); ++i)
            m_ends->console(i).attach(nullptr);
        for (size_t i = 0; i < m_nics.size(); ++i)
            m_ends->connect_nic(i, nullptr);
    }
}

Result<void> PcMachine::build(kvm::KvmAccelerator& accel, const BootFiles& files,
                              hw::StdioBackend* console) {
    const MemoryLayout layout = TRY(plan_memory(m_config.ram_bytes));
    TRY(m_memory.add_ram(0, layout.low_size, "ram-below-4g"));
    if (layout.high_size) TRY(m_memory.add_ram(kHighRamStart, layout.high_size, "ram-above-4g"));

    kvm::VmOptions options;
    options.vcpu_count = m_config.cpus;
    options.cpu_features = TRY(kvm::x86::parse_cpu_model(m_config.cpu_model));
    m_vm = TRY(accel.create_kvm_vm(options));
    TRY(m_vm->map_memory(m_memory));
    startup_trace::stamp("memory-mapped");

    // Devices.
    m_console = console;
    if (console) {
        m_com1.set_tx_sink([console](uint8_t b) {
            console->write(b);
            startup_trace::stamp_once(g_traced_first_byte, "first-serial-byte");
        });
        console->attach(&m_com1);
    }
    kvm::KvmVm* vm = m_vm.get();
    m_com1.irq().connect([vm](bool level) {
        if (auto r = vm->set_irq(kCom1Irq, level); !r) log::warn("{}", r.error().message);
    });
    TRY(m_pio.map(kCom1Port, hw::Uart16550Pio::kWindowSize, m_com1_pio, "serial0 (COM1)", {1, 1}));
    m_i8042 = std::make_unique<hw::I8042>([this] { request_reset("i8042 reset"); });
    m_i8042->irq().connect([vm](bool level) {
        if (auto r = vm->set_irq(kKeyboardIrq, level); !r) log::warn("{}", r.error().message);
    });
    TRY(m_pio.map(0x60, 1, m_i8042->data_port(), "i8042 data"));
    TRY(m_pio.map(0x64, 1, m_i8042->command_port(), "i8042 command"));
    if (files.cmos) m_rtc = files.cmos;
    TRY(m_pio.map(0x70, 2, *m_rtc, "rtc-cmos", {1, 1}));
    TRY(m_pio.map(0x80, 1, m_post_port, "io-delay"));
    if (m_config.debug_exit) {
        m_debug_exit = std::make_unique<hw::DebugExit>([this](int status) {
            finish({RunOutcome::Kind::Exit, status});
        });
        TRY(m_pio.map(m_config.debug_exit_port, 4, *m_debug_exit, "isa-debug-exit"));
    }
    m_acpi_sleep = std::make_unique<hw::AcpiSleep>([this] {
        log::info("guest powered off (ACPI S5)");
        finish({RunOutcome::Kind::Exit, 0});
    });
    TRY(m_pio.map(kAcpiSleepPort, 2, *m_acpi_sleep, "acpi-sleep", {1, 1}));
    if (m_config.test_device)
        TRY(m_mmio.map(kTestDeviceAddress, hw::TestDevice::kWindowSize, m_test_device,
                       "machina-testdev"));
    std::vector<hw::AcpiVirtioMmio> virtio_acpi;
    TRY(add_virtio_devices(*files.ends, &virtio_acpi));
    // CMOS memory size bytes (KiB above 1 MiB, 64 KiB units above 16 MiB), as PC firmware reads.
    uint64_t ext_kib = std::min<uint64_t>((layout.low_size - kHighMemStart) >> 10, 0xffff);
    m_rtc->set_byte(0x17, uint8_t(ext_kib));
    m_rtc->set_byte(0x18, uint8_t(ext_kib >> 8));
    m_rtc->set_byte(0x30, uint8_t(ext_kib));
    m_rtc->set_byte(0x31, uint8_t(ext_kib >> 8));

    // Firmware tables and the kernel.
    hw::MpTableConfig mp;
    mp.cpu_count = m_config.cpus;
    mp.lapic_address = kLapicAddress;
    mp.ioapic_address = kIoApicAddress;
    auto mp_bytes = TRY(hw::build_mp_table(mp, kMpTableAddress));
    TRY(m_memory.write(kMpTableAddress, mp_bytes.data(), mp_bytes.size()));
    hw::AcpiConfig acpi;
    acpi.cpu_count = m_config.cpus;
    acpi.lapic_address = kLapicAddress;
    acpi.ioapic_address = kIoApicAddress;
    acpi.ioapic_id = uint8_t(m_config.cpus);
    acpi.sleep_control_port = kAcpiSleepPort;
    acpi.virtio_mmio = virtio_acpi;
    auto acpi_bytes = TRY(hw::build_acpi_tables(acpi, kAcpiTablesAddress));
    if (kAcpiTablesAddress + acpi_bytes.size() > kMpTableAddress)
        return Error::make("ACPI tables for {} CPUs overlap the MP table", m_config.cpus);
    TRY(m_memory.write(kAcpiTablesAddress, acpi_bytes.data(), acpi_bytes.size()));

    LinuxBootConfig boot;
    boot.kernel = files.kernel;
    boot.kernel_name = m_config.kernel_path;
    boot.initrd = files.initrd;
    boot.cmdline = m_config.cmdline;
    boot.e820 = layout.e820;
    boot.acpi_rsdp = kAcpiTablesAddress;
    const LinuxBootInfo info = TRY(load_linux(m_memory, boot));

    kvm::x86::BootTablesLayout tables;
    tables.gdt = kGdtAddress;
    tables.pml4 = kPageTablesAddress;
    tables.max_map_bytes = 16ull << 30;
    uint64_t top = layout.high_size ? kHighRamStart + layout.high_size : layout.low_size;
    kvm::x86::BootCpuState state = TRY(kvm::x86::write_boot_tables(m_memory, top, tables));
    state.rip = info.entry;
    state.rsp = kBootStackTop;
    if (info.pvh) {
        state.protected32 = true;
        state.rbx = info.zero_page;
    } else {
        state.rsi = info.zero_page;
    }

    startup_trace::stamp("guest-loaded");
    TRY(m_vm->ensure_irqchip());
    startup_trace::stamp("irqchip-created");
    for (unsigned i = 0; i < m_config.cpus; ++i)
        m_vcpus.push_back(TRY(m_vm->create_kvm_vcpu(i)));
    // Only the BSP starts at the kernel entry; APs wait for INIT/SIPI from the guest.
    TRY(m_vcpus[0]->set_boot_state(state));
    return ok();
}

Result<void> PcMachine::add_virtio_devices(HostEnds& ends, std::vector<hw::AcpiVirtioMmio>* acpi) {
    if (ends.drive_count() != m_config.drives.size() || ends.nic_count() != m_config.nics.size() ||
        ends.console_count() != m_config.consoles.size())
        return Error::make("pc: the host ends lent to the machine do not match its devices");
    std::vector<std::unique_ptr<hw::virtio::VirtioDevice>> devices;
    for (size_t i = 0; i < m_config.drives.size(); ++i)
        devices.push_back(std::make_unique<hw::virtio::VirtioBlk>(ends.lend_drive(i),
                                                                  fmt::format("machina{}", i)));
    for (size_t i = 0; i < m_config.nics.size(); ++i) {
        auto device =
            std::make_unique<hw::virtio::VirtioNet>(ends.nic_backend(i), m_config.nics[i].mac);
        m_nics.push_back(device.get());
        devices.push_back(std::move(device));
    }
    for (unsigned i = 0; i < m_config.virtio_rng; ++i)
        devices.push_back(std::make_unique<hw::virtio::VirtioRng>());
    for (size_t i = 0; i < m_config.consoles.size(); ++i) {
        hw::StdioBackend* backend = &ends.console(i);
        auto console = std::make_unique<hw::virtio::VirtioConsole>();
        console->set_tx_sink([backend](const uint8_t* data, size_t len) {
            for (size_t n = 0; n < len; ++n)
                backend->write(data[n]);
        });
        m_consoles.push_back(console.get());
        devices.push_back(std::move(console));
    }
    if (devices.size() > kVirtioMaxDevices)
        return Error::make("-device/-drive: at most {} virtio devices fit on the x86 board",
                           kVirtioMaxDevices);
    kvm::KvmVm* vm = m_vm.get();
    for (size_t i = 0; i < devices.size(); ++i) {
        const uint64_t base = kVirtioMmioBase + i * kVirtioMmioStride;
        const unsigned gsi = kVirtioFirstGsi + unsigned(i);
        VirtioSlot slot;
        slot.device = std::move(devices[i]);
        slot.irq = std::make_unique<core::IrqLine>([vm, gsi](bool level) {
            if (auto r = vm->set_irq(gsi, level); !r) log::warn("{}", r.error().message);
        });
        slot.transport =
            std::make_unique<hw::virtio::VirtioMmio>(*slot.device, m_memory, *slot.irq);
        TRY(m_mmio.map(base, hw::virtio::kMmioWindowSize, *slot.transport,
                       fmt::format("{}.{}", slot.device->name(), i)));
        acpi->push_back({uint32_t(base), uint32_t(hw::virtio::kMmioWindowSize), gsi});
        m_virtio.push_back(std::move(slot));
    }
    // Backend threads deliver input and frames only once the devices are wired.
    for (size_t i = 0; i < m_consoles.size(); ++i)
        ends.console(i).attach(m_consoles[i]);
    for (size_t i = 0; i < m_nics.size(); ++i) {
        hw::virtio::VirtioNet* dev = m_nics[i];
        ends.connect_nic(
            i, [dev](const uint8_t* frame, size_t len) { return dev->receive(frame, len); });
    }
    m_ends = &ends;
    return ok();
}

void PcMachine::finish(RunOutcome outcome) {
    {
        std::lock_guard lock(m_mutex);
        if (m_stop.load()) return;
        m_outcome = outcome;
        m_stop.store(true);
    }
    for (auto& vcpu : m_vcpus)
        vcpu->kick();
    m_cv.notify_all();
}

void PcMachine::request_reset(const char* why) {
    log::info("guest reset ({})", why);
    if (m_config.no_reboot)
        finish({RunOutcome::Kind::Exit, 0});
    else
        finish({RunOutcome::Kind::Reset, 0});
}

void PcMachine::vcpu_loop(kvm::KvmVcpu& vcpu) {
    using Kind = core::VcpuExit::Kind;
    while (!m_stop.load(std::memory_order_acquire)) {
        startup_trace::stamp_once(g_traced_first_run, "first-kvm-run");
        auto result = vcpu.run();
        startup_trace::stamp_once(g_traced_first_exit, "first-kvm-exit");
        if (!result) {
            log::error("{}", result.error().message);
            finish({RunOutcome::Kind::Exit, 1});
            return;
        }
        const core::VcpuExit& exit = *result;
        switch (exit.kind) {
        case Kind::Pio:
        case Kind::Mmio: {
            const core::AddressSpace& space = exit.kind == Kind::Pio ? m_pio : m_mmio;
            core::AccessStatus status;
            if (exit.is_write) {
                status = space.write(exit.address, exit.size, exit.data);
            } else {
                uint64_t value = 0;
                status = space.read(exit.address, exit.size, &value);
                vcpu.complete_read(value);
            }
            if (status != core::AccessStatus::Ok)
                log::cat(log::kGuestErrors, "{} {} {:#x}/{}: {}\n", space.name(),
                         exit.is_write ? "write" : "read", exit.address, exit.size,
                         core::to_string(status));
            break;
        }
        case Kind::Halt:
            log::info("vCPU {} halted with no way to wake up", vcpu.index());
            finish({RunOutcome::Kind::Exit, 0});
            return;
        case Kind::Shutdown:
            request_reset(exit.detail.empty() ? "shutdown" : exit.detail.c_str());
            return;
        case Kind::Reset: request_reset("system event"); return;
        case Kind::Interrupted:
            if (m_sample.load(std::memory_order_relaxed))
                log::cat(log::kCpu, "vCPU {}: {}\n", vcpu.index(), vcpu.describe_state());
            break;
        case Kind::Debug: break;
        case Kind::Error:
            log::error("{}", exit.detail);
            finish({RunOutcome::Kind::Exit, 1});
            return;
        }
    }
}

RunOutcome PcMachine::run() {
    std::vector<std::thread> threads;
    for (auto& vcpu : m_vcpus)
        threads.emplace_back([this, v = vcpu.get()] { vcpu_loop(*v); });
    {
        // With -d cpu, sample every vCPU's registers once a second (a kick makes each vCPU
        // thread log its own state, since KVM_GET_REGS needs the vCPU out of KVM_RUN).
        const bool sample = log::enabled(log::kCpu);
        m_sample = sample;
        std::unique_lock lock(m_mutex);
        while (!m_stop.load()) {
            if (!sample) {
                m_cv.wait(lock, [this] { return m_stop.load(); });
                break;
            }
            if (m_cv.wait_for(lock, std::chrono::seconds(1), [this] { return m_stop.load(); }))
                break;
            for (auto& vcpu : m_vcpus)
                vcpu->kick();
        }
    }
    for (auto& vcpu : m_vcpus)
        vcpu->kick();
    for (auto& t : threads)
        t.join();
    return m_outcome;
}

namespace {
// The machine Ctrl-A X must stop, and whether the user already asked (so a request that
// arrives between two machines, e.g. during a reset, is not lost).
std::atomic<PcMachine*> g_current{nullptr};
std::atomic<bool> g_quit{false};
} // namespace

Result<int> run_pc(const PcConfig& config) {
    if (config.kernel_path.empty())
        return Error::make("no kernel given: use -kernel bzImage (firmware boot is not "
                           "supported on the x86 PC board)");
    if (config.cpus == 0 || config.cpus > 254)
        return Error::make("-smp: {} CPUs requested; 1 to 254 are supported", config.cpus);
    TRY(kvm::x86::parse_cpu_model(config.cpu_model)); // report a bad -cpu before anything else
    BootFiles files;
    hw::CmosRtc cmos;
    files.cmos = &cmos;
    startup_trace::stamp("board-start");
    files.kernel = TRY(read_file(config.kernel_path, "-kernel"));
    if (!config.initrd_path.empty()) files.initrd = TRY(read_file(config.initrd_path, "-initrd"));
    if (files.initrd.size() >= config.ram_bytes)
        return Error::make("-initrd: '{}' ({} MiB) is larger than guest memory ({} MiB)",
                           config.initrd_path, files.initrd.size() >> 20, config.ram_bytes >> 20);

    std::string device = config.kvm_device.empty() ? kvm::default_device_path() : config.kvm_device;
    startup_trace::stamp("files-read");
    auto accel = TRY(kvm::KvmAccelerator::open(device));
    startup_trace::stamp("kvm-opened");

    auto quit = [] {
        g_quit.store(true);
        if (PcMachine* m = g_current.load()) m->finish({RunOutcome::Kind::Exit, 0});
    };
    std::unique_ptr<hw::StdioBackend> console = TRY(hw::open_serial_backend(config.serial));
    if (console) TRY(console->start(quit));
    // Disks, network and console backends outlive a guest reset (a snapshot=on overlay keeps
    // the guest's writes, slirp its port forwards, a tap stays up).
    HostEndsConfig ends_config{config.drives, config.nics, config.consoles,
                               config.serial.kind == hw::SerialBackendSpec::Kind::Stdio, "COM1"};
    auto ends = TRY(HostEnds::open(ends_config, quit));
    files.ends = ends.get();
    for (;;) {
        auto machine = TRY(PcMachine::create(config, *accel, files, console.get()));
        startup_trace::stamp("machine-built");
        g_current.store(machine.get());
        if (g_quit.load()) machine->finish({RunOutcome::Kind::Exit, 0});
        RunOutcome outcome = machine->run();
        g_current.store(nullptr);
        startup_trace::stamp("guest-stopped");
        startup_trace::report_memory(machine->memory());
        if (outcome.kind == RunOutcome::Kind::Exit) return outcome.status;
        log::info("rebooting");
    }
}

} // namespace machina::boards::x86
