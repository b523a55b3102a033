#pragma once
// What the passes share while they run over one block (internal to ir/passes): which
// instructions stay and what each removed value became. Every pass reads and updates this state
// without rewriting the block; run_all() runs all passes and rewrites the block once at the end
// (compact), and a single pass run on its own compacts right after it. The state's storage belongs
// to the calling thread and is reused, so passes allocate nothing once a thread has seen its
// largest block.

#include <array>
#include <cstdint>
#include <vector>

#include "accel/dbt/ir/block.h"

namespace machina::dbt::ir::passes {

/// Keep flags and replacements of the block being optimized.
struct PassState {
    std::vector<uint8_t> keep;          ///< per value: still in the block
    std::vector<Value> repl;            ///< per value: itself, or an earlier value that replaces it
    std::vector<uint8_t> scratch_flags; ///< dead code: per value, used later
    std::vector<Value> new_index;       ///< compact(): old value -> new value

    /// The value that stands for `a` now (follows replacements, which always point backwards).
    Value resolve(Value a) const {
        while (repl[a] != a)
            a = repl[a];
        return a;
    }
    /// Removes `v`, whose users now use `by`.
    void replace(Value v, Value by) {
        repl[v] = resolve(by);
        keep[v] = 0;
    }
};

/// The calling thread's state, reset for `block` (everything kept, nothing replaced).
PassState& begin(const Block& block);

/// Rewrites `block` keeping the kept instructions, with operands replaced and renumbered.
void compact(Block& block, PassState& state);

// The passes as per-instruction steps, so that run_all() can run them all in one forward and one
// backward loop over the block, and each single pass in a loop of its own; both give the same
// result because a step at v only reads what the steps did to values before it (forward) or
// after it (backward). Every step skips removed instructions.

/// x0: a read becomes constant 0, a write is removed.
void zero_register_step(Block& block, PassState& state, Value v);

/// Guest register forwarding (forward steps), then dead register writes (backward steps).
struct RegisterForwarding {
    /// Guest registers by slot: x0..x31, then f0..f31 at 32 + n (slot()).
    static constexpr unsigned kSlots = 64;
    std::array<Value, kSlots> known;   ///< forward: the value each register holds
    std::array<bool, kSlots> observed; ///< backward: the register's value is read later

    /// The slot of a GetReg/SetReg/GetFReg/SetFReg, or -1 for any other instruction.
    static int slot(const Inst& inst) {
        switch (inst.op) {
        case Opcode::GetReg:
        case Opcode::SetReg: return int(inst.imm);
        case Opcode::GetFReg:
        case Opcode::SetFReg: return 32 + int(inst.imm);
        default: return -1;
        }
    }

    void begin_forward() { known.fill(kNoValue); }
    void forward(const Block& block, PassState& state, Value v);
    void begin_backward() { observed.fill(true); } // the block end observes everything
    void backward(const Block& block, PassState& state, Value v);
};

/// Constant folding and identities; then the terminal once every value is folded.
void fold_constants_step(Block& block, PassState& state, Value v);
void fold_terminal(Block& block, PassState& state);

/// Common subexpressions: begin for a block of `n` values, then a step per value.
void cse_begin(size_t n);
void cse_step(const Block& block, PassState& state, Value v);

/// Dead code (backward): begin marks the terminal's value used, then a step per value.
void dead_code_begin(const Block& block, PassState& state);
void dead_code_step(const Block& block, PassState& state, Value v);

} // namespace machina::dbt::ir::passes
