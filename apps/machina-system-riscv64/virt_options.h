#pragma once
// Turns the generic QEMU-style command line (cli::MachineConfig) into the RISC-V virt board's
// configuration, rejecting what the board cannot do with a one-line reason.

#include <string>

#include "base/result.h"
#include "boards/riscv_virt/virt_config.h"
#include "cli/options.h"

namespace machina::apps {

/// Where Debian's opensbi package installs the firmware `-bios default` means.
constexpr const char* kDefaultFirmware =
    "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin";

/// Resolves -bios: "" or "default" = Debian's OpenSBI (an error names the package when it is not
/// installed), "none" = no firmware, a bare file name is also looked up in the -L folders.
Result<std::string> resolve_firmware(const cli::MachineConfig& config);

/// The board configuration for `config`; errors name the option at fault.
Result<boards::riscv_virt::VirtMachineConfig> to_virt_config(const cli::MachineConfig& config);

} // namespace machina::apps
