#pragma once
// Running the virt board as a process: open the serial backend, build a machine, run it, and on
// a guest reset build a fresh one (unless -no-reboot), until the guest powers off or the user
// quits. Also -machine dumpdtb=FILE.

#include <string>

#include "base/result.h"
#include "boards/riscv_virt/virt_config.h"
#include "boards/riscv_virt/virt_machine.h"

namespace machina::boards::riscv_virt {

/// Writes the device tree the machine would boot with to `path` (QEMU's dumpdtb), loading the
/// boot files as a real boot would so /chosen matches.
Result<void> dump_virt_dtb(const VirtMachineConfig& config, const std::string& path);

/// Runs machines until the guest powers off; returns the process exit status (0 on power-off,
/// Ctrl-A X and `quit`; the guest's code on a sifive_test failure).
Result<int> run_virt(const VirtMachineConfig& config, const CpuFactory& make_cpus);

} // namespace machina::boards::riscv_virt
