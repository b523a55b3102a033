#include "linux_user/options.h"

#include <algorithm>
#include <string_view>

namespace machina::linux_user {
namespace {

bool is_valid_cpu(std::string_view cpu) {
    return cpu == "rv64" || cpu == "max" || cpu == "any";
}

/// Strips one or two leading dashes: "-strace" and "--strace" are the same option.
std::string_view option_name(std::string_view arg) {
    if (arg.starts_with("--")) return arg.substr(2);
    return arg.substr(1);
}

} // namespace

Result<Options> parse_options(std::span<const char* const> argv, const char* env_ld_prefix,
                              bool default_prefix_exists) {
    Options o;
    if (env_ld_prefix && *env_ld_prefix)
        o.ld_prefix = env_ld_prefix;
    else if (default_prefix_exists)
        o.ld_prefix = kDefaultLdPrefix;

    size_t i = 1;
    auto need_value = [&](std::string_view name) -> Result<std::string> {
        if (i + 1 >= argv.size()) return Error::make("option -{} needs an argument", name);
        ++i;
        return std::string(argv[i]);
    };
    for (; i < argv.size(); ++i) {
        std::string_view arg = argv[i];
        if (arg == "--") {
            ++i;
            break;
        }
        if (arg.size() < 2 || arg[0] != '-') break;
        std::string_view name = option_name(arg);
        if (name == "L") {
            o.ld_prefix = TRY(need_value(name));
        } else if (name == "E") {
            std::string v = TRY(need_value(name));
            if (v.find('=') == std::string::npos || v.front() == '=')
                return Error::make("option -E needs VAR=VALUE, got '{}'", v);
            o.env_set.push_back(std::move(v));
        } else if (name == "U") {
            o.env_unset.push_back(TRY(need_value(name)));
        } else if (name == "0") {
            o.argv0 = TRY(need_value(name));
        } else if (name == "d") {
            o.log_items = TRY(need_value(name));
        } else if (name == "D") {
            o.log_file = TRY(need_value(name));
        } else if (name == "strace") {
            o.strace = true;
        } else if (name == "cpu") {
            o.cpu = TRY(need_value(name));
            if (!is_valid_cpu(o.cpu) && o.cpu != "help")
                return Error::make("unknown -cpu '{}' (supported: rv64, max, any)", o.cpu);
        } else if (name == "accel") {
            o.accel = TRY(need_value(name));
            if (o.accel != "interp" && o.accel != "dbt")
                return Error::make("unknown -accel '{}' (supported: interp, dbt)", o.accel);
        } else if (name == "version") {
            o.show_version = true;
            return o;
        } else if (name == "h" || name == "help") {
            o.show_help = true;
            return o;
        } else {
            return Error::make("unknown option '{}' (try --help)", arg);
        }
    }
    if (o.log_items == "help" || o.cpu == "help") return o;
    if (i >= argv.size()) return Error::make("no program given (try --help)");
    o.program = argv[i];
    for (++i; i < argv.size(); ++i)
        o.args.emplace_back(argv[i]);
    return o;
}

std::string usage_text() {
    return "usage: machina-riscv64 [options] program [arguments...]\n"
           "Linux user-mode emulation of RISC-V 64 programs.\n"
           "\n"
           "Options:\n"
           "  -h, --help        print this help and exit\n"
           "  --version         print the version and exit\n"
           "  -L DIR            guest sysroot for the ELF interpreter and absolute paths\n"
           "                    (env MACHINA_LD_PREFIX; default /usr/riscv64-linux-gnu)\n"
           "  -E VAR=VALUE      set an environment variable for the guest\n"
           "  -U VAR            remove an environment variable from the guest\n"
           "  -0 ARGV0          use ARGV0 as the guest's argv[0]\n"
           "  -d ITEM[,...]     enable log items (-d help lists them)\n"
           "  -D FILE           write log output to FILE instead of stderr\n"
           "  -strace           print every system call and its result\n"
           "  -cpu NAME         CPU model: rv64, max, any (all are RV64IMAFDC)\n"
           "  -accel NAME       execution engine: dbt (the translator, default) or interp\n";
}

std::string version_text() {
    return "machina-riscv64 version 0.1.0\nLinux user-mode emulation for RISC-V 64 (RV64GC)\n";
}

std::vector<std::string> apply_env_changes(std::vector<std::string> env, const Options& options) {
    auto remove = [&](std::string_view var) {
        std::erase_if(env, [&](const std::string& e) {
            return e.size() > var.size() && e.compare(0, var.size(), var) == 0 &&
                   e[var.size()] == '=';
        });
    };
    for (const auto& var : options.env_unset)
        remove(var);
    for (const auto& kv : options.env_set) {
        remove(std::string_view(kv).substr(0, kv.find('=')));
        env.push_back(kv);
    }
    return env;
}

} // namespace machina::linux_user
