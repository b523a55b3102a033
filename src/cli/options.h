#pragma once
// The QEMU-compatible command line of the system emulators (machina-system-x86_64,
// machina-system-riscv64), parsed into a MachineConfig that the app hands to a board.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "cli/suboptions.h"

namespace machina::cli {

/// One -drive.
struct DriveConfig {
    std::string file;
    std::string format = "raw";
    std::string interface = "virtio"; ///< if=
    bool readonly = false;
    bool snapshot = false;
    std::string id;
    SubOptions raw; ///< every key as given
};

/// One -netdev (type and id) or -device (driver in `type`).
struct ObjectConfig {
    std::string type;
    std::string id;
    SubOptions raw;
};

/// What -serial asks for.
struct SerialConfig {
    enum class Kind { Stdio, Pty, Unix, None, Null, File } kind = Kind::Stdio;
    std::string path;    ///< for unix: and file:
    bool server = false; ///< unix:PATH,server: listen instead of connect
};

/// Everything the system-emulator command line says.
struct MachineConfig {
    std::string machine; ///< -M/-machine type ("" = board default)
    SubOptions machine_options;
    uint64_t ram_bytes = 0; ///< 0 = board default
    unsigned cpus = 1;
    std::string cpu_model;
    std::string accel; ///< kvm, dbt, interp ("" = default for the target)
    std::string kernel;
    std::string initrd;
    std::string append;
    std::string bios;
    std::vector<DriveConfig> drives;
    std::vector<ObjectConfig> netdevs;
    std::vector<ObjectConfig> devices;
    std::vector<ObjectConfig> chardevs; ///< -chardev BACKEND,id=ID,... (backend in `type`)
    bool nographic = false;
    std::vector<SerialConfig> serials; ///< empty = default (stdio with -nographic)
    bool no_reboot = false;
    std::string log_items;              ///< -d
    std::string log_file;               ///< -D
    std::string qmp;                    ///< -qmp
    std::string gdb;                    ///< -s = tcp::1234, or -gdb DEV
    bool start_paused = false;          ///< -S
    std::vector<std::string> data_dirs; ///< -L
    bool show_version = false;
    bool show_help = false;
};

/// Parses argv[1..]. Errors are one line naming the option ("-m: ...", "unknown option ...").
Result<MachineConfig> parse_command_line(const std::vector<std::string_view>& args);

/// The -h text for `program`.
std::string help_text(std::string_view program);

} // namespace machina::cli
