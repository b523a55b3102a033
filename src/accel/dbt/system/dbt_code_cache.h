#pragma once
// DbtCodeCache: the translator's code cache for system-mode harts.
//
// A block is keyed by its guest virtual pc AND its code key: the host address of its guest code
// (RAM has one host mapping, so this stands for the physical address) with the FP state it was
// translated for in bits 63:62. A new mapping, or another process at the same virtual address,
// therefore never reaches stale code, and the key is the same for every hart, so all harts share
// the cache and its jump cache (they run on one host thread).
//
// The cache also tracks which RAM pages hold code (CodePageTracker): the softmmu never enters
// them writable in a TLB, so a store to one takes the slow path, which reports it here first;
// every block of that page is then dropped. Blocks never span pages and direct chaining stays
// inside a page, so no surviving block links into a dropped one. Code memory is only reused
// after a full flush (code buffer full, fence.i, reset), which happens between blocks.
//
// With background translation on (create()'s `background`), hot blocks are compiled on another
// host thread (DbtBackground): request() marks the page as code and queues the block, the harts
// go on interpreting it, and install_finished() enters what the thread compiled. A page dropped
// or a cache flushed in between makes the job stale (its page record's serial or the generation
// changed) and it is discarded.

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "accel/dbt/backend/x86_64/backend.h"
#include "accel/dbt/frontend/riscv64/frontend.h"
#include "accel/dbt/system/dbt_background.h"
#include "accel/dbt/system/dbt_block_map.h"
#include "accel/dbt/system/dbt_heat.h"
#include "accel/dbt/system/physical_bus.h"
#include "base/result.h"
#include "core/guest_memory.h"

namespace machina::dbt::system {

/// One translated block of system-mode code.
struct DbtBlock {
    uint64_t vpc = 0;         ///< guest virtual pc of the first instruction
    uint64_t code_key = 0;    ///< see make_code_key()
    uint32_t guest_insns = 0; ///< instructions it retires when it runs to its end
    uintptr_t entry = 0;      ///< host code
    uint32_t size = 0;        ///< bytes of host code
};

/// The code key of guest code at host address `host` translated for FP state `fp`.
inline uint64_t make_code_key(uintptr_t host, frontend::FpState fp) {
    return uint64_t(host) | uint64_t(fp) << 62;
}

/// Host page of a code key.
inline uintptr_t code_key_page(uint64_t key) {
    return uintptr_t(key & ~(uint64_t(3) << 62) & ~uint64_t(0xfff));
}

/// Counters, for tests and reports.
struct DbtStats {
    uint64_t blocks = 0;              ///< blocks translated
    uint64_t code_bytes = 0;          ///< host code produced
    uint64_t flushes = 0;             ///< full flushes
    uint64_t invalidated_pages = 0;   ///< code pages dropped because a store hit them
    uint64_t revalidations = 0;       ///< revalidate() calls (fence.i)
    uint64_t page_comparisons = 0;    ///< of which compared pages (RAM written from outside)
    uint64_t stale_pages = 0;         ///< code pages revalidate() found changed
    uint64_t links = 0;               ///< direct jumps chained
    uint64_t new_code_pages = 0;      ///< pages that started holding code
    uint64_t tlb_scans = 0;           ///< of those, pages a TLB may have held writable (scanned)
    uint64_t background_requests = 0; ///< blocks handed to the background thread
    uint64_t stale_translations = 0;  ///< of those, discarded: their page changed meanwhile
};

/// Translated code of every system-mode hart of one machine.
class DbtCodeCache final : public CodePageTracker {
  public:
    /// Maps a code buffer of `code_size` bytes; `ram` gives the pages code may come from.
    /// Blocks get at most `side_exits` side exits (DbtEngineOptions::side_exits). `background`
    /// starts the background translation thread (then use request(), not translate()).
    static Result<std::unique_ptr<DbtCodeCache>> create(const core::GuestMemory& ram,
                                                        size_t code_size,
                                                        unsigned side_exits = kSideExits,
                                                        bool background = false);
    ~DbtCodeCache() override;

    /// What the cache knows of the code at one (vpc, key): its block once translated, and until
    /// then how often the dispatcher came there (the engine translates hot code only).
    struct Entry {
        const DbtBlock* block = nullptr;
        uint32_t visits = 0;
        uint32_t straight = 0; ///< instructions to the first control transfer (0: not known)
        bool never = false;    ///< the translator gave up on it: always interpreted
        bool pending = false;  ///< the background thread is translating it
    };

    /// The entry of (vpc, key), made empty when missing. Valid until the next call that may
    /// add or drop entries (entry(), translate(), flush(), or a store dropping a page).
    Entry& entry(uint64_t vpc, uint64_t key) { return m_blocks(vpc, key); }

    /// Starts loading entry(vpc, key)'s slot: the dispatcher calls it before probing the jump
    /// cache, so that for cold code (a jump-cache miss) the two cache misses overlap.
    void prefetch_entry(uint64_t vpc, uint64_t key) const { m_blocks.prefetch(vpc, key); }

    /// What translate() did.
    using Status = TranslateStatus;

    /// Translates the block at guest `vpc`, whose code is at host `code`, for FP state `fp`.
    /// Full: the cache must be flushed first. Untranslatable: interpret that instruction (it
    /// straddles the end of its page, or the backend gave up).
    /// `next_page` is the host address of the next guest page when the hart can fetch from it
    /// (see frontend::SystemSource::next_page_host), else nullptr.
    Status translate(uint64_t vpc, const uint8_t* code, frontend::FpState fp, const DbtBlock** out,
                     const uint8_t* next_page = nullptr);

    /// True when blocks are translated on the background thread (request()).
    bool background() const { return m_background != nullptr; }

    /// Background translation: translate()'s work, queued. The entry of (vpc, its code key) is
    /// pending until install_finished() enters the block (or `never` when it cannot be
    /// translated); the caller interprets the code meanwhile.
    void request(uint64_t vpc, const uint8_t* code, frontend::FpState fp,
                 const uint8_t* next_page = nullptr);

    /// True when the background thread has blocks waiting for install_finished().
    bool has_finished() const { return m_background && m_background->has_finished(); }

    /// Enters the blocks the background thread finished (discarding stale ones). Returns true
    /// when one found the code buffer full: the caller must flush() (the block is asked for
    /// again on a later visit).
    bool install_finished();

    /// Enters `b` in the jump cache.
    void remember(const DbtBlock& b) {
        backend::SystemJumpCacheEntry& e = m_jump_cache[slot(b.vpc)];
        e.guest_pc = b.vpc;
        e.code_key = b.code_key;
        e.host = b.entry;
    }

    /// The jump cache translated code probes (backend::kSystemJumpCacheSize entries).
    backend::SystemJumpCacheEntry* jump_cache() { return m_jump_cache.get(); }

    /// The jump-cache index of guest pc `vpc`.
    static uint32_t slot(uint64_t vpc) { return (vpc >> 1) & (backend::kSystemJumpCacheSize - 1); }

    /// Points the direct jump whose rel32 is at `site` to `target`.
    void link(uintptr_t site, uintptr_t target);

    /// Drops every translation.
    void flush();

    /// fence.i: drops the translations of every page whose bytes changed since it was
    /// translated. Stores by harts drop their pages at once; this catches writes nobody saw
    /// (devices writing RAM directly, like virtio DMA), which guests follow with fence.i.
    void revalidate();

    /// Bumped by every flush (a pending link into flushed code must not be patched).
    uint64_t generation() const { return m_generation; }

    /// Bumped whenever a store drops a code page (the store helper then leaves the block).
    uint64_t invalidations() const { return m_stats.invalidated_pages; }

    /// The trampolines into and out of translated code.
    const backend::Trampolines& trampolines() const { return m_tramp; }

    /// Called with the host page when a page starts holding code that a TLB may hold writable
    /// (the engine removes write permission for it from every hart's TLB).
    std::function<void(uintptr_t host_page)> on_new_code_page;

    /// A snapshot of the counters.
    DbtStats stats() const { return m_stats; }

    // CodePageTracker
    bool is_code(const uint8_t* host) const override;
    void code_written(const uint8_t* host, unsigned size) override;

  private:
    /// Code-page bits of one RAM region.
    struct RegionBits {
        uintptr_t host = 0;
        uint64_t pages = 0;
        std::vector<uint64_t> bits;
        /// Pages is_code() answered "not code" for since they last became code: only those can
        /// be writable in a TLB (every write permission is granted after asking is_code), so
        /// only those need on_new_code_page's TLB scan when they start holding code.
        mutable std::vector<uint64_t> maybe_writable;
    };

    DbtCodeCache(const core::GuestMemory& ram) : m_ram(ram) {}
    /// translate()'s first step, on the hart thread: gives `job` its key and generation, makes
    /// the record of its code page (a copy of the page's bytes, a serial) and marks the page as
    /// code, so that from now on a store to it drops the page. False: not in guest RAM.
    bool begin(TranslationJob& job);
    /// The middle step (any thread): frontend, passes and backend into the code buffer, with
    /// `block` as scratch. Touches nothing of the cache but the code buffer's cursor.
    void compile(TranslationJob& job, ir::Block& block) const;
    /// The last step, on the hart thread, for a job whose page record is still the one begin()
    /// made: enters the compiled block, or forgets a page record left without blocks.
    Status install(TranslationJob& job, const DbtBlock** out);
    /// True when the record of `job`'s page is still the one begin() made for it.
    bool current(const TranslationJob& job) const;
    /// (Re)builds the per-region bitmaps from the RAM regions; `first` at creation.
    void build_regions(bool first);
    /// The region and page index of host address `host`, or nullptr.
    RegionBits* region_of(uintptr_t host, uint64_t* page);
    void mark_code_page(uintptr_t host_page);
    /// Removes the page's blocks from the lookup structures and clears its code bit.
    void forget_page(uintptr_t host_page);
    void drop_page(uintptr_t host_page);

    const core::GuestMemory& m_ram;
    unsigned m_side_exits = kSideExits;
    std::unique_ptr<backend::CodeBuffer> m_buffer;
    backend::Trampolines m_tramp;
    backend::HostFeatures m_features;
    size_t m_tramp_bytes = 0;
    std::deque<DbtBlock> m_storage; ///< every block since the last flush (stable addresses)
    DbtBlockMap<Entry> m_blocks;
    /// A RAM page holding translated code.
    struct CodePage {
        std::vector<const DbtBlock*> blocks;
        std::unique_ptr<uint8_t[]> copy; ///< its bytes when it first got code
        uint64_t chunks = 0;             ///< 64-byte chunks its blocks were translated from
        uint64_t serial = 0;             ///< tells a record from an earlier one of the page
    };
    std::unordered_map<uintptr_t, CodePage> m_pages; ///< by host page address
    std::vector<RegionBits> m_regions;
    ir::Block m_block; ///< reused by every translation (its storage stays allocated)
    std::unique_ptr<backend::SystemJumpCacheEntry[]> m_jump_cache;
    uint64_t m_generation = 1;
    uint64_t m_revalidated_outside_writes = ~0ull; ///< m_ram.outside_writes() at the last compare
    uint64_t m_page_serials = 0;                   ///< serials handed to page records
    DbtStats m_stats;
    std::vector<TranslationJob> m_finished; ///< install_finished()'s scratch
    /// The background thread (when on); last, so it stops before the buffer goes away.
    std::unique_ptr<DbtBackground> m_background;
};

} // namespace machina::dbt::system
