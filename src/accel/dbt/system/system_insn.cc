#include "accel/dbt/system/system_insn.h"

#include "target/riscv/system/csr_file.h"
#include "target/riscv/system/trap.h"

namespace machina::dbt::system {
namespace {

using decoder::Op;

SystemInsnResult execute_csr(SystemHart& hart, const decoder::DecodedInsn& d, uint64_t time) {
    riscv::HartState& s = hart.state;
    riscv::PrivilegedState& ps = hart.priv;
    const bool immediate = d.op == Op::Csrrwi || d.op == Op::Csrrsi || d.op == Op::Csrrci;
    const uint64_t operand = immediate ? uint64_t(d.imm) : s.x[d.rs1];
    const bool is_write_op = d.op == Op::Csrrw || d.op == Op::Csrrwi;
    // csrrs/csrrc with x0 (or uimm 0) do not write; csrrw always writes.
    const bool writes = is_write_op || (immediate ? d.imm != 0 : d.rs1 != 0);

    uint64_t old = 0;
    if (riscv::csr_read(ps, s, d.csr, time, &old) != riscv::CsrStatus::Ok)
        return SystemInsnResult::Illegal;
    if (writes) {
        // csrrs/csrrc on mip modify the software-writable SEIP bit, not the value read (which
        // ORs in the PLIC's line): otherwise a set of SSIP would latch SEIP forever.
        uint64_t base = old;
        if (d.csr == riscv::csr::kMip) {
            const uint64_t seip = riscv::irq::bit(riscv::irq::kSExt);
            base = (old & ~seip) | (ps.mip & seip);
        }
        uint64_t value = is_write_op                                 ? operand
                         : (d.op == Op::Csrrs || d.op == Op::Csrrsi) ? base | operand
                                                                     : base & ~operand;
        const uint64_t satp_before = ps.satp;
        const uint64_t mxr_before = ps.mstatus & riscv::mstatus::kMxr;
        if (riscv::csr_write(ps, s, d.csr, value) != riscv::CsrStatus::Ok)
            return SystemInsnResult::Illegal;
        // The TLB is untagged: a new satp (root or ASID) or MXR invalidates every entry.
        if (ps.satp != satp_before || (ps.mstatus & riscv::mstatus::kMxr) != mxr_before)
            hart.tlb.flush_all();
    }
    s.x[d.rd] = old;
    s.x[0] = 0;
    s.pc += d.length;
    return SystemInsnResult::Done;
}

} // namespace

SystemInsnResult execute_system_insn(SystemHart& hart, const decoder::DecodedInsn& d,
                                     uint64_t time) {
    riscv::HartState& s = hart.state;
    riscv::PrivilegedState& ps = hart.priv;
    switch (d.op) {
    case Op::Csrrw:
    case Op::Csrrs:
    case Op::Csrrc:
    case Op::Csrrwi:
    case Op::Csrrsi:
    case Op::Csrrci: return execute_csr(hart, d, time);
    case Op::Mret:
        return riscv::execute_mret(ps, s) ? SystemInsnResult::Done : SystemInsnResult::Illegal;
    case Op::Sret:
        return riscv::execute_sret(ps, s) ? SystemInsnResult::Done : SystemInsnResult::Illegal;
    case Op::Wfi:
        if (!riscv::wfi_allowed(ps)) return SystemInsnResult::Illegal;
        s.pc += d.length;
        return riscv::wfi_should_wake(ps, time) ? SystemInsnResult::Done : SystemInsnResult::Wait;
    case Op::Fence: // pause: nothing to do here; the loop ends the hart's quantum
        s.pc += d.length;
        return SystemInsnResult::Done;
    case Op::SfenceVma:
        if (!riscv::sfence_vma_allowed(ps)) return SystemInsnResult::Illegal;
        if (d.rs1 == 0)
            hart.tlb.flush_all();
        else
            hart.tlb.flush_page(s.x[d.rs1]);
        s.pc += d.length;
        return SystemInsnResult::Done;
    default: return SystemInsnResult::Illegal;
    }
}

} // namespace machina::dbt::system
