#include "target/riscv/system/csr_file.h"

namespace machina::riscv {
namespace {

using namespace mstatus;

constexpr uint64_t kSstatusMask =
    kSie | kSpie | (1ull << 6) | kSpp | (3ull << 9) | kFs | (3ull << 15) | kSum | kMxr | kUxl | kSd;
constexpr uint64_t kMstatusWritable =
    kSie | kMie | kSpie | kMpie | kSpp | kMpp | kFs | kMprv | kSum | kMxr | kTvm | kTw | kTsr;
constexpr uint64_t kXlen64 = 2; // UXL/SXL/MXL value for 64 bits
constexpr uint64_t kDelegableExceptions =
    (1ull << cause::kInsnMisaligned) | (1ull << cause::kInsnAccessFault) |
    (1ull << cause::kIllegalInsn) | (1ull << cause::kBreakpoint) |
    (1ull << cause::kLoadMisaligned) | (1ull << cause::kLoadAccessFault) |
    (1ull << cause::kStoreMisaligned) | (1ull << cause::kStoreAccessFault) |
    (1ull << cause::kEcallU) | (1ull << cause::kEcallS) | (1ull << cause::kInsnPageFault) |
    (1ull << cause::kLoadPageFault) | (1ull << cause::kStorePageFault);
constexpr uint64_t kSupervisorInterrupts =
    irq::bit(irq::kSSoft) | irq::bit(irq::kSTimer) | irq::bit(irq::kSExt);
constexpr uint64_t kAllInterrupts =
    kSupervisorInterrupts | irq::bit(irq::kMSoft) | irq::bit(irq::kMTimer) | irq::bit(irq::kMExt);
constexpr uint64_t kMenvcfgStce = 1ull << 63;
constexpr uint64_t kEnvcfgFiom = 1;
constexpr uint64_t kSatpModeShift = 60;
constexpr uint64_t kSatpBare = 0, kSatpSv39 = 8, kSatpSv48 = 9;
constexpr uint32_t kFcsrMask = 0xff;

uint64_t with_sd(uint64_t status) {
    bool dirty = ((status & kFs) == kFs) || ((status >> 15) & 3) == 3 || ((status >> 9) & 3) == 3;
    return dirty ? status | kSd : status & ~kSd;
}

bool fp_enabled(const PrivilegedState& ps) {
    return (ps.mstatus & kFs) != 0;
}

/// Counter CSRs (cycle, time, instret, hpmcounterN) below M-mode need the enable bits.
bool counter_allowed(const PrivilegedState& ps, uint16_t number) {
    unsigned bit = (number - csr::kCycle) & 31;
    if (ps.priv < Priv::Machine && !((ps.mcounteren >> bit) & 1)) return false;
    if (ps.priv < Priv::Supervisor && !((ps.scounteren >> bit) & 1)) return false;
    return true;
}

bool stimecmp_allowed(const PrivilegedState& ps) {
    if (ps.priv == Priv::Machine) return true;
    return (ps.menvcfg & kMenvcfgStce) && ((ps.mcounteren >> 1) & 1);
}

} // namespace

uint64_t PrivilegedState::pending(uint64_t time) const {
    uint64_t bits = mip | mip_lines.load(std::memory_order_acquire);
    if (menvcfg & kMenvcfgStce) {
        bits &= ~irq::bit(irq::kSTimer);
        if (time >= stimecmp) bits |= irq::bit(irq::kSTimer);
    }
    return bits;
}

void reset_privileged_state(PrivilegedState& ps, uint64_t hartid) {
    ps.priv = Priv::Machine;
    ps.mhartid = hartid;
    ps.mstatus = (kXlen64 << 32) | (kXlen64 << 34);
    ps.misa = (kXlen64 << 62) | misa_bit('I') | misa_bit('M') | misa_bit('A') | misa_bit('F') |
              misa_bit('D') | misa_bit('C') | misa_bit('S') | misa_bit('U');
    ps.medeleg = ps.mideleg = ps.mie = ps.mip = 0;
    ps.mtvec = ps.mscratch = ps.mepc = ps.mcause = ps.mtval = 0;
    ps.mcounteren = ps.mcountinhibit = ps.menvcfg = 0;
    ps.stvec = ps.sscratch = ps.sepc = ps.scause = ps.stval = 0;
    ps.scounteren = ps.senvcfg = ps.satp = 0;
    ps.stimecmp = ~0ull;
    for (auto& c : ps.pmpcfg)
        c = 0;
    for (auto& a : ps.pmpaddr)
        a = 0;
    ps.mcycle_offset = 0;
}

CsrStatus csr_read(const PrivilegedState& ps, const HartState& hart, uint16_t number, uint64_t time,
                   uint64_t* value) {
    if (unsigned(ps.priv) < ((number >> 8) & 3u)) return CsrStatus::Illegal;
    uint64_t v = 0;
    switch (number) {
    case 0x001: // fflags
    case 0x002: // frm
    case 0x003: // fcsr
        if (!fp_enabled(ps)) return CsrStatus::Illegal;
        v = number == 0x001   ? (hart.fcsr & kFflagsMask)
            : number == 0x002 ? (hart.fcsr >> kFrmShift) & 7
                              : hart.fcsr & kFcsrMask;
        break;
    case csr::kSstatus: v = with_sd(ps.mstatus) & kSstatusMask; break;
    case csr::kSie: v = ps.mie & ps.mideleg; break;
    case csr::kStvec: v = ps.stvec; break;
    case csr::kScounteren: v = ps.scounteren; break;
    case csr::kSenvcfg: v = ps.senvcfg; break;
    case csr::kSscratch: v = ps.sscratch; break;
    case csr::kSepc: v = ps.sepc; break;
    case csr::kScause: v = ps.scause; break;
    case csr::kStval: v = ps.stval; break;
    case csr::kSip: v = ps.pending(time) & ps.mideleg; break;
    case csr::kStimecmp:
        if (!stimecmp_allowed(ps)) return CsrStatus::Illegal;
        v = ps.stimecmp;
        break;
    case csr::kSatp:
        if (ps.priv == Priv::Supervisor && (ps.mstatus & kTvm)) return CsrStatus::Illegal;
        v = ps.satp;
        break;
    case csr::kMstatus: v = with_sd(ps.mstatus); break;
    case csr::kMisa: v = ps.misa; break;
    case csr::kMedeleg: v = ps.medeleg; break;
    case csr::kMideleg: v = ps.mideleg; break;
    case csr::kMie: v = ps.mie; break;
    case csr::kMtvec: v = ps.mtvec; break;
    case csr::kMcounteren: v = ps.mcounteren; break;
    case csr::kMenvcfg: v = ps.menvcfg; break;
    case csr::kMcountinhibit: v = ps.mcountinhibit; break;
    case csr::kMscratch: v = ps.mscratch; break;
    case csr::kMepc: v = ps.mepc; break;
    case csr::kMcause: v = ps.mcause; break;
    case csr::kMtval: v = ps.mtval; break;
    case csr::kMip: v = ps.pending(time); break;
    case csr::kMseccfg: v = 0; break;
    case csr::kMcycle: v = hart.instret + ps.mcycle_offset; break;
    case csr::kMinstret: v = hart.instret; break;
    case csr::kCycle:
    case csr::kTime:
    case csr::kInstret:
        if (!counter_allowed(ps, number)) return CsrStatus::Illegal;
        v = number == csr::kTime    ? time
            : number == csr::kCycle ? hart.instret + ps.mcycle_offset
                                    : hart.instret;
        break;
    case csr::kMvendorid:
    case csr::kMarchid:
    case csr::kMimpid:
    case csr::kMconfigptr: v = 0; break;
    case csr::kMhartid: v = ps.mhartid; break;
    default:
        if (number >= csr::kPmpcfg0 && number <= csr::kPmpcfg15) {
            if (number & 1) return CsrStatus::Illegal; // odd pmpcfg do not exist on RV64
            v = ps.pmpcfg[(number - csr::kPmpcfg0) / 2];
        } else if (number >= csr::kPmpaddr0 && number <= csr::kPmpaddr63) {
            v = ps.pmpaddr[number - csr::kPmpaddr0];
        } else if ((number >= csr::kMhpmcounter3 && number <= csr::kMhpmcounter31) ||
                   (number >= csr::kMhpmevent3 && number <= csr::kMhpmevent31)) {
            v = 0;
        } else if (number >= csr::kHpmcounter3 && number <= csr::kHpmcounter31) {
            if (!counter_allowed(ps, number)) return CsrStatus::Illegal;
            v = 0;
        } else {
            return CsrStatus::Illegal;
        }
    }
    *value = v;
    return CsrStatus::Ok;
}

CsrStatus csr_write(PrivilegedState& ps, HartState& hart, uint16_t number, uint64_t v) {
    if (unsigned(ps.priv) < ((number >> 8) & 3u)) return CsrStatus::Illegal;
    if ((number >> 10) == 3) return CsrStatus::Illegal; // read-only CSR numbers
    switch (number) {
    case 0x001:
    case 0x002:
    case 0x003:
        if (!fp_enabled(ps)) return CsrStatus::Illegal;
        if (number == 0x001)
            hart.fcsr = (hart.fcsr & ~kFflagsMask) | uint32_t(v & kFflagsMask);
        else if (number == 0x002)
            hart.fcsr = (hart.fcsr & kFflagsMask) | uint32_t((v & 7) << kFrmShift);
        else
            hart.fcsr = uint32_t(v & kFcsrMask);
        ps.mstatus |= kFs; // FS = Dirty
        return CsrStatus::Ok;
    case csr::kSstatus: {
        uint64_t writable = kSstatusMask & kMstatusWritable;
        ps.mstatus = (ps.mstatus & ~writable) | (v & writable);
        return CsrStatus::Ok;
    }
    case csr::kSie: ps.mie = (ps.mie & ~ps.mideleg) | (v & ps.mideleg); return CsrStatus::Ok;
    case csr::kStvec:
        if ((v & 3) < 2) ps.stvec = v;
        return CsrStatus::Ok;
    case csr::kScounteren: ps.scounteren = v & 0xffff'ffff; return CsrStatus::Ok;
    case csr::kSenvcfg: ps.senvcfg = v & kEnvcfgFiom; return CsrStatus::Ok;
    case csr::kSscratch: ps.sscratch = v; return CsrStatus::Ok;
    case csr::kSepc: ps.sepc = v & ~1ull; return CsrStatus::Ok;
    case csr::kScause: ps.scause = v; return CsrStatus::Ok;
    case csr::kStval: ps.stval = v; return CsrStatus::Ok;
    case csr::kSip: {
        uint64_t writable = irq::bit(irq::kSSoft) & ps.mideleg;
        ps.mip = (ps.mip & ~writable) | (v & writable);
        return CsrStatus::Ok;
    }
    case csr::kStimecmp:
        if (!stimecmp_allowed(ps)) return CsrStatus::Illegal;
        ps.stimecmp = v;
        return CsrStatus::Ok;
    case csr::kSatp: {
        if (ps.priv == Priv::Supervisor && (ps.mstatus & kTvm)) return CsrStatus::Illegal;
        uint64_t mode = v >> kSatpModeShift;
        if (mode == kSatpBare || mode == kSatpSv39 || mode == kSatpSv48)
            ps.satp = mode == kSatpBare ? 0 : v; // unsupported modes leave satp unchanged
        return CsrStatus::Ok;
    }
    case csr::kMstatus: {
        uint64_t next = (ps.mstatus & ~kMstatusWritable) | (v & kMstatusWritable);
        if (((next & kMpp) >> kMppShift) == 2) // reserved MPP: keep the old value
            next = (next & ~kMpp) | (ps.mstatus & kMpp);
        ps.mstatus = next;
        return CsrStatus::Ok;
    }
    case csr::kMisa: return CsrStatus::Ok; // fixed ISA: writes are ignored (WARL)
    case csr::kMedeleg: ps.medeleg = v & kDelegableExceptions; return CsrStatus::Ok;
    case csr::kMideleg: ps.mideleg = v & kSupervisorInterrupts; return CsrStatus::Ok;
    case csr::kMie: ps.mie = v & kAllInterrupts; return CsrStatus::Ok;
    case csr::kMtvec:
        if ((v & 3) < 2) ps.mtvec = v;
        return CsrStatus::Ok;
    case csr::kMcounteren: ps.mcounteren = v & 0xffff'ffff; return CsrStatus::Ok;
    case csr::kMenvcfg: ps.menvcfg = v & (kMenvcfgStce | kEnvcfgFiom); return CsrStatus::Ok;
    case csr::kMcountinhibit: ps.mcountinhibit = v & 0b101; return CsrStatus::Ok;
    case csr::kMscratch: ps.mscratch = v; return CsrStatus::Ok;
    case csr::kMepc: ps.mepc = v & ~1ull; return CsrStatus::Ok;
    case csr::kMcause: ps.mcause = v; return CsrStatus::Ok;
    case csr::kMtval: ps.mtval = v; return CsrStatus::Ok;
    case csr::kMip: {
        uint64_t writable = kSupervisorInterrupts;
        if (ps.menvcfg & kMenvcfgStce) writable &= ~irq::bit(irq::kSTimer);
        ps.mip = (ps.mip & ~writable) | (v & writable);
        return CsrStatus::Ok;
    }
    case csr::kMseccfg: return CsrStatus::Ok;
    case csr::kMcycle: ps.mcycle_offset = v - hart.instret; return CsrStatus::Ok;
    case csr::kMinstret: hart.instret = v; return CsrStatus::Ok;
    default:
        if (number >= csr::kPmpcfg0 && number <= csr::kPmpcfg15) {
            if (number & 1) return CsrStatus::Illegal;
            ps.pmpcfg[(number - csr::kPmpcfg0) / 2] = v;
            return CsrStatus::Ok;
        }
        if (number >= csr::kPmpaddr0 && number <= csr::kPmpaddr63) {
            ps.pmpaddr[number - csr::kPmpaddr0] = v & ((1ull << 54) - 1);
            return CsrStatus::Ok;
        }
        if ((number >= csr::kMhpmcounter3 && number <= csr::kMhpmcounter31) ||
            (number >= csr::kMhpmevent3 && number <= csr::kMhpmevent31))
            return CsrStatus::Ok; // no programmable counters: WARL zero
        return CsrStatus::Illegal;
    }
}

} // namespace machina::riscv
