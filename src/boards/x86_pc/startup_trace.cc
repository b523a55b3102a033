#include "boards/x86_pc/startup_trace.h"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace machina::boards::x86::startup_trace {

namespace {

uint64_t monotonic_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

/// "Name:   1234 kB" → 1234 when `line` starts with `name`.
bool field_kib(const char* line, const char* name, uint64_t* out) {
    const size_t n = std::strlen(name);
    if (std::strncmp(line, name, n) != 0 || line[n] != ':') return false;
    *out = std::strtoull(line + n + 1, nullptr, 10);
    return true;
}

} // namespace

bool enabled() {
    static const bool on = [] {
        const char* v = std::getenv("MACHINA_STARTUP_TRACE");
        return v && *v && std::strcmp(v, "0") != 0;
    }();
    return on;
}

void stamp(const char* event) {
    if (!enabled()) return;
    // Take the time first: the formatting below is not part of what is measured.
    const uint64_t ns = monotonic_ns();
    std::fprintf(stderr, "machina-trace: %s %" PRIu64 "\n", event, ns);
}

void stamp_once(std::atomic<bool>& once, const char* event) {
    if (!enabled() || once.exchange(true, std::memory_order_relaxed)) return;
    stamp(event);
}

MemoryFigures measure_memory(const core::GuestMemory& memory) {
    MemoryFigures m;
    if (std::FILE* f = std::fopen("/proc/self/smaps", "re")) {
        char line[512];
        bool guest = false;           // the current mapping holds guest RAM
        bool anon_map = false;        // the current mapping has no file behind it
        uint64_t* file_rss = nullptr; // the current file's entry in m.files
        uint64_t v = 0;
        while (std::fgets(line, sizeof line, f)) {
            uintptr_t lo = 0, hi = 0;
            char perms[8] = {};
            unsigned long long offset = 0;
            char dev[16] = {};
            unsigned long inode = 0;
            int end = 0;
            if (std::sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %7s %llx %15s %lu%n", &lo, &hi, perms,
                            &offset, dev, &inode, &end) == 6) {
                guest = false;
                for (const auto& r : memory.regions()) {
                    const auto base = reinterpret_cast<uintptr_t>(r.host);
                    if (lo < base + r.size && base < hi) guest = true;
                }
                anon_map = inode == 0;
                file_rss = nullptr;
                if (!anon_map) {
                    std::string path(line + end);
                    path.erase(0, path.find_first_not_of(' '));
                    if (!path.empty() && path.back() == '\n') path.pop_back();
                    const std::string name = path.substr(path.rfind('/') + 1);
                    for (auto& [n, kib] : m.files)
                        if (n == name) file_rss = &kib;
                    if (!file_rss) file_rss = &m.files.emplace_back(name, 0).second;
                }
                continue;
            }
            if (field_kib(line, "Rss", &v)) {
                m.rss += v;
                if (guest) m.guest_ram += v;
                (anon_map ? m.anonymous : m.file) += v;
                if (file_rss) *file_rss += v;
            } else if (field_kib(line, "Pss", &v)) {
                m.pss += v;
            } else if (field_kib(line, "Private_Clean", &v) ||
                       field_kib(line, "Private_Dirty", &v)) {
                m.private_pages += v;
            }
        }
        std::fclose(f);
    }
    if (std::FILE* f = std::fopen("/proc/self/status", "re")) {
        char line[256];
        while (std::fgets(line, sizeof line, f))
            if (field_kib(line, "VmHWM", &m.hwm)) break;
        std::fclose(f);
    }
    return m;
}

void report_memory(const core::GuestMemory& memory) {
    if (!enabled()) return;
    const MemoryFigures m = measure_memory(memory);
    std::fprintf(stderr,
                 "machina-trace: memory rss=%" PRIu64 " pss=%" PRIu64 " private=%" PRIu64
                 " anon=%" PRIu64 " file=%" PRIu64 " guest_ram=%" PRIu64 " hwm=%" PRIu64
                 " vmm_own=%" PRIu64 "\n",
                 m.rss, m.pss, m.private_pages, m.anonymous, m.file, m.guest_ram, m.hwm,
                 m.rss - m.guest_ram);
    std::string files;
    for (const auto& [name, kib] : m.files)
        files += " " + name + "=" + std::to_string(kib);
    std::fprintf(stderr, "machina-trace: files%s\n", files.c_str());
}

} // namespace machina::boards::x86::startup_trace
