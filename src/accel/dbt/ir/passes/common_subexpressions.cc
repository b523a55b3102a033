#include <bit>

#include "accel/dbt/ir/passes/pass_state.h"
#include "accel/dbt/ir/passes/passes.h"

namespace machina::dbt::ir::passes {

namespace {

/// What makes two pure instructions compute the same thing (operands already resolved), packed
/// in three words: imm; args 0 and 1; arg 2, opcode and type.
struct Key {
    uint64_t w[3];

    bool operator==(const Key& o) const {
        return w[0] == o.w[0] && w[1] == o.w[1] && w[2] == o.w[2];
    }
    uint64_t hash() const {
        uint64_t h = w[0] * 0x9e3779b97f4a7c15ull;
        h ^= w[1] * 0xc2b2ae3d27d4eb4full;
        h ^= w[2] * 0x165667b19e3779f9ull;
        return h ^ (h >> 29);
    }
};

/// An open-addressing table from Key to the first value computing it. Its storage is the
/// thread's and is reused: a slot belongs to the current block when its stamp is the table's.
struct Table {
    struct Slot {
        Key key;
        Value value = kNoValue;
        uint32_t stamp = 0;
    };
    std::vector<Slot> slots;
    size_t mask = 0; ///< this block's slots: the first mask + 1 (small blocks stay in cache)
    uint32_t stamp = 0;

    /// Empties the table and makes room for `n` keys at most half full.
    void reset(size_t n) {
        const size_t want = std::bit_ceil(std::max<size_t>(16, 2 * n));
        if (slots.size() < want) {
            slots.assign(want, Slot{});
            stamp = 0;
        }
        mask = want - 1;
        if (++stamp == 0) { // wrapped: forget every old stamp
            for (Slot& s : slots)
                s.stamp = 0;
            stamp = 1;
        }
    }

    /// The value already entered for `key`, or kNoValue after entering `v` for it.
    Value find_or_insert(const Key& key, Value v) {
        for (size_t i = key.hash() & mask;; i = (i + 1) & mask) {
            Slot& s = slots[i];
            if (s.stamp != stamp) {
                s.key.w[0] = key.w[0];
                s.key.w[1] = key.w[1];
                s.key.w[2] = key.w[2];
                s.value = v;
                s.stamp = stamp;
                return kNoValue;
            }
            if (s.key == key) return s.value;
        }
    }
};

/// The calling thread's table.
Table& table() {
    thread_local Table t;
    return t;
}

} // namespace

void cse_begin(size_t n) {
    table().reset(n);
}

void cse_step(const Block& block, PassState& state, Value v) {
    if (!state.keep[v]) return;
    const Inst& inst = block.insts[v];
    // Registers are handled by forward_registers; memory and calls are not pure.
    if (is_pinned(inst.op) || inst.op == Opcode::GetReg || inst.op == Opcode::GetFReg) return;
    auto arg = [&](unsigned i) -> uint64_t {
        return inst.args[i] == kNoValue ? kNoValue : state.resolve(inst.args[i]);
    };
    Key key; // built in registers: no partial stores for wide loads to stall on
    key.w[0] = inst.imm;
    key.w[1] = arg(0) | arg(1) << 32;
    key.w[2] = arg(2) | uint64_t(inst.op) << 32 | uint64_t(inst.type) << 40;
    const Value first = table().find_or_insert(key, v);
    if (first != kNoValue) state.replace(v, first);
}

void eliminate_common_subexpressions(Block& block) {
    PassState& state = begin(block);
    cse_begin(block.insts.size());
    for (Value v = 0; v < block.insts.size(); ++v)
        cse_step(block, state, v);
    compact(block, state);
}

} // namespace machina::dbt::ir::passes
