#pragma once
// The software TLB of one hart in system mode: virtual page -> host address, for RAM only (MMIO
// pages are never entered, so every device access takes the slow path). One direct-mapped table
// per translation regime (U, S, S with SUM, M without translation), so trap entry and return and
// the kernel's SUM toggling switch tables instead of flushing. Interpreter and translator read
// the same entries: a hit is `tag == (vaddr & ~page_mask)`, and the host address is
// `vaddr + addend`.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace machina::dbt::system {

/// One TLB slot. A tag of kInvalidTag never matches (it has low bits set).
struct TlbEntry {
    static constexpr uint64_t kInvalidTag = ~0ull;
    uint64_t read_tag = kInvalidTag;  ///< page base when loads may hit
    uint64_t write_tag = kInvalidTag; ///< page base when stores may hit (D set, not code)
    uint64_t exec_tag = kInvalidTag;  ///< page base when fetches may hit
    uint64_t addend = 0;              ///< host address minus guest virtual address
};

/// The translation regimes that have their own table.
enum class TlbRegime : unsigned { User = 0, Supervisor = 1, SupervisorSum = 2, Machine = 3 };

/// All TLB tables of one hart.
struct SoftTlb {
    static constexpr unsigned kPageBits = 12;
    static constexpr uint64_t kPageSize = 1ull << kPageBits;
    static constexpr uint64_t kPageMask = kPageSize - 1;
    /// Per regime, a power of two. 16384 (64 MiB reach): zstd -15 in the guest missed 1.2M
    /// times into the victim TLB with 8192 (1.6-1.85 s); 16384 takes 1.47-1.55 s with the boot
    /// unchanged; 32768 was no faster (bigger tables to reset) and costs 4 MiB per hart.
    static constexpr unsigned kEntries = 16384;
    static constexpr unsigned kRegimes = 4;

    TlbEntry entries[kRegimes][kEntries];
    /// [large_lo, large_hi): virtual range covered by superpage fills since the last full flush;
    /// a single-page flush inside it must flush everything (entries are per 4 KiB page).
    uint64_t large_lo = ~0ull;
    uint64_t large_hi = 0;
    /// Flush counts, for caches derived from these entries (the translator's code TLB): full
    /// flushes, single-page flushes, and the page of the latest single-page flush.
    uint64_t flushes = 0;
    uint64_t page_flushes = 0;
    uint64_t last_flushed_page = 0;
    /// Slots (regime * kEntries + index) given a write tag since the last full flush, so that
    /// drop_writes_to_host_page() looks at those instead of every slot. Indices may repeat or
    /// be stale (the slot refilled or flushed since): the entry itself is checked.
    std::vector<uint32_t> writable_slots;
    /// Slots filled since the last full flush, so that a flush (every satp write: each context
    /// switch) resets those instead of all kRegimes * kEntries. Past kFillLogLimit entries the
    /// log stops and the next flush resets everything.
    std::vector<uint32_t> filled_slots;
    bool fill_log_overflow = false;
    static constexpr size_t kFillLogLimit = kRegimes * kEntries / 4;

    /// The slot for `vaddr` in `regime`.
    TlbEntry& slot(TlbRegime regime, uint64_t vaddr) {
        return entries[unsigned(regime)][(vaddr >> kPageBits) & (kEntries - 1)];
    }

    /// Invalidates every entry.
    void flush_all() {
        ++flushes;
        if (fill_log_overflow) {
            for (auto& table : entries)
                for (auto& e : table)
                    e = TlbEntry{};
        } else {
            for (uint32_t index : filled_slots)
                entries[index / kEntries][index % kEntries] = TlbEntry{};
        }
        filled_slots.clear();
        fill_log_overflow = false;
        large_lo = ~0ull;
        large_hi = 0;
        writable_slots.clear();
    }

    /// Records that the slot of `vaddr` in `regime` was filled (call after every fill); `writable`
    /// when it now has a write tag.
    void note_fill(TlbRegime regime, uint64_t vaddr, bool writable) {
        const uint32_t index =
            unsigned(regime) * kEntries + unsigned((vaddr >> kPageBits) & (kEntries - 1));
        if (!fill_log_overflow) {
            if (filled_slots.size() < kFillLogLimit) {
                filled_slots.push_back(index);
            } else {
                fill_log_overflow = true;
                filled_slots.clear();
            }
        }
        if (!writable) return;
        if (writable_slots.size() >= 2 * kRegimes * kEntries) rebuild_writable_slots();
        writable_slots.push_back(index);
    }

    /// Invalidates the page containing `vaddr` (everything if it lies in a superpage fill).
    void flush_page(uint64_t vaddr) {
        if (vaddr >= large_lo && vaddr < large_hi) {
            flush_all();
            return;
        }
        uint64_t page = vaddr & ~kPageMask;
        ++page_flushes;
        last_flushed_page = page;
        for (unsigned r = 0; r < kRegimes; ++r) {
            TlbEntry& e = slot(TlbRegime(r), vaddr);
            if (e.read_tag == page || e.write_tag == page || e.exec_tag == page) e = TlbEntry{};
        }
    }

    /// Removes write permission from every entry whose host page is `host_page` (the page now
    /// holds translated code: stores must take the slow path to invalidate it). Only slots in
    /// writable_slots can hold a write tag.
    void drop_writes_to_host_page(uintptr_t host_page) {
        for (uint32_t index : writable_slots) {
            TlbEntry& e = entries[index / kEntries][index % kEntries];
            if (e.write_tag != TlbEntry::kInvalidTag && e.write_tag + e.addend == host_page)
                e.write_tag = TlbEntry::kInvalidTag;
        }
    }

  private:
    /// Replaces the log (grown past twice the slot count by refills) with the slots that have
    /// a write tag now.
    void rebuild_writable_slots() {
        writable_slots.clear();
        for (uint32_t r = 0; r < kRegimes; ++r)
            for (uint32_t i = 0; i < kEntries; ++i)
                if (entries[r][i].write_tag != TlbEntry::kInvalidTag)
                    writable_slots.push_back(r * kEntries + i);
    }
};

} // namespace machina::dbt::system
