#include "target/riscv/system/trap.h"

namespace machina::riscv {
namespace {

using namespace mstatus;

constexpr unsigned kPriorityOrder[] = {irq::kMExt, irq::kMSoft, irq::kMTimer,
                                       irq::kSExt, irq::kSSoft, irq::kSTimer};

Priv mpp_of(uint64_t status) {
    return Priv((status & kMpp) >> kMppShift);
}

} // namespace

std::optional<unsigned> pending_interrupt(const PrivilegedState& ps, uint64_t time) {
    uint64_t ready = ps.pending(time) & ps.mie;
    if (!ready) return std::nullopt;
    // Interrupts for M-mode (not delegated) are enabled below M, or in M with MIE.
    bool m_enabled = ps.priv < Priv::Machine || (ps.mstatus & kMie);
    // Delegated ones are enabled below S, or in S with SIE, and never in M.
    bool s_enabled =
        ps.priv < Priv::Supervisor || (ps.priv == Priv::Supervisor && (ps.mstatus & kSie));
    uint64_t enabled = (m_enabled ? ready & ~ps.mideleg : 0) | (s_enabled ? ready & ps.mideleg : 0);
    for (unsigned n : kPriorityOrder)
        if (enabled & irq::bit(n)) return n;
    return std::nullopt;
}

bool wfi_should_wake(const PrivilegedState& ps, uint64_t time) {
    return (ps.pending(time) & ps.mie) != 0;
}

void take_trap(PrivilegedState& ps, HartState& hart, uint64_t cause_value, uint64_t tval) {
    bool interrupt = (cause_value & cause::kInterruptBit) != 0;
    uint64_t code = cause_value & ~cause::kInterruptBit;
    uint64_t deleg = interrupt ? ps.mideleg : ps.medeleg;
    bool to_supervisor = ps.priv <= Priv::Supervisor && code < 64 && ((deleg >> code) & 1);
    hart.reservation_valid = false;

    if (to_supervisor) {
        ps.scause = cause_value;
        ps.sepc = hart.pc;
        ps.stval = tval;
        uint64_t s = ps.mstatus;
        s = (s & kSie) ? s | kSpie : s & ~kSpie;
        s = ps.priv == Priv::Supervisor ? s | kSpp : s & ~kSpp;
        s &= ~kSie;
        ps.mstatus = s;
        ps.priv = Priv::Supervisor;
        uint64_t base = ps.stvec & ~3ull;
        hart.pc = (interrupt && (ps.stvec & 1)) ? base + 4 * code : base;
        return;
    }
    ps.mcause = cause_value;
    ps.mepc = hart.pc;
    ps.mtval = tval;
    uint64_t s = ps.mstatus;
    s = (s & kMie) ? s | kMpie : s & ~kMpie;
    s = (s & ~kMpp) | (uint64_t(ps.priv) << kMppShift);
    s &= ~kMie;
    ps.mstatus = s;
    ps.priv = Priv::Machine;
    uint64_t base = ps.mtvec & ~3ull;
    hart.pc = (interrupt && (ps.mtvec & 1)) ? base + 4 * code : base;
}

bool execute_mret(PrivilegedState& ps, HartState& hart) {
    if (ps.priv != Priv::Machine) return false;
    uint64_t s = ps.mstatus;
    Priv target = mpp_of(s);
    s = (s & kMpie) ? s | kMie : s & ~kMie;
    s |= kMpie;
    s &= ~kMpp; // MPP = U, the least-privileged mode
    if (target != Priv::Machine) s &= ~kMprv;
    ps.mstatus = s;
    ps.priv = target;
    hart.pc = ps.mepc;
    hart.reservation_valid = false;
    return true;
}

bool execute_sret(PrivilegedState& ps, HartState& hart) {
    if (ps.priv == Priv::User) return false;
    if (ps.priv == Priv::Supervisor && (ps.mstatus & kTsr)) return false;
    uint64_t s = ps.mstatus;
    Priv target = (s & kSpp) ? Priv::Supervisor : Priv::User;
    s = (s & kSpie) ? s | kSie : s & ~kSie;
    s |= kSpie;
    s &= ~kSpp;
    s &= ~kMprv; // the new privilege is below M
    ps.mstatus = s;
    ps.priv = target;
    hart.pc = ps.sepc;
    hart.reservation_valid = false;
    return true;
}

bool wfi_allowed(const PrivilegedState& ps) {
    if (ps.priv == Priv::Machine) return true;
    if (ps.mstatus & kTw) return false;
    return ps.priv == Priv::Supervisor;
}

bool sfence_vma_allowed(const PrivilegedState& ps) {
    if (ps.priv == Priv::User) return false;
    return !(ps.priv == Priv::Supervisor && (ps.mstatus & kTvm));
}

} // namespace machina::riscv
