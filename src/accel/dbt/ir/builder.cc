#include "accel/dbt/ir/builder.h"

#include "base/assert.h"

namespace machina::dbt::ir {

Value Builder::append(Inst inst) {
    inst.pc = m_pc;
    inst.insn_index = m_index;
    m_block.insts.push_back(inst);
    return Value(m_block.insts.size() - 1);
}

Value Builder::konst(Type type, uint64_t value) {
    Inst inst;
    inst.op = Opcode::Const;
    inst.type = type;
    inst.imm = type == Type::I32 ? uint32_t(value) : value;
    return append(inst);
}

Value Builder::get_reg(unsigned reg) {
    ASSERT(reg < 32, "bad guest register");
    return op(Opcode::GetReg, kNoValue, kNoValue, kNoValue, reg);
}

void Builder::set_reg(unsigned reg, Value v) {
    ASSERT(reg < 32, "bad guest register");
    op(Opcode::SetReg, v, kNoValue, kNoValue, reg);
}

Value Builder::op(Opcode opcode, Value a, Value b, Value c, uint64_t imm) {
    const OpcodeInfo& oi = info(opcode);
    Inst inst;
    inst.op = opcode;
    inst.args = {a, b, c};
    inst.imm = imm;
    for (unsigned i = 0; i < 3; ++i) {
        ASSERT((i < oi.args) == (inst.args[i] != kNoValue), "IR operand count mismatch");
    }
    switch (oi.result) {
    case ResultRule::Same: inst.type = type_of(opcode == Opcode::Select ? b : a); break;
    case ResultRule::I64: inst.type = Type::I64; break;
    case ResultRule::I32: inst.type = Type::I32; break;
    case ResultRule::Void: inst.type = Type::Void; break;
    case ResultRule::Explicit: ASSERT(false, "use konst() for Const");
    }
    Value v = append(inst);
    return oi.result == ResultRule::Void ? kNoValue : v;
}

void Builder::interp_step() {
    op(Opcode::InterpStep, kNoValue, kNoValue, kNoValue, m_pc);
}

void Builder::jump(uint64_t pc) {
    m_block.term = Terminal{TermKind::Jump, kNoValue, pc, 0, ExitReason::Ecall, 0};
}

void Builder::branch(Value cond, uint64_t taken, uint64_t not_taken) {
    m_block.term = Terminal{TermKind::Branch, cond, taken, not_taken, ExitReason::Ecall, 0};
}

void Builder::indirect(Value target) {
    m_block.term = Terminal{TermKind::Indirect, target, 0, 0, ExitReason::Ecall, 0};
}

void Builder::exit(ExitReason reason, uint64_t pc, uint32_t insn) {
    m_block.term = Terminal{TermKind::Exit, kNoValue, pc, 0, reason, insn};
}

} // namespace machina::dbt::ir
