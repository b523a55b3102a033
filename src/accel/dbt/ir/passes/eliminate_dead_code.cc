#include "accel/dbt/ir/passes/pass_state.h"
#include "accel/dbt/ir/passes/passes.h"

namespace machina::dbt::ir::passes {

void sweep_dead_code(Block& block, PassState& state) {
    const size_t n = block.insts.size();
    std::vector<uint8_t>& used = state.scratch_flags;
    used.assign(n, 0);
    if (block.term.value != kNoValue) used[state.resolve(block.term.value)] = 1;
    for (Value v = Value(n); v-- > 0;) {
        if (!state.keep[v]) continue;
        const Inst& inst = block.insts[v];
        if (is_pinned(inst.op)) used[v] = 1;
        if (!used[v]) {
            state.keep[v] = 0;
            continue;
        }
        for (Value a : inst.args) {
            if (a != kNoValue) used[state.resolve(a)] = 1;
        }
    }
}

void eliminate_dead_code(Block& block) {
    PassState& state = begin(block);
    sweep_dead_code(block, state);
    compact(block, state);
}

} // namespace machina::dbt::ir::passes
