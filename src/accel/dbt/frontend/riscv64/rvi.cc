// RV64I: integer computation, loads/stores, control flow, fence, ecall/ebreak, fence.i.
#include "accel/dbt/frontend/riscv64/visitor.h"

namespace machina::dbt::frontend {

using decoder::Op;
using ir::Opcode;
using ir::Value;

namespace {

void load(InsnContext& c, Opcode op) {
    Value addr = c.ir.op(Opcode::Add, c.rs1(), c.imm());
    c.set_rd(c.ir.op(op, addr));
}

void store(InsnContext& c, Opcode op) {
    Value addr = c.ir.op(Opcode::Add, c.rs1(), c.imm());
    c.ir.op(op, addr, c.rs2());
}

/// A conditional branch: forward ones become side exits when the translator allows it (the
/// block goes on at the fall-through); backward ones (loops) end the block at their back edge.
void branch(InsnContext& c, Opcode cmp) {
    const uint64_t taken = c.pc + uint64_t(c.d.imm);
    const Value cond = c.ir.op(cmp, c.rs1(), c.rs2());
    if (c.side_exit_ok && taken > c.pc) {
        c.ir.exit_if(cond, taken);
        c.side_exit = true;
        return;
    }
    c.ir.branch(cond, taken, c.next_pc());
    c.ends_block = true;
}

void alu_imm(InsnContext& c, Opcode op) {
    c.set_rd(c.ir.op(op, c.rs1(), c.imm()));
}
void alu_reg(InsnContext& c, Opcode op) {
    c.set_rd(c.ir.op(op, c.rs1(), c.rs2()));
}

/// 32-bit operation on the low halves, sign-extended (the *W instructions).
void alu_w(InsnContext& c, Opcode op, Value b32) {
    c.set_rd(c.sx(c.ir.op(op, c.lo(c.rs1()), b32)));
}

} // namespace

bool visit_rvi(InsnContext& c) {
    ir::Builder& ir = c.ir;
    switch (c.d.op) {
    case Op::Lui: c.set_rd(c.imm()); return true;
    case Op::Auipc: c.set_rd(ir.c64(c.pc + uint64_t(c.d.imm))); return true;
    case Op::Jal:
        c.set_rd(ir.c64(c.next_pc()));
        ir.jump(c.pc + uint64_t(c.d.imm));
        c.ends_block = true;
        return true;
    case Op::Jalr: {
        Value target =
            ir.op(Opcode::And, ir.op(Opcode::Add, c.rs1(), c.imm()), ir.c64(~uint64_t(1)));
        c.set_rd(ir.c64(c.next_pc()));
        ir.indirect(target);
        c.ends_block = true;
        return true;
    }
    case Op::Beq: branch(c, Opcode::Eq); return true;
    case Op::Bne: branch(c, Opcode::Ne); return true;
    case Op::Blt: branch(c, Opcode::LtS); return true;
    case Op::Bge: branch(c, Opcode::GeS); return true;
    case Op::Bltu: branch(c, Opcode::LtU); return true;
    case Op::Bgeu: branch(c, Opcode::GeU); return true;
    case Op::Lb: load(c, Opcode::Load8S); return true;
    case Op::Lh: load(c, Opcode::Load16S); return true;
    case Op::Lw: load(c, Opcode::Load32S); return true;
    case Op::Ld: load(c, Opcode::Load64); return true;
    case Op::Lbu: load(c, Opcode::Load8U); return true;
    case Op::Lhu: load(c, Opcode::Load16U); return true;
    case Op::Lwu: load(c, Opcode::Load32U); return true;
    case Op::Sb: store(c, Opcode::Store8); return true;
    case Op::Sh: store(c, Opcode::Store16); return true;
    case Op::Sw: store(c, Opcode::Store32); return true;
    case Op::Sd: store(c, Opcode::Store64); return true;
    case Op::Addi: alu_imm(c, Opcode::Add); return true;
    case Op::Slti: alu_imm(c, Opcode::LtS); return true;
    case Op::Sltiu: alu_imm(c, Opcode::LtU); return true;
    case Op::Xori: alu_imm(c, Opcode::Xor); return true;
    case Op::Ori: alu_imm(c, Opcode::Or); return true;
    case Op::Andi: alu_imm(c, Opcode::And); return true;
    case Op::Slli: alu_imm(c, Opcode::Shl); return true;
    case Op::Srli: alu_imm(c, Opcode::Shr); return true;
    case Op::Srai: alu_imm(c, Opcode::Sar); return true;
    case Op::Add: alu_reg(c, Opcode::Add); return true;
    case Op::Sub: alu_reg(c, Opcode::Sub); return true;
    case Op::Sll: alu_reg(c, Opcode::Shl); return true;
    case Op::Slt: alu_reg(c, Opcode::LtS); return true;
    case Op::Sltu: alu_reg(c, Opcode::LtU); return true;
    case Op::Xor: alu_reg(c, Opcode::Xor); return true;
    case Op::Srl: alu_reg(c, Opcode::Shr); return true;
    case Op::Sra: alu_reg(c, Opcode::Sar); return true;
    case Op::Or: alu_reg(c, Opcode::Or); return true;
    case Op::And: alu_reg(c, Opcode::And); return true;
    case Op::Addiw: alu_w(c, Opcode::Add, ir.c32(uint32_t(c.d.imm))); return true;
    case Op::Slliw: alu_w(c, Opcode::Shl, ir.c32(uint32_t(c.d.imm))); return true;
    case Op::Srliw: alu_w(c, Opcode::Shr, ir.c32(uint32_t(c.d.imm))); return true;
    case Op::Sraiw: alu_w(c, Opcode::Sar, ir.c32(uint32_t(c.d.imm))); return true;
    case Op::Addw: alu_w(c, Opcode::Add, c.lo(c.rs2())); return true;
    case Op::Subw: alu_w(c, Opcode::Sub, c.lo(c.rs2())); return true;
    case Op::Sllw: alu_w(c, Opcode::Shl, c.lo(c.rs2())); return true;
    case Op::Srlw: alu_w(c, Opcode::Shr, c.lo(c.rs2())); return true;
    case Op::Sraw: alu_w(c, Opcode::Sar, c.lo(c.rs2())); return true;
    case Op::Fence: ir.op(Opcode::Fence); return true;
    case Op::Ecall:
        ir.exit(ir::ExitReason::Ecall, c.pc);
        c.ends_block = true;
        c.retires = false;
        return true;
    case Op::Ebreak:
        ir.exit(ir::ExitReason::Ebreak, c.pc);
        c.ends_block = true;
        c.retires = false;
        return true;
    case Op::FenceI:
        ir.exit(ir::ExitReason::FenceI, c.next_pc());
        c.ends_block = true;
        return true;
    default: return false;
    }
}

} // namespace machina::dbt::frontend
