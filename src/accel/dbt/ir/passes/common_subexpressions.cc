#include <map>
#include <tuple>

#include "accel/dbt/ir/passes/passes.h"

namespace machina::dbt::ir::passes {

void eliminate_common_subexpressions(Block& block) {
    const size_t n = block.insts.size();
    std::vector<bool> keep(n, true);
    std::vector<Value> repl(n);
    using Key = std::tuple<Opcode, Type, Value, Value, Value, uint64_t>;
    std::map<Key, Value> seen;
    for (Value v = 0; v < n; ++v) {
        repl[v] = v;
        const Inst& inst = block.insts[v];
        // Registers are handled by forward_registers; memory and calls are not pure.
        if (is_pinned(inst.op) || inst.op == Opcode::GetReg || inst.op == Opcode::GetFReg) continue;
        auto arg = [&](unsigned i) {
            return inst.args[i] == kNoValue ? kNoValue : repl[inst.args[i]];
        };
        Key key{inst.op, inst.type, arg(0), arg(1), arg(2), inst.imm};
        auto [it, inserted] = seen.emplace(key, v);
        if (!inserted) {
            repl[v] = it->second;
            keep[v] = false;
        }
    }
    compact(block, keep, repl);
}

} // namespace machina::dbt::ir::passes
