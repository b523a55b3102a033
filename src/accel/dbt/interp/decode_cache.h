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
    /// Direct-mapped slots (a power of two). A Linux boot runs cold code from a few hundred KiB
    /// of kernel text; 32 Ki slots (1.25 MiB) keep most of it between its visits.
    static constexpr unsigned kEntries = 32768;

    /// The decoded form of `raw` at `pc` (raw holds 16 bits for compressed encodings). The
    /// interpreter, the system engine's straight-line scan and the translator's frontend all
    /// decode through it, so code is decoded about once however often it is looked at.
    const decoder::DecodedInsn& lookup(uint64_t pc, uint32_t raw) {
        Entry& e = m_entries[(pc >> 1) & (kEntries - 1)];
        if (e.pc != pc || e.insn.raw != raw) {
            e.pc = pc;
            e.insn = decoder::decode(raw);
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
        uint64_t pc = 1; ///< 1: empty (instructions are 2-byte aligned)
        decoder::DecodedInsn insn;
    };
    Entry m_entries[kEntries];
};

} // namespace machina::dbt::interp
