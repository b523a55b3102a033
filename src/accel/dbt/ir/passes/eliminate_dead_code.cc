#include "accel/dbt/ir/passes/pass_state.h"
#include "accel/dbt/ir/passes/passes.h"

namespace machina::dbt::ir::passes {

void dead_code_begin(const Block& block, PassState& state) {
    std::vector<uint8_t>& used = state.scratch_flags;
    used.assign(block.insts.size(), 0);
    if (block.term.value != kNoValue) used[state.resolve(block.term.value)] = 1;
}

void dead_code_step(const Block& block, PassState& state, Value v) {
    if (!state.keep[v]) return;
    std::vector<uint8_t>& used = state.scratch_flags;
    const Inst& inst = block.insts[v];
    if (is_pinned(inst.op)) used[v] = 1;
    if (!used[v]) {
        state.keep[v] = 0;
        return;
    }
    for (Value a : inst.args) {
        if (a != kNoValue) used[state.resolve(a)] = 1;
    }
}

void eliminate_dead_code(Block& block) {
    PassState& state = begin(block);
    dead_code_begin(block, state);
    for (Value v = Value(block.insts.size()); v-- > 0;)
        dead_code_step(block, state, v);
    compact(block, state);
}

} // namespace machina::dbt::ir::passes
