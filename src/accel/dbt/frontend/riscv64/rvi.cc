// RV64I: integer computation, loads/stores, control flow, fence, ecall/ebreak, fence.i.
#include "accel/dbt/frontend/riscv64/visitor.h"

#include <algorithm>
#include <utility>

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

/// What the IR computed for `v`: a GetReg of a register this block set earlier is that SetReg's
/// value (the frontend reads registers with fresh GetRegs; the passes forward them later).
/// Looks back at most a few dozen instructions and stops at anything that may write registers
/// behind the IR's back.
Value resolve_reg(const ir::Block& block, Value v) {
    const ir::Inst& in = block.insts[v];
    if (in.op != Opcode::GetReg) return v;
    const Value stop = v > 64 ? v - 64 : 0;
    for (Value k = v; k-- > stop;) {
        const ir::Inst& prev = block.insts[k];
        if (prev.op == Opcode::SetReg && prev.imm == in.imm) return prev.args[0];
        if (ir::info(prev.op).flags & ir::kCall || prev.op == Opcode::InterpStep) break;
    }
    return v;
}

/// True when `a` and `b` hold the same guest value: the same IR value, or GetReg of the same
/// register with no write to it in between.
bool same_value(const ir::Block& block, Value a, Value b) {
    if (a == b) return true;
    const ir::Inst& x = block.insts[a];
    const ir::Inst& y = block.insts[b];
    if (x.op != Opcode::GetReg || y.op != Opcode::GetReg || x.imm != y.imm) return false;
    for (Value k = std::min(a, b) + 1; k < std::max(a, b); ++k) {
        const ir::Inst& mid = block.insts[k];
        if ((mid.op == Opcode::SetReg && mid.imm == x.imm) || ir::info(mid.op).flags & ir::kCall ||
            mid.op == Opcode::InterpStep)
            return false;
    }
    return true;
}

/// Value `v` as `sext32(op(trunc32(src), k))` (what srliw/slliw by a constant build): `src`, k.
bool shift_w_by_const(const ir::Block& block, Value v, Opcode op, Value* src, uint64_t* k) {
    const ir::Inst& ext = block.insts[resolve_reg(block, v)];
    if (ext.op != Opcode::Sext32) return false;
    const ir::Inst& shift = block.insts[ext.args[0]];
    if (shift.op != op) return false;
    const ir::Inst& amount = block.insts[shift.args[1]];
    const ir::Inst& low = block.insts[shift.args[0]];
    if (amount.op != Opcode::Const || low.op != Opcode::Trunc32) return false;
    *src = low.args[0];
    *k = amount.imm & 31;
    return true;
}

/// `or` of `srliw t, x, k` and `slliw u, x, 32 - k` (either order) is a 32-bit rotate right of x,
/// sign-extended: how compilers write rotr/rotl without Zbb (SHA-256's rounds are made of them).
/// The rotate replaces the or (the shifts stay for their own destinations; dead ones go).
/// Returns it, or kNoValue when the operands are not such a pair.
Value rotate_idiom(InsnContext& c, Value a, Value b) {
    const ir::Block& block = c.ir.block();
    for (int order = 0; order < 2; ++order) {
        Value right_src = ir::kNoValue, left_src = ir::kNoValue;
        uint64_t right = 0, left = 0;
        if (shift_w_by_const(block, a, Opcode::Shr, &right_src, &right) &&
            shift_w_by_const(block, b, Opcode::Shl, &left_src, &left) && right != 0 &&
            right + left == 32 && same_value(block, right_src, left_src))
            return c.sx(c.ir.op(Opcode::Ror, c.lo(right_src), c.ir.c32(uint32_t(right))));
        std::swap(a, b);
    }
    return ir::kNoValue;
}
} // namespace

bool visit_rvi(InsnContext& c) {
    ir::Builder& ir = c.ir;
    switch (c.d.op) {
    case Op::Lui: c.set_rd(c.imm()); return true;
    case Op::Auipc: c.set_rd(ir.c64(c.pc + uint64_t(c.d.imm))); return true;
    case Op::Jal: {
        const uint64_t target = c.pc + uint64_t(c.d.imm);
        c.set_rd(ir.c64(c.next_pc()));
        // Forward jumps and calls go on at the target (loops still end at their back edge).
        if (c.follow_ok && (target & ~uint64_t(0xfff)) == c.follow_page &&
            (target > c.pc || c.d.rd != 0)) {
            c.follow = true;
            c.follow_pc = target;
            return true;
        }
        ir.jump(target);
        c.ends_block = true;
        return true;
    }
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
    case Op::Or: {
        const Value a = c.rs1(), b = c.rs2();
        const Value rotate = rotate_idiom(c, a, b);
        c.set_rd(rotate != ir::kNoValue ? rotate : ir.op(Opcode::Or, a, b));
        return true;
    }
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
