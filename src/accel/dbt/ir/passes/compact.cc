#include "accel/dbt/ir/passes/pass_state.h"
#include "accel/dbt/ir/passes/passes.h"
#include "base/assert.h"

namespace machina::dbt::ir::passes {

PassState& begin(const Block& block) {
    thread_local PassState state;
    const size_t n = block.insts.size();
    state.keep.assign(n, 1);
    state.repl.resize(n);
    for (Value v = 0; v < n; ++v)
        state.repl[v] = v;
    return state;
}

void compact(Block& block, PassState& state) {
    const size_t n = block.insts.size();
    ASSERT(state.keep.size() == n && state.repl.size() == n, "compact: size mismatch");
    std::vector<Value>& repl = state.repl;
    // Resolve replacement chains (repl always points backwards, so one forward sweep works).
    for (Value v = 0; v < n; ++v) {
        if (repl[v] != v) repl[v] = repl[repl[v]];
    }
    std::vector<Value>& new_index = state.new_index;
    new_index.assign(n, kNoValue);
    // In place: an instruction only ever moves down, onto one already read.
    std::vector<Inst>& insts = block.insts;
    Value out = 0;
    for (Value v = 0; v < n; ++v) {
        if (!state.keep[v]) continue;
        Inst inst = insts[v];
        for (Value& a : inst.args) {
            if (a == kNoValue) continue;
            a = new_index[repl[a]];
            ASSERT(a != kNoValue, "compact: operand removed while still used");
        }
        new_index[v] = out;
        insts[out++] = inst;
    }
    insts.resize(out);
    if (block.term.value != kNoValue) {
        block.term.value = new_index[repl[block.term.value]];
        ASSERT(block.term.value != kNoValue, "compact: terminal value removed");
    }
}

void run_all(Block& block) {
    PassState& state = begin(block);
    const Value n = Value(block.insts.size());
    // Forward: each value goes through every forward pass in pipeline order before the next.
    RegisterForwarding regs;
    regs.begin_forward();
    cse_begin(n);
    for (Value v = 0; v < n; ++v) {
        zero_register_step(block, state, v);
        regs.forward(block, state, v);
        fold_constants_step(block, state, v);
        cse_step(block, state, v);
    }
    fold_terminal(block, state);
    // Backward: dead register writes, then dead code, per value. Dead code only removes values
    // that the register step has already looked at, so it sees what it would have seen alone.
    regs.begin_backward();
    dead_code_begin(block, state);
    for (Value v = n; v-- > 0;) {
        regs.backward(block, state, v);
        dead_code_step(block, state, v);
    }
    compact(block, state);
}

} // namespace machina::dbt::ir::passes
