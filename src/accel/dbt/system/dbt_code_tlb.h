#pragma once
// DbtCodeTlb: the translator's code TLB of one hart: guest virtual page -> host page of its code,
// one table per translation regime, read by the dispatcher and by the jump-cache probes of
// translated code. The softmmu TLB keeps one page per slot for loads, stores and fetches
// together, so a data page evicts the code page that shares its slot (and the next jump there
// would walk the page tables again); this one holds code only. It follows the softmmu TLB's
// flushes (DbtFlushWatch): a single-page flush drops that page, a full flush bumps a generation
// that tags carry in their low 12 bits (every entry goes at once; the tables are cleared when
// those bits would repeat).

#include <cstdint>
#include <cstring>

#include "accel/dbt/system/dbt_flush_watch.h"
#include "accel/dbt/system/softmmu_tlb.h"

namespace machina::dbt::system {

/// One code TLB slot (the layout backend::SoftmmuOptions describes).
struct CodeTlbEntry {
    uint64_t tag = ~uint64_t(0); ///< guest page | generation; all ones never matches
    uint64_t addend = 0;         ///< host address of the code minus guest virtual address
};

/// The code TLB of one hart.
class DbtCodeTlb {
  public:
    static constexpr unsigned kEntries = 1024; ///< per regime, a power of two

    /// Catches up with flushes of `tlb`; returns the generation tags carry now.
    uint64_t sync(const SoftTlb& tlb) {
        uint64_t page = 0;
        switch (m_watch.poll(tlb, &page)) {
        case DbtFlushWatch::Event::None: break;
        case DbtFlushWatch::Event::Page: // the usual case: sfence.vma with an address
            for (auto& table : m_tables) {
                CodeTlbEntry& e = table[index(page)];
                if ((e.tag & ~SoftTlb::kPageMask) == page) e = CodeTlbEntry{};
            }
            break;
        case DbtFlushWatch::Event::All: new_generation(); break;
        }
        return gen();
    }

    /// The table of `regime` (kEntries entries).
    const CodeTlbEntry* table(TlbRegime regime) const { return m_tables[unsigned(regime)]; }

    /// The host address of the code at `vpc` in `regime`, or 0 when not cached.
    uintptr_t lookup(TlbRegime regime, uint64_t vpc) const {
        const CodeTlbEntry& e = slot(regime, vpc);
        return e.tag == ((vpc & ~SoftTlb::kPageMask) | gen()) ? uintptr_t(vpc + e.addend) : 0;
    }

    /// Caches that the code at `vpc` in `regime` is at host address `host`.
    void fill(TlbRegime regime, uint64_t vpc, uintptr_t host) {
        CodeTlbEntry& e = m_tables[unsigned(regime)][index(vpc)];
        e.tag = (vpc & ~SoftTlb::kPageMask) | gen();
        e.addend = uint64_t(host) - vpc;
    }

    /// Forgets every entry.
    void clear() {
        for (auto& table : m_tables)
            for (CodeTlbEntry& e : table)
                e = CodeTlbEntry{};
    }

  private:
    void new_generation() {
        if ((++m_gen & SoftTlb::kPageMask) == 0) { // the low bits would repeat
            clear();
            ++m_gen;
        }
    }
    static unsigned index(uint64_t vpc) { return (vpc >> SoftTlb::kPageBits) & (kEntries - 1); }
    const CodeTlbEntry& slot(TlbRegime regime, uint64_t vpc) const {
        return m_tables[unsigned(regime)][index(vpc)];
    }
    uint64_t gen() const { return m_gen & SoftTlb::kPageMask; }

    CodeTlbEntry m_tables[SoftTlb::kRegimes][kEntries];
    uint64_t m_gen = 1; ///< generation (low 12 bits never 0)
    DbtFlushWatch m_watch;
};

static_assert(sizeof(CodeTlbEntry) == 16, "the jump-cache probe scales indices by 16");

} // namespace machina::dbt::system
