#pragma once
// Command line of machina-riscv64, shaped like qemu-riscv64's:
//   machina-riscv64 [options] program [args...]

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"

namespace machina::linux_user {

/// The default sysroot used for -L when neither -L nor MACHINA_LD_PREFIX is given.
inline constexpr const char* kDefaultLdPrefix = "/usr/riscv64-linux-gnu";

/// Everything the command line says.
struct Options {
    std::string ld_prefix;              ///< -L / MACHINA_LD_PREFIX / default ("" = none)
    std::vector<std::string> env_set;   ///< -E VAR=VAL, in order
    std::vector<std::string> env_unset; ///< -U VAR, in order
    std::optional<std::string> argv0;   ///< -0 ARGV0
    std::string log_items;              ///< -d categories ("" = none)
    std::string log_file;               ///< -D file ("" = stderr)
    bool strace = false;                ///< -strace
    std::string cpu = "max";            ///< -cpu NAME
    std::string accel;                  ///< -accel interp|dbt; empty = the default engine
    bool show_version = false;          ///< --version
    bool show_help = false;             ///< -h / --help
    std::string program;                ///< guest program path
    std::vector<std::string> args;      ///< guest argv[1..]
};

/// Parses argv (argv[0] is machina's own name and is skipped). `env_ld_prefix` is the value of
/// MACHINA_LD_PREFIX (or nullptr); `default_prefix_exists` says whether kDefaultLdPrefix is a
/// directory. Errors are one line naming the bad option.
Result<Options> parse_options(std::span<const char* const> argv, const char* env_ld_prefix,
                              bool default_prefix_exists);

/// The -h text.
std::string usage_text();

/// The --version text.
std::string version_text();

/// Applies -E/-U to an environment (VAR=VAL strings): -U removes, -E sets or replaces.
std::vector<std::string> apply_env_changes(std::vector<std::string> env, const Options& options);

} // namespace machina::linux_user
