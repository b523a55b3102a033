#include "boards/riscv_virt/virt_run.h"

#include <fcntl.h>
#include <unistd.h>

#include <mutex>

#include "base/log.h"
#include "base/unique_fd.h"
#include "boards/riscv_virt/virt_fdt.h"
#include "boards/riscv_virt/virt_memory_map.h"
#include "boards/riscv_virt/virt_monitor.h"

namespace machina::boards::riscv_virt {

namespace {

/// The machine that is running now, for the threads that may end it (the console's Ctrl-A X
/// and monitor). The lock keeps a machine alive while one of them is using it.
class CurrentMachine {
  public:
    void set(VirtMachine* machine) {
        std::lock_guard lock(m_mutex);
        m_machine = machine;
        if (machine && m_quit) machine->finish({RunOutcome::Kind::Exit, 0});
    }
    /// Ends the process: the current machine now, a machine being built as soon as it exists.
    void quit() {
        std::lock_guard lock(m_mutex);
        m_quit = true;
        if (m_machine) m_machine->finish({RunOutcome::Kind::Exit, 0});
    }
    /// Calls `f(machine)` while holding the machine alive; false when there is none.
    template <typename F>
    bool with(F&& f) {
        std::lock_guard lock(m_mutex);
        if (!m_machine) return false;
        f(*m_machine);
        return true;
    }

  private:
    std::mutex m_mutex;
    VirtMachine* m_machine = nullptr;
    bool m_quit = false;
};

MonitorCommands monitor_commands(CurrentMachine& current) {
    MonitorCommands c;
    c.info_status = [&current] {
        std::string s = "not running (between resets)\n";
        current.with([&](VirtMachine&) { s = "running\n"; });
        return s;
    };
    c.info_mtree = [&current] {
        std::string s;
        current.with([&](VirtMachine& m) { s = m.describe_memory_map(); });
        return s;
    };
    // The harts stop while these read their state (VirtMachine::with_harts_stopped).
    c.info_cpus = [&current] {
        std::string s = "no CPUs (between resets)\n";
        current.with([&](VirtMachine& m) { s = m.describe_cpus(); });
        return s;
    };
    c.info_registers = [&current] {
        std::string s = "no CPUs (between resets)\n";
        current.with([&](VirtMachine& m) { s = m.describe_registers(); });
        return s;
    };
    c.system_reset = [&current] {
        current.with([](VirtMachine& m) { m.finish({RunOutcome::Kind::Reset, 0}); });
    };
    c.quit = [&current] { current.quit(); };
    return c;
}

} // namespace

Result<void> dump_virt_dtb(const VirtMachineConfig& config, const std::string& path) {
    std::vector<uint8_t> fdt;
    if (config.boot.bios.empty() && config.boot.kernel.empty()) {
        // Nothing to boot: the tree still describes the board (QEMU dumps it the same way).
        VirtFdtConfig fdt_config;
        fdt_config.harts = config.boot.harts;
        fdt_config.ram_size = config.boot.ram_size;
        fdt_config.bootargs = config.boot.append;
        fdt = TRY(build_virt_fdt(fdt_config));
    } else {
        core::GuestMemory memory;
        TRY(memory.add_ram(kMromBase, kMromSize, "mrom"));
        TRY(memory.add_ram(kDramBase, config.boot.ram_size, "ram"));
        fdt = TRY(prepare_virt_boot(memory, config.boot)).fdt;
    }
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd) return Error::from_errno("dumpdtb: cannot create '{}'", path);
    size_t done = 0;
    while (done < fdt.size()) {
        ssize_t n = ::write(fd.get(), fdt.data() + done, fdt.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Error::from_errno("dumpdtb: cannot write '{}'", path);
        done += size_t(n);
    }
    return ok();
}

Result<int> run_virt(const VirtMachineConfig& config, const CpuFactory& make_cpus) {
    if (!config.dumpdtb.empty()) {
        TRY(dump_virt_dtb(config, config.dumpdtb));
        return 0;
    }
    // Declared in this order so the consoles' input threads (destroyed first) never see a
    // destroyed monitor or machine pointer.
    CurrentMachine current;
    hw::StdioBackend* console_out = nullptr;
    Monitor monitor(monitor_commands(current), [&console_out](std::string_view text) {
        if (console_out) console_out->write_text(text);
    });
    std::unique_ptr<hw::StdioBackend> console = TRY(hw::open_serial_backend(config.serial));
    console_out = console.get();
    if (console) {
        console->set_monitor({[&monitor](bool on) { monitor.toggle(on); },
                              [&monitor](uint8_t b) { monitor.input(b); }});
        TRY(console->start([&current] { current.quit(); }));
    }
    // Opened once: a snapshot=on overlay, a tap interface, a console's socket outlive a reset.
    auto ends = TRY(HostEnds::open(host_ends_config(config), [&current] { current.quit(); }));
    for (;;) {
        auto machine = TRY(VirtMachine::create(config, make_cpus, console.get(), ends.get()));
        current.set(machine.get());
        RunOutcome outcome = machine->run();
        current.set(nullptr);
        if (outcome.kind == RunOutcome::Kind::Exit) {
            if (console) console->stop(); // restore the terminal before the caller prints
            return outcome.status;
        }
        log::info("rebooting");
    }
}

} // namespace machina::boards::riscv_virt
