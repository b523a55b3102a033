#include "accel/dbt/ir/passes/pass_state.h"
#include "accel/dbt/ir/passes/passes.h"

#include "accel/dbt/ir/eval.h"

namespace machina::dbt::ir::passes {

namespace {

/// The operand an identity operation reduces to (x + 0, 0 | x, x & ~0, x * 1, trunc(ext x)),
/// or kNoValue.
Value identity(const Block& block, const Inst& inst, const PassState& state) {
    auto arg = [&](unsigned i) { return state.resolve(inst.args[i]); };
    auto is = [&](unsigned i, uint64_t value) {
        const Inst& a = block.insts[arg(i)];
        return a.op == Opcode::Const && a.imm == value;
    };
    const uint64_t ones = inst.type == Type::I32 ? 0xffffffffu : ~uint64_t(0);
    switch (inst.op) {
    case Opcode::Add:
    case Opcode::Or:
    case Opcode::Xor:
        if (is(1, 0)) return arg(0);
        if (is(0, 0)) return arg(1);
        break;
    case Opcode::Sub:
    case Opcode::Shl:
    case Opcode::Shr:
    case Opcode::Sar:
    case Opcode::Rol:
    case Opcode::Ror:
        if (is(1, 0)) return arg(0);
        break;
    case Opcode::And:
        if (is(1, ones)) return arg(0);
        if (is(0, ones)) return arg(1);
        break;
    case Opcode::Mul:
        if (is(1, 1)) return arg(0);
        if (is(0, 1)) return arg(1);
        break;
    case Opcode::Trunc32: {
        const Inst& a = block.insts[arg(0)];
        if (a.op == Opcode::Sext32 || a.op == Opcode::Zext32) return state.resolve(a.args[0]);
        break;
    }
    default: break;
    }
    return kNoValue;
}

} // namespace

void fold_constants_step(Block& block, PassState& state, Value v) {
    if (!state.keep[v]) return;
    auto is_const = [&](Value a) { return block.insts[state.resolve(a)].op == Opcode::Const; };
    auto cval = [&](Value a) { return block.insts[state.resolve(a)].imm; };
    Inst& inst = block.insts[v];
    const OpcodeInfo& oi = info(inst.op);
    if (inst.op == Opcode::Const || is_pinned(inst.op) || inst.op == Opcode::GetReg) return;
    if (inst.op == Opcode::Select && is_const(inst.args[0])) {
        state.replace(v, cval(inst.args[0]) != 0 ? inst.args[1] : inst.args[2]);
        return;
    }
    if (Value same = identity(block, inst, state); same != kNoValue) {
        state.replace(v, same);
        return;
    }
    uint64_t ops[3] = {0, 0, 0};
    for (unsigned i = 0; i < oi.args; ++i) {
        if (!is_const(inst.args[i])) return;
        ops[i] = cval(inst.args[i]);
    }
    // Compares and conversions evaluate in their operand's type.
    Type eval_type = oi.args > 0 ? block.insts[state.resolve(inst.args[0])].type : inst.type;
    auto r = evaluate(inst.op, eval_type, ops[0], ops[1], ops[2]);
    if (!r) return;
    inst.op = Opcode::Const;
    inst.imm = inst.type == Type::I32 ? uint32_t(*r) : *r;
    inst.args = {kNoValue, kNoValue, kNoValue};
}

void fold_terminal(Block& block, PassState& state) {
    auto is_const = [&](Value a) { return block.insts[state.resolve(a)].op == Opcode::Const; };
    auto cval = [&](Value a) { return block.insts[state.resolve(a)].imm; };
    Terminal& t = block.term;
    if (t.kind == TermKind::Branch && is_const(t.value)) {
        t.target = cval(t.value) != 0 ? t.target : t.fallthrough;
        t.kind = TermKind::Jump;
        t.value = kNoValue;
        t.fallthrough = 0;
    }
}

void fold_constants(Block& block) {
    PassState& state = begin(block);
    for (Value v = 0; v < block.insts.size(); ++v)
        fold_constants_step(block, state, v);
    fold_terminal(block, state);
    compact(block, state);
}

} // namespace machina::dbt::ir::passes
