// RV64M: multiply and divide (RISC-V division semantics live in the IR ops).
#include "accel/dbt/frontend/riscv64/visitor.h"

namespace machina::dbt::frontend {

using decoder::Op;
using ir::Opcode;

bool visit_rvm(InsnContext& c) {
    ir::Builder& ir = c.ir;
    auto r = [&](Opcode op) { c.set_rd(ir.op(op, c.rs1(), c.rs2())); };
    auto w = [&](Opcode op) { c.set_rd(c.sx(ir.op(op, c.lo(c.rs1()), c.lo(c.rs2())))); };
    switch (c.d.op) {
    case Op::Mul: r(Opcode::Mul); return true;
    case Op::Mulh: r(Opcode::MulHS); return true;
    case Op::Mulhsu: r(Opcode::MulHSU); return true;
    case Op::Mulhu: r(Opcode::MulHU); return true;
    case Op::Div: r(Opcode::DivS); return true;
    case Op::Divu: r(Opcode::DivU); return true;
    case Op::Rem: r(Opcode::RemS); return true;
    case Op::Remu: r(Opcode::RemU); return true;
    case Op::Mulw: w(Opcode::Mul); return true;
    case Op::Divw: w(Opcode::DivS); return true;
    case Op::Divuw: w(Opcode::DivU); return true;
    case Op::Remw: w(Opcode::RemS); return true;
    case Op::Remuw: w(Opcode::RemU); return true;
    default: return false;
    }
}

} // namespace machina::dbt::frontend
