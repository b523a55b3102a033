// machina-riscv64: Linux user-mode emulation of RISC-V 64 programs.
//   machina-riscv64 [options] program [args...]

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "base/log.h"
#include "linux_user/options.h"
#include "linux_user/process_setup.h"

extern char** environ;

namespace {

bool is_directory(const char* path) {
    struct stat st;
    return ::stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int die(const std::string& message) {
    std::fprintf(stderr, "machina-riscv64: %s\n", message.c_str());
    return 1;
}

} // namespace

int main(int argc, char** argv) {
    using namespace machina;
    using namespace machina::linux_user;
    auto parsed = parse_options(std::span<const char* const>(argv, size_t(argc)),
                                std::getenv("MACHINA_LD_PREFIX"), is_directory(kDefaultLdPrefix));
    if (!parsed) return die(parsed.error().message);
    Options& o = *parsed;
    if (o.show_help) {
        std::fputs(usage_text().c_str(), stdout);
        return 0;
    }
    if (o.show_version) {
        std::fputs(version_text().c_str(), stdout);
        return 0;
    }
    if (o.log_items == "help") {
        std::fputs(log::categories_help().c_str(), stdout);
        return 0;
    }
    if (o.cpu == "help") {
        std::fputs("Available CPUs: rv64, max, any (all RV64IMAFDC)\n", stdout);
        return 0;
    }
    uint32_t mask = 0;
    if (!o.log_items.empty()) {
        auto m = log::parse_categories(o.log_items);
        if (!m) return die(m.error().message);
        mask = *m;
    }
    if (o.strace) mask |= log::kStrace;
    log::set_categories(mask);
    if (!o.log_file.empty()) {
        if (auto r = log::set_log_file(o.log_file); !r) return die(r.error().message);
    }
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e)
        env.emplace_back(*e);
    env = apply_env_changes(std::move(env), o);
    return run_program(o, env);
}
