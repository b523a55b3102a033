#include "accel/dbt/ir/passes/pass_state.h"
#include "accel/dbt/ir/passes/passes.h"

namespace machina::dbt::ir::passes {

void RegisterForwarding::forward(const Block& block, PassState& state, Value v) {
    if (!state.keep[v]) return;
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

void RegisterForwarding::backward(const Block& block, PassState& state, Value v) {
    // Drop writes that a later write hides before anything can observe them.
    if (!state.keep[v]) return;
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

void forward_registers(Block& block) {
    PassState& state = begin(block);
    RegisterForwarding regs;
    regs.begin_forward();
    const Value n = Value(block.insts.size());
    for (Value v = 0; v < n; ++v)
        regs.forward(block, state, v);
    regs.begin_backward();
    for (Value v = n; v-- > 0;)
        regs.backward(block, state, v);
    compact(block, state);
}

} // namespace machina::dbt::ir::passes
