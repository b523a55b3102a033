#include "accel/dbt/ir/passes/passes.h"

#include <array>

namespace machina::dbt::ir::passes {

void forward_registers(Block& block) {
    const size_t n = block.insts.size();
    std::vector<bool> keep(n, true);
    std::vector<Value> repl(n);
    // Forward: the value each guest register is known to hold in this block.
    std::array<Value, 32> known;
    known.fill(kNoValue);
    for (Value v = 0; v < n; ++v) {
        repl[v] = v;
        const Inst& inst = block.insts[v];
        if (inst.op == Opcode::GetReg) {
            if (known[inst.imm] != kNoValue) {
                repl[v] = known[inst.imm];
                keep[v] = false;
            } else {
                known[inst.imm] = v;
            }
        } else if (inst.op == Opcode::SetReg) {
            known[inst.imm] = inst.args[0];
        } else if (info(inst.op).flags & kCall) {
            known.fill(kNoValue); // the callee may write any register
        }
    }
    // Backward: drop writes that a later write hides before anything can observe them.
    std::array<bool, 32> observed;
    observed.fill(true); // the block end observes everything
    for (Value v = Value(n); v-- > 0;) {
        if (!keep[v]) continue;
        const Inst& inst = block.insts[v];
        if (inst.op == Opcode::SetReg) {
            if (!observed[inst.imm]) keep[v] = false;
            observed[inst.imm] = false;
        } else if (inst.op == Opcode::GetReg) {
            observed[inst.imm] = true;
        } else if (observes_state(inst.op)) {
            observed.fill(true);
        }
    }
    compact(block, keep, repl);
}

} // namespace machina::dbt::ir::passes
