#pragma once
// What the passes share while they run over one block (internal to ir/passes): which
// instructions stay and what each removed value became. Every pass is a sweep that reads and
// updates this state without rewriting the block; run_all() runs all sweeps and rewrites the
// block once at the end (compact), and a single pass run on its own compacts right after its
// sweep. The state's storage belongs to the calling thread and is reused, so passes allocate
// nothing once a thread has seen its largest block.

#include <cstdint>
#include <vector>

#include "accel/dbt/ir/block.h"

namespace machina::dbt::ir::passes {

/// Keep flags and replacements of the block being optimized.
struct PassState {
    std::vector<uint8_t> keep;          ///< per value: still in the block
    std::vector<Value> repl;            ///< per value: itself, or an earlier value that replaces it
    std::vector<Value> scratch_values;  ///< for sweeps that need a per-value table
    std::vector<uint8_t> scratch_flags; ///< likewise
    std::vector<Value> new_index;       ///< compact(): old value -> new value
    std::vector<Inst> out;              ///< compact(): the rewritten body (swapped in)

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

// The sweeps, in run_all() order. Each skips instructions already removed.
void sweep_zero_register(Block& block, PassState& state);
void sweep_forward_registers(Block& block, PassState& state);
void sweep_fold_constants(Block& block, PassState& state);
void sweep_common_subexpressions(Block& block, PassState& state);
void sweep_dead_code(Block& block, PassState& state);

} // namespace machina::dbt::ir::passes
