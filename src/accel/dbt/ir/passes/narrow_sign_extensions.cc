// Sign extensions moved past bitwise operations. RV64 code computes 32-bit values with the W
// instructions (each result sign-extended to 64 bits) and combines them with the 64-bit and, or,
// xor and not, then feeds the result to another W instruction, which reads only its low half:
// sha256's rounds are made of that. Since sign extension commutes with bitwise operations,
// op(sext x, sext y) is rewritten to sext(op32(x, y)); the next W instruction's trunc(sext z)
// folds to z, and the extensions nobody needs any more are dead.
#include "accel/dbt/ir/passes/passes.h"

#include <vector>

namespace machina::dbt::ir::passes {

namespace {
bool is_bitwise(Opcode op) {
    return op == Opcode::And || op == Opcode::Or || op == Opcode::Xor;
}
} // namespace

void narrow_sign_extensions(Block& block) {
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
