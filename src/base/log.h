#pragma once
// Logging on fmt. Two kinds of output:
//  - diagnostics with a level (error, warn, info, debug) for machina's own messages;
//  - QEMU-style `-d` categories (in_asm, op, out_asm, int, unimp, ...) written to the log file
//    given by `-D` (stderr by default), enabled per category.

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "base/result.h"

namespace machina::log {

/// Severity of a diagnostic message.
enum class Level { Error, Warn, Info, Debug };

/// `-d` categories, as QEMU names them; a bit each.
enum Category : uint32_t {
    kInAsm = 1u << 0,       ///< guest instructions as translated/executed
    kOp = 1u << 1,          ///< translator IR
    kOutAsm = 1u << 2,      ///< host code produced
    kInt = 1u << 3,         ///< interrupts and exceptions
    kExec = 1u << 4,        ///< each block executed
    kCpu = 1u << 5,         ///< CPU state before each block
    kMmu = 1u << 6,         ///< page-table walks and TLB
    kUnimp = 1u << 7,       ///< unimplemented features the guest used
    kGuestErrors = 1u << 8, ///< guest did something invalid (bad MMIO, bad descriptor)
    kStrace = 1u << 9,      ///< system calls (user mode)
    kPage = 1u << 10,       ///< guest memory map changes
};

/// Parses a `-d` argument ("in_asm,int" or "help"); returns the mask or an error naming the
/// unknown category.
Result<uint32_t> parse_categories(std::string_view spec);

/// Text listing every category, for `-d help`.
std::string categories_help();

/// Enables the categories in `mask` (replaces the current set).
void set_categories(uint32_t mask);

/// True when any of the categories in `mask` is enabled. Cheap: one load and a test.
bool enabled(uint32_t mask);

/// Redirects category output to `path` (`-D`). Diagnostics still go to stderr.
Result<void> set_log_file(const std::string& path);

/// Sets the least severe diagnostic level printed (default Warn; MACHINA_LOG=debug overrides).
void set_level(Level level);

/// The stream `-d` output goes to.
std::FILE* log_stream();

/// Writes a formatted diagnostic line prefixed with "machina: " when `level` is enabled.
void write(Level level, std::string_view text);

/// Writes text to the `-d` stream (no prefix, no newline added).
void write_category(std::string_view text);

/// Diagnostics, formatted with fmt.
template <typename... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
    write(Level::Error, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
    write(Level::Warn, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
    write(Level::Info, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
    write(Level::Debug, fmt::format(f, std::forward<Args>(args)...));
}

/// Category output: `log::cat(kUnimp, "...", ...)` prints only when the category is on.
template <typename... Args>
void cat(uint32_t category, fmt::format_string<Args...> f, Args&&... args) {
    if (enabled(category)) write_category(fmt::format(f, std::forward<Args>(args)...));
}

} // namespace machina::log
