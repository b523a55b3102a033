// Zba (address generation), Zbb (basic bit manipulation), Zbs (single-bit operations).
#include "accel/dbt/frontend/riscv64/visitor.h"

namespace machina::dbt::frontend {

using decoder::Op;
using ir::Opcode;
using ir::Value;

bool visit_zb(InsnContext& c) {
    ir::Builder& ir = c.ir;
    auto zext_w = [&](Value v) { return ir.op(Opcode::Zext32, c.lo(v)); };
    auto shadd = [&](Value a, unsigned n) {
        c.set_rd(ir.op(Opcode::Add, ir.op(Opcode::Shl, a, ir.c64(n)), c.rs2()));
    };
    auto r = [&](Opcode op) { c.set_rd(ir.op(op, c.rs1(), c.rs2())); };
    auto unary = [&](Opcode op) { c.set_rd(ir.op(op, c.rs1())); };
    auto unary_w = [&](Opcode op) { c.set_rd(ir.op(Opcode::Zext32, ir.op(op, c.lo(c.rs1())))); };
    auto bit = [&](Value index) { return ir.op(Opcode::Shl, ir.c64(1), index); };
    auto shamt = [&]() { return ir.c64(uint64_t(c.d.imm) & 63); };
    switch (c.d.op) {
    // Zba
    case Op::AddUw: c.set_rd(ir.op(Opcode::Add, zext_w(c.rs1()), c.rs2())); return true;
    case Op::Sh1add: shadd(c.rs1(), 1); return true;
    case Op::Sh2add: shadd(c.rs1(), 2); return true;
    case Op::Sh3add: shadd(c.rs1(), 3); return true;
    case Op::Sh1addUw: shadd(zext_w(c.rs1()), 1); return true;
    case Op::Sh2addUw: shadd(zext_w(c.rs1()), 2); return true;
    case Op::Sh3addUw: shadd(zext_w(c.rs1()), 3); return true;
    case Op::SlliUw: c.set_rd(ir.op(Opcode::Shl, zext_w(c.rs1()), shamt())); return true;
    // Zbb
    case Op::Andn: c.set_rd(ir.op(Opcode::And, c.rs1(), ir.op(Opcode::Not, c.rs2()))); return true;
    case Op::Orn: c.set_rd(ir.op(Opcode::Or, c.rs1(), ir.op(Opcode::Not, c.rs2()))); return true;
    case Op::Xnor: c.set_rd(ir.op(Opcode::Not, ir.op(Opcode::Xor, c.rs1(), c.rs2()))); return true;
    case Op::Clz: unary(Opcode::Clz); return true;
    case Op::Ctz: unary(Opcode::Ctz); return true;
    case Op::Cpop: unary(Opcode::Popcnt); return true;
    case Op::Clzw: unary_w(Opcode::Clz); return true;
    case Op::Ctzw: unary_w(Opcode::Ctz); return true;
    case Op::Cpopw: unary_w(Opcode::Popcnt); return true;
    case Op::Max: r(Opcode::MaxS); return true;
    case Op::Maxu: r(Opcode::MaxU); return true;
    case Op::Min: r(Opcode::MinS); return true;
    case Op::Minu: r(Opcode::MinU); return true;
    case Op::SextB: unary(Opcode::Sext8); return true;
    case Op::SextH: unary(Opcode::Sext16); return true;
    case Op::ZextH: unary(Opcode::Zext16); return true;
    case Op::Rol: r(Opcode::Rol); return true;
    case Op::Ror: r(Opcode::Ror); return true;
    case Op::Rolw: c.set_rd(c.sx(ir.op(Opcode::Rol, c.lo(c.rs1()), c.lo(c.rs2())))); return true;
    case Op::Rorw: c.set_rd(c.sx(ir.op(Opcode::Ror, c.lo(c.rs1()), c.lo(c.rs2())))); return true;
    case Op::Rori: c.set_rd(ir.op(Opcode::Ror, c.rs1(), shamt())); return true;
    case Op::Roriw:
        c.set_rd(c.sx(ir.op(Opcode::Ror, c.lo(c.rs1()), ir.c32(uint32_t(c.d.imm) & 31))));
        return true;
    case Op::OrcB: unary(Opcode::OrcB); return true;
    case Op::Rev8: unary(Opcode::Bswap); return true;
    // Zbs
    case Op::Bclr:
        c.set_rd(ir.op(Opcode::And, c.rs1(), ir.op(Opcode::Not, bit(c.rs2()))));
        return true;
    case Op::Bclri:
        c.set_rd(ir.op(Opcode::And, c.rs1(), ir.op(Opcode::Not, bit(shamt()))));
        return true;
    case Op::Bext:
        c.set_rd(ir.op(Opcode::And, ir.op(Opcode::Shr, c.rs1(), c.rs2()), ir.c64(1)));
        return true;
    case Op::Bexti:
        c.set_rd(ir.op(Opcode::And, ir.op(Opcode::Shr, c.rs1(), shamt()), ir.c64(1)));
        return true;
    case Op::Binv: c.set_rd(ir.op(Opcode::Xor, c.rs1(), bit(c.rs2()))); return true;
    case Op::Binvi: c.set_rd(ir.op(Opcode::Xor, c.rs1(), bit(shamt()))); return true;
    case Op::Bset: c.set_rd(ir.op(Opcode::Or, c.rs1(), bit(c.rs2()))); return true;
    case Op::Bseti: c.set_rd(ir.op(Opcode::Or, c.rs1(), bit(shamt()))); return true;
    default: return false;
    }
}

} // namespace machina::dbt::frontend
