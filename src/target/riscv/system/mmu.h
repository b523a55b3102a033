#pragma once
// Sv39/Sv48 address translation (privileged architecture 1.12 §4.3-4.5): the page-table walk with
// permission checks (U, SUM, MXR, MPRV), superpage alignment, and hardware A/D updates done with
// a compare-and-swap on the PTE. Physical memory is reached through PhysicalPteAccess so the same
// walk serves the interpreter and the translator's TLB refill.

#include <cstdint>

#include "target/riscv/system/privileged_state.h"

namespace machina::riscv {

/// Kind of access being translated.
enum class AccessType { Fetch, Load, Store };

/// How the walk reads and updates page-table entries in guest physical memory.
class PhysicalPteAccess {
  public:
    virtual ~PhysicalPteAccess() = default;
    /// Reads the 8-byte PTE at `pa`; false when `pa` is not RAM.
    virtual bool load_pte(uint64_t pa, uint64_t* pte) = 0;
    /// Replaces the PTE at `pa` with `desired` if it still holds `expected`.
    virtual bool cas_pte(uint64_t pa, uint64_t expected, uint64_t desired) = 0;
};

/// Result of a translation: a physical address, or the exception cause to raise.
struct Translation {
    bool ok = false;
    uint64_t paddr = 0;
    uint64_t page_size = 4096; ///< size of the mapping that hit (for TLB fills)
    bool writable = false;     ///< a store would also succeed (D already set, W granted)
    uint64_t fault_cause = 0;  ///< cause::k*PageFault or k*AccessFault when !ok
};

/// Translates `vaddr` for `type` with the hart's current satp, privilege and mstatus.
Translation translate(const PrivilegedState& ps, uint64_t vaddr, AccessType type,
                      PhysicalPteAccess& memory);

/// The privilege loads and stores run at: MPP when MPRV is set in M-mode, else the current one.
Priv effective_data_priv(const PrivilegedState& ps);

} // namespace machina::riscv
