#include <array>

#include "accel/dbt/ir/passes/pass_state.h"
#include "accel/dbt/ir/passes/passes.h"

namespace machina::dbt::ir::passes {

void sweep_forward_registers(Block& block, PassState& state) {
    const size_t n = block.insts.size();
    // Forward: the value each guest register is known to hold in this block.
    std::array<Value, 32> known;
    known.fill(kNoValue);
    for (Value v = 0; v < n; ++v) {
        if (!state.keep[v]) continue;
        const Inst& inst = block.insts[v];
        if (inst.op == Opcode::GetReg) {
            if (known[inst.imm] != kNoValue) {
                state.replace(v, known[inst.imm]);
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
        if (!state.keep[v]) continue;
        const Inst& inst = block.insts[v];
        if (inst.op == Opcode::SetReg) {
            if (!observed[inst.imm]) state.keep[v] = 0;
            observed[inst.imm] = false;
        } else if (inst.op == Opcode::GetReg) {
            observed[inst.imm] = true;
        } else if (observes_state(inst.op)) {
            observed.fill(true);
        }
    }
}

void forward_registers(Block& block) {
    PassState& state = begin(block);
    sweep_forward_registers(block, state);
    compact(block, state);
}

} // namespace machina::dbt::ir::passes
