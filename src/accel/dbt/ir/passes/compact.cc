#include "accel/dbt/ir/passes/passes.h"

#include "base/assert.h"

namespace machina::dbt::ir::passes {

void compact(Block& block, const std::vector<bool>& keep, std::vector<Value>& repl) {
    const size_t n = block.insts.size();
    ASSERT(keep.size() == n && repl.size() == n, "compact: size mismatch");
    // Resolve replacement chains (repl always points backwards, so one forward sweep works).
    for (Value v = 0; v < n; ++v) {
        if (repl[v] != v) repl[v] = repl[repl[v]];
    }
    std::vector<Value> new_index(n, kNoValue);
    std::vector<Inst> out;
    out.reserve(n);
    for (Value v = 0; v < n; ++v) {
        if (!keep[v]) continue;
        Inst inst = block.insts[v];
        for (Value& a : inst.args) {
            if (a == kNoValue) continue;
            a = new_index[repl[a]];
            ASSERT(a != kNoValue, "compact: operand removed while still used");
        }
        new_index[v] = Value(out.size());
        out.push_back(inst);
    }
    if (block.term.value != kNoValue) {
        block.term.value = new_index[repl[block.term.value]];
        ASSERT(block.term.value != kNoValue, "compact: terminal value removed");
    }
    block.insts = std::move(out);
}

void run_all(Block& block) {
    zero_register(block);
    forward_registers(block);
    fold_constants(block);
    eliminate_common_subexpressions(block);
    eliminate_dead_code(block);
}

} // namespace machina::dbt::ir::passes
