// libFuzzer target: the riscv `virt` monitor (src/boards/riscv_virt/virt_monitor.*). The input is
// what the user types after Ctrl-A C, byte by byte (line editing, Enter runs the line), and is also
// run whole as one command line.
#include <cstdlib>
#include <string>

#include "boards/riscv_virt/virt_monitor.h"

using namespace machina::boards::riscv_virt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    size_t resets = 0, quits = 0, output = 0;
    MonitorCommands commands;
    commands.info_status = [] { return std::string("running\n"); };
    commands.info_mtree = [] { return std::string("0000000080000000-0000000087ffffff dram\n"); };
    // Leave info cpus empty: the "not available" path.
    commands.system_reset = [&] { resets++; };
    commands.quit = [&] { quits++; };
    Monitor monitor(std::move(commands), [&](std::string_view text) { output += text.size(); });
    monitor.toggle(true);
    for (size_t i = 0; i < size; i++)
        monitor.input(data[i]);
    monitor.toggle(false);
    (void)monitor.execute(std::string_view(reinterpret_cast<const char*>(data), size));
    // Each Enter runs at most one command.
    size_t lines = 0;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\r' || data[i] == '\n';
    if (resets + quits > lines + 1) std::abort();
    return 0;
}
