#include "accel/dbt/ir/passes/passes.h"

namespace machina::dbt::ir::passes {

void eliminate_dead_code(Block& block) {
    const size_t n = block.insts.size();
    std::vector<bool> used(n, false);
    std::vector<Value> repl(n);
    if (block.term.value != kNoValue) used[block.term.value] = true;
    for (Value v = Value(n); v-- > 0;) {
        repl[v] = v;
        const Inst& inst = block.insts[v];
        if (is_pinned(inst.op)) used[v] = true;
        if (!used[v]) continue;
        for (Value a : inst.args) {
            if (a != kNoValue) used[a] = true;
        }
    }
    compact(block, used, repl);
}

} // namespace machina::dbt::ir::passes
