// perf(1) symbol map for translated code (see perf_map.h).
#include "accel/dbt/runtime/perf_map.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace machina::dbt {

namespace {

struct PerfMapFile {
    std::mutex mutex;
    std::FILE* file = nullptr;

    PerfMapFile() {
        const char* env = std::getenv("MACHINA_PERFMAP");
        if (!env || std::strcmp(env, "1") != 0) return;
        char path[64];
        std::snprintf(path, sizeof path, "/tmp/perf-%d.map", int(getpid()));
        file = std::fopen(path, "w");
        if (!file)
            std::fprintf(stderr, "machina: cannot write %s; MACHINA_PERFMAP ignored\n", path);
    }
};

PerfMapFile& perf_map_file() {
    static PerfMapFile instance;
    return instance;
}

} // namespace

bool perf_map_enabled() {
    return perf_map_file().file != nullptr;
}

void perf_map_note(uintptr_t host_entry, size_t host_size, uint64_t guest_pc) {
    PerfMapFile& map = perf_map_file();
    if (!map.file) return;
    std::lock_guard lock(map.mutex);
    std::fprintf(map.file, "%lx %zx riscv:%#lx\n", static_cast<unsigned long>(host_entry),
                 host_size, static_cast<unsigned long>(guest_pc));
    std::fflush(map.file);
}

} // namespace machina::dbt
