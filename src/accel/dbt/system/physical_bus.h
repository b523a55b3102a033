#pragma once
// PhysicalBus: a system-mode hart's view of guest physical memory: RAM and ROM regions reached
// through host pointers, everything else routed to devices through the MMIO AddressSpace. It also
// serves the page-table walk (PTE loads and A/D compare-and-swap).

#include <cstdint>

#include "core/address_space.h"
#include "core/guest_memory.h"
#include "target/riscv/system/mmu.h"

namespace machina::dbt::system {

/// The translator's record of the RAM pages that hold translated code. The softmmu never enters
/// such a page writable in a TLB, so every store to it takes the slow path and is reported here
/// first (the translator then drops the stale translations).
class CodePageTracker {
  public:
    virtual ~CodePageTracker() = default;
    /// True when the host page containing `host` holds translated code.
    virtual bool is_code(const uint8_t* host) const = 0;
    /// A store of `size` bytes at `host`, on a code page, is about to happen.
    virtual void code_written(const uint8_t* host, unsigned size) = 0;
};

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

    /// Installs the translator's code-page tracker (nullptr: none, as with the interpreter).
    void set_code_tracker(CodePageTracker* tracker) { m_code = tracker; }
    /// True when the host page of `host` (a RAM address) holds translated code.
    bool is_code_page(const uint8_t* host) const { return m_code && m_code->is_code(host); }
    /// Reports a store to a code page (call before writing; see is_code_page).
    void note_code_write(const uint8_t* host, unsigned size) const {
        if (m_code) m_code->code_written(host, size);
    }
    /// The RAM regions (the translator sizes its code-page map from them).
    const core::GuestMemory& memory() const { return m_ram; }

    bool load_pte(uint64_t pa, uint64_t* pte) override;
    bool cas_pte(uint64_t pa, uint64_t expected, uint64_t desired) override;

  private:
    core::GuestMemory& m_ram;
    core::AddressSpace& m_mmio;
    CodePageTracker* m_code = nullptr;
};

} // namespace machina::dbt::system
