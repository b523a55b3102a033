#pragma once
// SystemHart: everything one hart owns in system mode. HartState comes first so translated code
// and helpers written for user mode find it at offset 0.

#include <cstdint>
#include <functional>

#include "accel/dbt/system/softmmu_tlb.h"
#include "target/riscv/hart_state.h"
#include "target/riscv/system/privileged_state.h"

namespace machina::dbt::system {

/// The exception a memory access raised, recorded by the softmmu for the CPU loop (the
/// interpreter's exit only says "load fault at addr").
struct PendingFault {
    uint64_t cause = 0; ///< riscv::cause::k*
    uint64_t tval = 0;  ///< faulting virtual address
};

/// One hart of a system-mode machine.
struct SystemHart {
    riscv::HartState state; ///< must stay first
    riscv::PrivilegedState priv;
    SoftTlb tlb;
    PendingFault fault;
    bool waiting = false; ///< in wfi: skipped until an enabled interrupt is pending
    unsigned index = 0;
    /// mtime now, for engines that run CSR instructions themselves (set by the CPU loop; may be
    /// empty, then they leave those to the loop).
    std::function<uint64_t()> clock;

    /// The regime data accesses use now (MPRV and SUM taken into account).
    TlbRegime data_regime() const;
    /// The regime instruction fetches use now.
    TlbRegime fetch_regime() const;
};

/// The regime for privilege `p` with SUM = `sum`, when translation is on (satp != bare or p < M).
TlbRegime regime_for(riscv::Priv p, bool sum);

} // namespace machina::dbt::system
