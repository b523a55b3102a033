#pragma once
// DbtFlushWatch: what happened to a hart's softmmu TLB since the last look, for the translator's
// caches derived from it (code TLB, victim TLB): nothing, one page flushed (sfence.vma with an
// address), or everything (satp, MXR, sfence.vma without address, a superpage, or more than one
// page since the last look).

#include <cstdint>

#include "accel/dbt/system/softmmu_tlb.h"

namespace machina::dbt::system {

/// Follows SoftTlb::flushes and SoftTlb::page_flushes.
class DbtFlushWatch {
  public:
    enum class Event { None, Page, All };

    /// The flushes of `tlb` since the last call; for Page, *page is the flushed page.
    Event poll(const SoftTlb& tlb, uint64_t* page) {
        Event e = Event::None;
        if (tlb.flushes != m_flushes) {
            e = Event::All;
        } else if (tlb.page_flushes != m_page_flushes) {
            e = tlb.page_flushes - m_page_flushes == 1 ? Event::Page : Event::All;
            *page = tlb.last_flushed_page;
        }
        m_flushes = tlb.flushes;
        m_page_flushes = tlb.page_flushes;
        return e;
    }

  private:
    uint64_t m_flushes = ~uint64_t(0); // the first poll reports All
    uint64_t m_page_flushes = 0;
};

} // namespace machina::dbt::system
