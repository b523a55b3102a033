#pragma once
// A direct-mapped cache of decoded instructions keyed by (pc, raw bits). Every lookup compares
// the freshly fetched raw bits with the cached ones, so the cache can never return a stale
// decode: self-modifying code is correct even without fence.i (FenceI still exits so that the
// translator's caches can be flushed by the caller).

#include <cstdint>
#include <memory>

#include "accel/dbt/decoder/riscv64/decoder.h"

namespace machina::dbt::interp {

/// Per-thread decoded-instruction cache (no locking: each hart runs on its own thread).
class DecodeCache {
  public:
    static constexpr unsigned kEntries = 8192; ///< direct-mapped slots (a power of two)

    /// The decoded form of `raw` at `pc` (raw holds 16 bits for compressed encodings).
    const decoder::DecodedInsn& lookup(uint64_t pc, uint32_t raw) {
        Entry& e = m_entries[(pc >> 1) & (kEntries - 1)];
        if (e.pc != pc || e.insn.raw != raw || !e.valid) {
            e.pc = pc;
            e.insn = decoder::decode(raw);
            e.valid = true;
        }
        return e.insn;
    }

    /// The calling thread's cache (allocated on first use).
    static DecodeCache& for_this_thread() {
        thread_local std::unique_ptr<DecodeCache> cache = std::make_unique<DecodeCache>();
        return *cache;
    }

  private:
    struct Entry {
        uint64_t pc = 0;
        decoder::DecodedInsn insn;
        bool valid = false;
    };
    Entry m_entries[kEntries];
};

} // namespace machina::dbt::interp
