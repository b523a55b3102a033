// 32-bit idioms of RV64 code, rewritten in place before the backend sees them:
// - Sign extensions moved past bitwise operations. RV64 code computes 32-bit values with the W
//   instructions (each result sign-extended to 64 bits) and combines them with the 64-bit and,
//   or, xor and not, then feeds the result to another W instruction, which reads only its low
//   half: sha256's rounds are made of that. Sign extension commutes with bitwise operations, so
//   op(sext x, sext y) becomes sext(op32(x, y)); the next W instruction's trunc(sext z) folds to
//   z, and the extensions nobody needs any more are dead.
// - zext.w without Zba: (x << 32) >> 32 (logical) becomes zext(trunc x); after a W instruction
//   that is zext(z) of its 32-bit result, one 32-bit move instead of extend, shift, shift.
#include "accel/dbt/ir/passes/passes.h"

#include <vector>

namespace machina::dbt::ir::passes {

namespace {
bool is_bitwise(Opcode op) {
    return op == Opcode::And || op == Opcode::Or || op == Opcode::Xor;
}

/// True when `v` is the constant 32.
bool is_const_32(const Block& block, Value v) {
    return block.insts[v].op == Opcode::Const && block.insts[v].imm == 32;
}
} // namespace

void simplify_word_ops(Block& block) {
    const Value n = Value(block.insts.size());
    std::vector<uint32_t> uses(n, 0);
    for (const Inst& inst : block.insts)
        for (Value a : inst.args)
            if (a != kNoValue) ++uses[a];
    if (block.term.value != kNoValue) ++uses[block.term.value];
    bool changed = false;
    for (Value v = 0; v < n; ++v) {
        Inst& inst = block.insts[v];
        if (inst.type != Type::I64) continue;
        if (is_bitwise(inst.op)) {
            const Value a = inst.args[0], b = inst.args[1];
            if (a == b || block.insts[a].op != Opcode::Sext32 ||
                block.insts[b].op != Opcode::Sext32)
                continue;
            // The later extension becomes the 32-bit operation (both operands exist there);
            // it must have no other user.
            const Value later = a > b ? a : b, earlier = a > b ? b : a;
            if (uses[later] != 1) continue;
            const Value x = block.insts[a].args[0], y = block.insts[b].args[0];
            --uses[earlier];                      // v no longer reads it...
            ++uses[block.insts[earlier].args[0]]; // ...the narrowed operation reads its operand
            Inst& narrow = block.insts[later];
            narrow.op = inst.op;
            narrow.type = Type::I32;
            narrow.args = {x, y, kNoValue};
            inst.op = Opcode::Sext32;
            inst.args = {later, kNoValue, kNoValue};
            changed = true;
        } else if (inst.op == Opcode::Shr) {
            const Value a = inst.args[0];
            Inst& shl = block.insts[a];
            if (!is_const_32(block, inst.args[1]) || shl.op != Opcode::Shl ||
                shl.type != Type::I64 || !is_const_32(block, shl.args[1]) || uses[a] != 1)
                continue;
            shl.op = Opcode::Trunc32; // (its only user is v)
            shl.type = Type::I32;
            shl.args[1] = kNoValue;
            inst.op = Opcode::Zext32;
            inst.args[1] = kNoValue;
            changed = true;
        } else if (inst.op == Opcode::Not) {
            const Value a = inst.args[0];
            if (block.insts[a].op != Opcode::Sext32 || uses[a] != 1) continue;
            Inst& narrow = block.insts[a];
            narrow.op = Opcode::Not;
            narrow.type = Type::I32; // its operand x stays: not32(x)
            inst.op = Opcode::Sext32;
            changed = true;
        }
    }
    if (!changed) return;
    fold_constants(block);      // trunc(sext z) -> z in the W instructions that read them
    eliminate_dead_code(block); // the extensions left unused
}

} // namespace machina::dbt::ir::passes
