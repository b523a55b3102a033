#pragma once
// perf(1) symbol map for translated code: with MACHINA_PERFMAP=1 in the environment, every
// translated block is appended to /tmp/perf-<pid>.map as "<host address> <size> riscv:<guest pc>",
// the format perf reads for JIT code, so `perf report` names hot blocks by guest pc (what QEMU's
// -perfmap does). Off by default: the file grows with every block.

#include <cstddef>
#include <cstdint>

namespace machina::dbt {

/// True when MACHINA_PERFMAP=1 (read once).
bool perf_map_enabled();

/// Appends one translated block to the map (thread-safe; no-op when disabled).
void perf_map_note(uintptr_t host_entry, size_t host_size, uint64_t guest_pc);

} // namespace machina::dbt
