#include "accel/dbt/ir/passes/passes.h"

namespace machina::dbt::ir::passes {

void zero_register(Block& block) {
    const size_t n = block.insts.size();
    std::vector<bool> keep(n, true);
    std::vector<Value> repl(n);
    for (Value v = 0; v < n; ++v) {
        repl[v] = v;
        Inst& inst = block.insts[v];
        if (inst.imm != 0) continue;
        if (inst.op == Opcode::GetReg) {
            inst.op = Opcode::Const; // x0 always reads 0
        } else if (inst.op == Opcode::SetReg) {
            keep[v] = false; // writes to x0 vanish
        }
    }
    compact(block, keep, repl);
}

} // namespace machina::dbt::ir::passes
