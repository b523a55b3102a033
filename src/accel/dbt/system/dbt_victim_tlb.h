#pragma once
// DbtVictimTlb: a second-level data TLB of one hart for the translator's softmmu slow paths.
// The softmmu TLB is direct-mapped (SoftTlb::kEntries per regime): a workload walking many MiB
// (zstd's window, a kernel copying pages) misses there on conflicts, and each miss walks the
// page tables. Entries the slow path is about to overwrite are stashed here (4096 per regime),
// and a later miss on the same page swaps its entry back instead of walking. It follows the
// softmmu TLB's flushes like the code TLB does (DbtFlushWatch, generation in the tags). An entry
// that comes back never brings write access to a page that has become code since (the caller
// checks), so the protection of translated code holds.

#include <cstdint>

#include "accel/dbt/system/dbt_flush_watch.h"
#include "accel/dbt/system/softmmu_tlb.h"

namespace machina::dbt::system {

/// Stashed softmmu TLB entries of one hart.
class DbtVictimTlb {
  public:
    static constexpr unsigned kEntries = 4096; ///< per regime, a power of two

    /// Catches up with flushes of `tlb` (call before stash() and find()).
    void sync(const SoftTlb& tlb) {
        uint64_t page = 0;
        switch (m_watch.poll(tlb, &page)) {
        case DbtFlushWatch::Event::None: break;
        case DbtFlushWatch::Event::Page:
            for (auto& table : m_tables) {
                Slot& s = table[index(page)];
                if ((s.tag & ~SoftTlb::kPageMask) == page) s = Slot{};
            }
            break;
        case DbtFlushWatch::Event::All:
            if ((++m_gen & SoftTlb::kPageMask) == 0) { // the low bits would repeat
                for (auto& table : m_tables)
                    for (Slot& s : table)
                        s = Slot{};
                ++m_gen;
            }
            break;
        }
    }

    /// Keeps a copy of `e`, an entry of the softmmu table of `regime` about to be replaced.
    void stash(TlbRegime regime, const TlbEntry& e) {
        const uint64_t page = page_of(e);
        if (page == TlbEntry::kInvalidTag) return;
        Slot& s = m_tables[unsigned(regime)][index(page)];
        s.tag = page | gen();
        s.entry = e;
    }

    /// The stashed entry for the page of `vaddr` in `regime`, or nullptr.
    const TlbEntry* find(TlbRegime regime, uint64_t vaddr) const {
        const uint64_t page = vaddr & ~SoftTlb::kPageMask;
        const Slot& s = m_tables[unsigned(regime)][index(page)];
        return s.tag == (page | gen()) ? &s.entry : nullptr;
    }

  private:
    struct Slot {
        uint64_t tag = ~uint64_t(0); ///< page | generation
        TlbEntry entry;
    };

    static unsigned index(uint64_t page) { return (page >> SoftTlb::kPageBits) & (kEntries - 1); }
    uint64_t gen() const { return m_gen & SoftTlb::kPageMask; }

    /// The page an entry maps (every valid tag names the same page), or kInvalidTag.
    static uint64_t page_of(const TlbEntry& e) {
        if (e.read_tag != TlbEntry::kInvalidTag) return e.read_tag;
        if (e.write_tag != TlbEntry::kInvalidTag) return e.write_tag;
        return e.exec_tag;
    }

    Slot m_tables[SoftTlb::kRegimes][kEntries];
    uint64_t m_gen = 1; ///< generation (low 12 bits never 0)
    DbtFlushWatch m_watch;
};

} // namespace machina::dbt::system
