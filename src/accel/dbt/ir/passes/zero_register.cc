#include "accel/dbt/ir/passes/pass_state.h"
#include "accel/dbt/ir/passes/passes.h"

namespace machina::dbt::ir::passes {

void sweep_zero_register(Block& block, PassState& state) {
    const size_t n = block.insts.size();
    for (Value v = 0; v < n; ++v) {
        Inst& inst = block.insts[v];
        if (inst.imm != 0 || !state.keep[v]) continue;
        if (inst.op == Opcode::GetReg) {
            inst.op = Opcode::Const; // x0 always reads 0
        } else if (inst.op == Opcode::SetReg) {
            state.keep[v] = 0; // writes to x0 vanish
        }
    }
}

void zero_register(Block& block) {
    PassState& state = begin(block);
    sweep_zero_register(block, state);
    compact(block, state);
}

} // namespace machina::dbt::ir::passes
