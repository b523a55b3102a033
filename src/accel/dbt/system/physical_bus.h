#pragma once
// PhysicalBus: a system-mode hart's view of guest physical memory: RAM and ROM regions reached
// through host pointers, everything else routed to devices through the MMIO AddressSpace. It also
// serves the page-table walk (PTE loads and A/D compare-and-swap).

#include <cstdint>

#include "core/address_space.h"
#include "core/guest_memory.h"
#include "target/riscv/system/mmu.h"

namespace machina::dbt::system {

/// Guest physical memory of one machine, shared by all its harts.
class PhysicalBus final : public riscv::PhysicalPteAccess {
  public:
    PhysicalBus(core::GuestMemory& ram, core::AddressSpace& mmio) : m_ram(ram), m_mmio(mmio) {}

    /// Host pointer to `len` bytes at physical `pa` when they are all RAM, else nullptr.
    uint8_t* ram(uint64_t pa, uint64_t len) const { return m_ram.host_ptr(pa, len); }

    /// A device read of `size` bytes at `pa`; false when nothing answers (an access fault).
    bool mmio_read(uint64_t pa, unsigned size, uint64_t* value) const {
        return m_mmio.read(pa, size, value) == core::AccessStatus::Ok;
    }

    /// A device write; false when nothing answers.
    bool mmio_write(uint64_t pa, unsigned size, uint64_t value) const {
        return m_mmio.write(pa, size, value) == core::AccessStatus::Ok;
    }

    bool load_pte(uint64_t pa, uint64_t* pte) override;
    bool cas_pte(uint64_t pa, uint64_t expected, uint64_t desired) override;

  private:
    core::GuestMemory& m_ram;
    core::AddressSpace& m_mmio;
};

} // namespace machina::dbt::system
