#include "accel/dbt/system/system_hart.h"

#include "target/riscv/system/mmu.h"

namespace machina::dbt::system {

TlbRegime regime_for(riscv::Priv p, bool sum) {
    switch (p) {
    case riscv::Priv::User: return TlbRegime::User;
    case riscv::Priv::Supervisor: return sum ? TlbRegime::SupervisorSum : TlbRegime::Supervisor;
    case riscv::Priv::Machine: return TlbRegime::Machine;
    }
    return TlbRegime::Machine;
}

TlbRegime SystemHart::data_regime() const {
    return regime_for(riscv::effective_data_priv(priv), (priv.mstatus & riscv::mstatus::kSum) != 0);
}

TlbRegime SystemHart::fetch_regime() const {
    // SUM never applies to fetches, so S-mode fetches share the table of S without SUM.
    return regime_for(priv.priv, false);
}

} // namespace machina::dbt::system
