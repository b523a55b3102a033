#pragma once
// Start-up trace: with MACHINA_STARTUP_TRACE=1 in the environment, machina-system-x86_64 writes
// one stderr line per start-up milestone ("machina-trace: <event> <CLOCK_MONOTONIC ns>") and, when
// the guest stops, one line about its own memory. bench/kvm_startup.py reads them to split host
// set-up time from guest execution time (this machine's /dev/kvm runs guests ~1000x slower than
// hardware, so the two must be told apart), and to measure RSS from inside the process (an
// outside ru_maxrss also counts the spawning process's memory, since exec keeps the high-water
// mark of the image it replaces).

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/guest_memory.h"

namespace machina::boards::x86::startup_trace {

/// True when MACHINA_STARTUP_TRACE is set to a non-empty value other than "0". Read once.
bool enabled();

/// Writes "machina-trace: <event> <ns>" with the CLOCK_MONOTONIC time, when enabled.
void stamp(const char* event);

/// Like stamp(), but only the first call with a given flag writes (the first KVM_RUN of
/// several vCPU threads, of several machines after a reset).
void stamp_once(std::atomic<bool>& once, const char* event);

/// Resident memory of this process, from /proc/self/smaps, in KiB.
struct MemoryFigures {
    uint64_t rss = 0;           ///< all resident pages
    uint64_t pss = 0;           ///< proportional share (shared library pages divided by sharers)
    uint64_t private_pages = 0; ///< Private_Clean + Private_Dirty
    uint64_t anonymous = 0;     ///< heap, stacks, guest RAM
    uint64_t file = 0;          ///< file-backed: the executable and shared libraries
    uint64_t guest_ram = 0;     ///< resident pages of the guest RAM mappings
    uint64_t hwm = 0;           ///< VmHWM: peak RSS of this process image
    /// Resident KiB per mapped file (executable, shared libraries), by file name.
    std::vector<std::pair<std::string, uint64_t>> files;
};

/// Reads the figures; guest RAM is recognized by the host addresses of `memory`'s regions.
MemoryFigures measure_memory(const core::GuestMemory& memory);

/// Writes "machina-trace: memory rss=.. pss=.. private=.. anon=.. file=.. guest_ram=.. hwm=..
/// vmm_own=.." (KiB; vmm_own = rss - guest_ram) and "machina-trace: files NAME=KiB ...", when
/// enabled.
void report_memory(const core::GuestMemory& memory);

} // namespace machina::boards::x86::startup_trace
