// Zicsr on the floating-point CSRs (fflags, frm, fcsr) as IR. Compiled FP code saves, tests and
// restores fflags around quiet compares (glibc's isless and friends: frflags; flt.d; fsflags), so
// these must not leave translated code. The counters (cycle, time, instret) and illegal CSRs
// still run in the interpreter's executor.
#include "accel/dbt/frontend/riscv64/visitor.h"
#include "target/riscv/csr.h"
#include "target/riscv/hart_state.h"

namespace machina::dbt::frontend {

using decoder::Op;
using ir::Opcode;
using ir::Value;

bool visit_fcsr(InsnContext& c) {
    const uint16_t csr = c.d.csr;
    if (csr != riscv::kCsrFflags && csr != riscv::kCsrFrm && csr != riscv::kCsrFcsr) return false;
    ir::Builder& ir = c.ir;
    const bool imm_form = c.d.op == Op::Csrrwi || c.d.op == Op::Csrrsi || c.d.op == Op::Csrrci;
    const bool swap = c.d.op == Op::Csrrw || c.d.op == Op::Csrrwi;
    // csrrw always writes; csrrs/csrrc only with a source other than x0 / zimm 0.
    const bool writes = swap || (imm_form ? c.d.imm != 0 : c.d.rs1 != 0);
    const Value fcsr = ir.op(Opcode::GetFcsr);
    // The CSR's own view of fcsr.
    Value old = fcsr;
    if (csr == riscv::kCsrFflags) {
        old = ir.op(Opcode::And, fcsr, ir.c64(riscv::kFflagsMask));
    } else if (csr == riscv::kCsrFrm) {
        old = ir.op(Opcode::And, ir.op(Opcode::Shr, fcsr, ir.c64(riscv::kFrmShift)), ir.c64(7));
    }
    if (writes) {
        const Value src = imm_form ? ir.c64(uint64_t(c.d.imm)) : c.rs1();
        Value v = src;
        if (c.d.op == Op::Csrrs || c.d.op == Op::Csrrsi) v = ir.op(Opcode::Or, old, src);
        if (c.d.op == Op::Csrrc || c.d.op == Op::Csrrci)
            v = ir.op(Opcode::And, old, ir.op(Opcode::Not, src));
        Value next = v; // fcsr: SetFcsr keeps the low 8 bits
        if (csr == riscv::kCsrFflags) {
            next = ir.op(Opcode::Or, ir.op(Opcode::And, fcsr, ir.c64(0xe0)),
                         ir.op(Opcode::And, v, ir.c64(riscv::kFflagsMask)));
        } else if (csr == riscv::kCsrFrm) {
            next = ir.op(
                Opcode::Or, ir.op(Opcode::And, fcsr, ir.c64(riscv::kFflagsMask)),
                ir.op(Opcode::Shl, ir.op(Opcode::And, v, ir.c64(7)), ir.c64(riscv::kFrmShift)));
        }
        ir.op(Opcode::SetFcsr, next);
    }
    if (c.d.rd != 0) c.set_rd(old);
    return true;
}

} // namespace machina::dbt::frontend
