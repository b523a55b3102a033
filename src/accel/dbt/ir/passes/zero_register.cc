#include "accel/dbt/ir/passes/pass_state.h"
#include "accel/dbt/ir/passes/passes.h"

namespace machina::dbt::ir::passes {

void zero_register_step(Block& block, PassState& state, Value v) {
    Inst& inst = block.insts[v];
    if (inst.imm != 0 || !state.keep[v]) return;
    if (inst.op == Opcode::GetReg) {
        inst.op = Opcode::Const; // x0 always reads 0
    } else if (inst.op == Opcode::SetReg) {
        state.keep[v] = 0; // writes to x0 vanish
    }
}

void zero_register(Block& block) {
    PassState& state = begin(block);
    for (Value v = 0; v < block.insts.size(); ++v)
        zero_register_step(block, state, v);
    compact(block, state);
}

} // namespace machina::dbt::ir::passes
