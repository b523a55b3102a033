// machina-system-riscv64: runs a RISC-V 64 guest on the `virt` board (QEMU's memory map) with
// the binary translator, or the reference interpreter, and a QEMU-compatible command line.

#include <csignal>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "accel/dbt/system/system_cpus.h"
#include "base/log.h"
#include "boards/riscv_virt/virt_run.h"
#include "cli/options.h"
#include "virt_options.h"

namespace {

using machina::cli::MachineConfig;

constexpr std::string_view kProgram = "machina-system-riscv64";

int fail(const std::string& message) {
    std::fprintf(stderr, "%s: %s\n", kProgram.data(), message.c_str());
    return 1;
}

/// Sets up -d and -D; returns an error message, or "" when all is well.
std::string configure_logging(const MachineConfig& config) {
    if (!config.log_items.empty()) {
        auto mask = machina::log::parse_categories(config.log_items);
        if (!mask) return "-d: " + mask.error().message;
        machina::log::set_categories(*mask);
    }
    if (!config.log_file.empty()) {
        if (auto r = machina::log::set_log_file(config.log_file); !r)
            return "-D: " + r.error().message;
    }
    return {};
}

} // namespace

int main(int argc, char** argv) {
    // A serial client that disconnects must not kill machina with SIGPIPE.
    std::signal(SIGPIPE, SIG_IGN);
    std::vector<std::string_view> args(argv + 1, argv + argc);
    auto parsed = machina::cli::parse_command_line(args);
    if (!parsed) return fail(parsed.error().message);
    const MachineConfig& config = *parsed;
    if (config.show_help) {
        std::fputs(machina::cli::help_text(kProgram).c_str(), stdout);
        return 0;
    }
    if (config.show_version) {
        std::printf("%s version %s\n", kProgram.data(), MACHINA_VERSION);
        return 0;
    }
    if (config.machine == "help") {
        std::puts("Supported machines are:\nvirt                 RISC-V VirtIO board (default)");
        return 0;
    }
    if (config.log_items == "help") {
        std::fputs(machina::log::categories_help().c_str(), stdout);
        return 0;
    }
    if (std::string error = configure_logging(config); !error.empty()) return fail(error);
    auto virt = machina::apps::to_virt_config(config);
    if (!virt) return fail(virt.error().message);
    auto status = machina::boards::riscv_virt::run_virt(
        *virt, [](const auto& cpus) { return machina::dbt::system::SystemCpus::create(cpus); });
    if (!status) return fail(status.error().message);
    return *status;
}
