#pragma once
// The softmmu slow paths shared by the interpreter policy and the translator's helpers: a TLB
// miss walks the page tables (riscv::translate), fills the hart's TLB for RAM pages, and performs
// the access; MMIO goes to the device; a failing access records the exception in hart.fault.

#include <cstdint>

#include "accel/dbt/system/physical_bus.h"
#include "accel/dbt/system/system_hart.h"

namespace machina::dbt::system {

/// Where one access of a page-contained virtual range goes.
struct PageLookup {
    enum class Kind { Ram, Mmio, Fault } kind = Kind::Fault;
    uint8_t* host = nullptr; ///< for Ram: host address of the access
    uint64_t paddr = 0;      ///< physical address (Ram and Mmio)
};

/// Translates `vaddr` for `type` in `regime` (the hart's current one for that kind of access),
/// filling the TLB on RAM hits; on failure sets hart.fault and returns Kind::Fault.
PageLookup softmmu_lookup(SystemHart& hart, PhysicalBus& bus, uint64_t vaddr,
                          riscv::AccessType type, TlbRegime regime);

/// A load of `size` (1, 2, 4, 8) bytes at any alignment, possibly crossing pages or hitting MMIO.
/// False (with hart.fault set) when it faults; nothing is changed then.
bool softmmu_load(SystemHart& hart, PhysicalBus& bus, uint64_t vaddr, unsigned size,
                  uint64_t* value);

/// A store of the low `size` bytes of `value`; false (hart.fault set, memory unchanged) on a fault.
bool softmmu_store(SystemHart& hart, PhysicalBus& bus, uint64_t vaddr, unsigned size,
                   uint64_t value);

/// Reads the 16-bit instruction parcel at `vaddr`; false (hart.fault set) on a fault.
bool softmmu_fetch16(SystemHart& hart, PhysicalBus& bus, uint64_t vaddr, uint16_t* parcel);

/// Host pointer for an aligned atomic access (LR: write = false), or nullptr with hart.fault set
/// (page fault, or an access fault when the address is not RAM).
uint8_t* softmmu_atomic(SystemHart& hart, PhysicalBus& bus, uint64_t vaddr, unsigned size,
                        bool write);

} // namespace machina::dbt::system
