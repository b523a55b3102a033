#include "base/log.h"

#include <array>
#include <atomic>
#include <cstdlib>
#include <mutex>

namespace machina::log {
namespace {

struct CategoryName {
    const char* name;
    uint32_t bit;
    const char* help;
};

constexpr std::array kCategories = {
    CategoryName{"in_asm", kInAsm, "show guest code being translated or executed"},
    CategoryName{"op", kOp, "show translator IR"},
    CategoryName{"out_asm", kOutAsm, "show generated host code"},
    CategoryName{"int", kInt, "show interrupts and exceptions"},
    CategoryName{"exec", kExec, "show each translated block executed"},
    CategoryName{"cpu", kCpu, "show CPU registers before each block"},
    CategoryName{"mmu", kMmu, "log MMU-related activity"},
    CategoryName{"unimp", kUnimp, "log unimplemented functionality"},
    CategoryName{"guest_errors", kGuestErrors, "log when the guest does something invalid"},
    CategoryName{"strace", kStrace, "log every system call (user mode)"},
    CategoryName{"page", kPage, "log guest memory map changes"},
};

std::atomic<uint32_t> g_mask{0};
std::atomic<int> g_level{-1};
std::FILE* g_stream = nullptr;
std::mutex g_write_mutex;

Level current_level() {
    int l = g_level.load(std::memory_order_relaxed);
    if (l >= 0) return static_cast<Level>(l);
    Level from_env = Level::Warn;
    if (const char* env = std::getenv("MACHINA_LOG")) {
        std::string_view v = env;
        if (v == "debug")
            from_env = Level::Debug;
        else if (v == "info")
            from_env = Level::Info;
        else if (v == "error")
            from_env = Level::Error;
    }
    g_level.store(static_cast<int>(from_env), std::memory_order_relaxed);
    return from_env;
}

} // namespace

Result<uint32_t> parse_categories(std::string_view spec) {
    uint32_t mask = 0;
    while (!spec.empty()) {
        size_t comma = spec.find(',');
        std::string_view item = spec.substr(0, comma);
        spec = comma == std::string_view::npos ? std::string_view{} : spec.substr(comma + 1);
        if (item.empty()) continue;
        bool found = false;
        for (const auto& c : kCategories) {
            if (item == c.name) {
                mask |= c.bit;
                found = true;
            }
        }
        if (!found) return Error::make("unknown -d log category '{}' (try -d help)", item);
    }
    return mask;
}

std::string categories_help() {
    std::string out = "Log items (comma separated):\n";
    for (const auto& c : kCategories)
        out += fmt::format("{:<14}{}\n", c.name, c.help);
    return out;
}

void set_categories(uint32_t mask) {
    g_mask.store(mask, std::memory_order_relaxed);
}

bool enabled(uint32_t mask) {
    return (g_mask.load(std::memory_order_relaxed) & mask) != 0;
}

Result<void> set_log_file(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "w");
    if (!f) return Error::from_errno("cannot open log file '{}'", path);
    std::lock_guard lock(g_write_mutex);
    if (g_stream && g_stream != stderr) std::fclose(g_stream);
    g_stream = f;
    return ok();
}

void set_level(Level level) {
    g_level.store(static_cast<int>(level), std::memory_order_relaxed);
}

std::FILE* log_stream() {
    return g_stream ? g_stream : stderr;
}

void write(Level level, std::string_view text) {
    if (static_cast<int>(level) > static_cast<int>(current_level())) return;
    std::lock_guard lock(g_write_mutex);
    fmt::print(stderr, "machina: {}\n", text);
}

void write_category(std::string_view text) {
    std::lock_guard lock(g_write_mutex);
    std::FILE* s = log_stream();
    std::fwrite(text.data(), 1, text.size(), s);
    std::fflush(s);
}

} // namespace machina::log
