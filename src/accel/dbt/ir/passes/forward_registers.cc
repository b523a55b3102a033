#include "accel/dbt/ir/passes/pass_state.h"
#include "accel/dbt/ir/passes/passes.h"

namespace machina::dbt::ir::passes {

void RegisterForwarding::forward(const Block& block, PassState& state, Value v) {
    if (!state.keep[v]) return;
    const Inst& inst = block.insts[v];
    const int r = slot(inst);
    if (inst.op == Opcode::GetReg || inst.op == Opcode::GetFReg) {
        if (known[r] != kNoValue) {
            state.replace(v, known[r]);
        } else {
            known[r] = v;
        }
    } else if (inst.op == Opcode::SetReg || inst.op == Opcode::SetFReg) {
        known[r] = inst.args[0];
    } else if (info(inst.op).flags & kCall) {
        known.fill(kNoValue); // the callee may write any register
    }
}

void RegisterForwarding::backward(const Block& block, PassState& state, Value v) {
    // Drop writes that a later write hides before anything can observe them.
    if (!state.keep[v]) return;
    const Inst& inst = block.insts[v];
    const int r = slot(inst);
    if (inst.op == Opcode::SetReg || inst.op == Opcode::SetFReg) {
        if (!observed[r]) state.keep[v] = 0;
        observed[r] = false;
    } else if (inst.op == Opcode::GetReg || inst.op == Opcode::GetFReg) {
        observed[r] = true;
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
