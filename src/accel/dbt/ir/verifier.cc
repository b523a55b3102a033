#include "accel/dbt/ir/verifier.h"

#include "accel/dbt/ir/printer.h"

namespace machina::dbt::ir {

namespace {

/// The operand types an opcode wants, or Void for "no constraint beyond being a value".
Type expected_arg(const Inst& inst, unsigned i, const Block& block) {
    switch (inst.op) {
    case Opcode::SetReg:
    case Opcode::ExitIf:
    case Opcode::Unretire: return Type::I64;
    case Opcode::Sext32:
    case Opcode::Zext32: return Type::I32;
    case Opcode::FAdd:
    case Opcode::FSub:
    case Opcode::FMul:
    case Opcode::FDiv:
    case Opcode::FSqrt:
    case Opcode::FMulAdd:
    case Opcode::FCmp:
    case Opcode::Amo:
    case Opcode::FCvtFI:
    case Opcode::FCvtIF:
    case Opcode::FCvtFF:
    case Opcode::Trunc32:
    case Opcode::MulHS:
    case Opcode::MulHU:
    case Opcode::MulHSU: return Type::I64;
    case Opcode::Select: return i == 0 ? Type::Void : inst.type;
    case Opcode::Eq:
    case Opcode::Ne:
    case Opcode::LtS:
    case Opcode::LtU:
    case Opcode::GeS:
    case Opcode::GeU: return block.insts[inst.args[0]].type;
    default: break;
    }
    if (is_load(inst.op) || is_store(inst.op)) return Type::I64;
    return inst.type;
}

} // namespace

Result<void> verify(const Block& block) {
    for (Value v = 0; v < block.insts.size(); ++v) {
        const Inst& inst = block.insts[v];
        if (inst.op >= Opcode::Count) return Error::make("v{}: bad opcode", v);
        const OpcodeInfo& oi = info(inst.op);
        auto fail = [&](const char* what) {
            return Error::make("v{} ({}): {}", v, to_string(block, v), what);
        };
        for (unsigned i = 0; i < 3; ++i) {
            Value a = inst.args[i];
            if (i >= oi.args) {
                if (a != kNoValue) return fail("extra operand");
                continue;
            }
            if (a == kNoValue) return fail("missing operand");
            if (a >= v) return fail("operand not defined before use");
            Type at = block.insts[a].type;
            if (at == Type::Void) return fail("operand has no value");
            Type want = expected_arg(inst, i, block);
            if (want != Type::Void && at != want) return fail("operand type mismatch");
        }
        switch (oi.result) {
        case ResultRule::Void:
            if (inst.type != Type::Void) return fail("result should be void");
            break;
        case ResultRule::I64:
            if (inst.type != Type::I64) return fail("result should be i64");
            break;
        case ResultRule::I32:
            if (inst.type != Type::I32) return fail("result should be i32");
            break;
        case ResultRule::Same:
        case ResultRule::Explicit:
            if (inst.type == Type::Void) return fail("result needs a type");
            break;
        }
        if ((inst.op == Opcode::GetReg || inst.op == Opcode::SetReg || inst.op == Opcode::GetFReg ||
             inst.op == Opcode::SetFReg) &&
            inst.imm >= 32)
            return fail("guest register out of range");
        if (inst.op == Opcode::Const && inst.type == Type::I32 && inst.imm > 0xffffffffu)
            return fail("i32 constant wider than 32 bits");
    }
    const Terminal& t = block.term;
    auto value_ok = [&](Value x) {
        return x < block.insts.size() && block.insts[x].type == Type::I64;
    };
    switch (t.kind) {
    case TermKind::None: return Error::make("block {:#x}: no terminal", block.pc);
    case TermKind::Branch:
    case TermKind::Indirect:
        if (!value_ok(t.value))
            return Error::make("block {:#x}: terminal value v{} invalid", block.pc, t.value);
        break;
    case TermKind::Jump:
    case TermKind::Exit:
        if (t.value != kNoValue)
            return Error::make("block {:#x}: terminal takes no value", block.pc);
        break;
    }
    return ok();
}

} // namespace machina::dbt::ir
