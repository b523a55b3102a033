// Byte loads assembled into a wider value become one wide load (user mode).
//
// RISC-V compilers that may not assume fast misaligned access read an unaligned little-endian
// word byte by byte: `lbu` of each byte, `slli` by 8k, and a chain of `or`s (zstd's and xz's
// MEM_read64, every packed-struct read). When the shifted bytes of one base address meet in an
// `or` tree covering 2, 4 or 8 consecutive bytes, the tree's value is one Load16U/Load32U/Load64
// of the lowest byte, placed where the first of the byte loads was, with kFusedLoad in its imm.
// Byte loads nobody else needs go; the dead shifts and ors go with the next dead-code sweep.
//
// Precision: the wide load runs before any of the bytes, so it may fault where the program
// would have faulted only at a later byte load, with more instructions done. A fused load
// therefore never reports its fault: the backend leaves to the interpreter at the first byte
// load's pc instead (JitExit::Interpret), which runs that instruction alone; the block the
// dispatcher then enters starts after it and holds the rest of the pattern without its first
// byte, so nothing is fused there and every byte load faults where it would. Nothing between
// the first and the last byte load may write memory or call out (the bytes must read the same).
#include <algorithm>
#include <array>

#include "accel/dbt/ir/passes/pass_state.h"
#include "accel/dbt/ir/passes/passes.h"

namespace machina::dbt::ir::passes {
namespace {

/// A recognised tree: its root, its byte loads and where the wide load goes.
struct Fusion {
    Value root = kNoValue;
    Value first = kNoValue;   ///< the earliest of the byte loads
    Value base = kNoValue;    ///< common base of the byte addresses
    uint64_t offset = 0;      ///< byte 0 is at base + offset
    Value address = kNoValue; ///< an existing value base + offset defined before `first`, if any
    unsigned bytes = 0;       ///< 2, 4 or 8
    std::array<Value, 8> loads{};
};

bool is_const(const Block& b, Value v) {
    return b.insts[v].op == Opcode::Const;
}

/// Splits address `a` into base + constant offset.
void split_address(const Block& b, Value a, Value* base, uint64_t* offset) {
    const Inst& in = b.insts[a];
    if (in.op == Opcode::Add && in.type == Type::I64) {
        if (is_const(b, in.args[1])) {
            *base = in.args[0];
            *offset = b.insts[in.args[1]].imm;
            return;
        }
        if (is_const(b, in.args[0])) {
            *base = in.args[1];
            *offset = b.insts[in.args[0]].imm;
            return;
        }
    }
    *base = a;
    *offset = 0;
}

/// True when `op` writes guest memory or calls out (then the bytes may change under it).
bool writes_memory(Opcode op) {
    return is_store(op) || op == Opcode::Amo || op == Opcode::Fence ||
           (info(op).flags & kCall) != 0;
}

/// The fusion rooted at `root`, if its `or` tree is such a pattern.
bool match(const Block& b, Value root, Fusion* f) {
    // The leaves: Load8U (byte 0) or Shl(Load8U, 8k), under Or nodes.
    std::array<Value, 8> by_shift{};
    by_shift.fill(kNoValue);
    unsigned leaves = 0;
    Value stack[16];
    unsigned depth = 0, nodes = 0;
    stack[depth++] = root;
    while (depth > 0) {
        const Value x = stack[--depth];
        const Inst& in = b.insts[x];
        if (in.op == Opcode::Or && in.type == Type::I64) {
            if (++nodes > 7 || depth + 2 > 16) return false;
            stack[depth++] = in.args[0];
            stack[depth++] = in.args[1];
            continue;
        }
        Value load = x;
        uint64_t shift = 0;
        if (in.op == Opcode::Shl && in.type == Type::I64 && is_const(b, in.args[1])) {
            load = in.args[0];
            shift = b.insts[in.args[1]].imm;
        }
        if (b.insts[load].op != Opcode::Load8U || shift % 8 != 0 || shift > 56) return false;
        if (by_shift[shift / 8] != kNoValue) return false;
        by_shift[shift / 8] = load;
        ++leaves;
    }
    if (leaves != 2 && leaves != 4 && leaves != 8) return false;
    for (unsigned k = 0; k < leaves; ++k)
        if (by_shift[k] == kNoValue) return false;
    // Consecutive bytes from one base.
    Value base0 = kNoValue;
    uint64_t offset0 = 0;
    split_address(b, b.insts[by_shift[0]].args[0], &base0, &offset0);
    Value first = by_shift[0], last = by_shift[0];
    for (unsigned k = 1; k < leaves; ++k) {
        Value base = kNoValue;
        uint64_t offset = 0;
        split_address(b, b.insts[by_shift[k]].args[0], &base, &offset);
        if (base != base0 || offset != offset0 + k) return false;
        first = std::min(first, by_shift[k]);
        last = std::max(last, by_shift[k]);
    }
    for (Value v = first + 1; v < last; ++v)
        if (writes_memory(b.insts[v].op)) return false;
    f->root = root;
    f->first = first;
    f->base = base0;
    f->offset = offset0;
    const Value a0 = b.insts[by_shift[0]].args[0];
    f->address = a0 < first ? a0 : kNoValue;
    f->bytes = leaves;
    f->loads = by_shift;
    return true;
}

Opcode wide_load(unsigned bytes) {
    return bytes == 2 ? Opcode::Load16U : bytes == 4 ? Opcode::Load32U : Opcode::Load64;
}

} // namespace

void fuse_byte_loads(Block& block) {
    thread_local std::vector<Fusion> fusions;
    thread_local std::vector<uint8_t> in_tree; // per value: a byte load of some fusion
    thread_local std::vector<Inst> out;
    thread_local std::vector<Value> new_index;
    fusions.clear();
    const Value n = Value(block.insts.size());
    in_tree.assign(n, 0);
    // The latest root first: an inner `or` of a longer chain is then part of it already.
    for (Value v = n; v-- > 0;) {
        const Inst& in = block.insts[v];
        if (in.op != Opcode::Or || in.type != Type::I64) continue;
        Fusion f;
        if (!match(block, v, &f)) continue;
        bool overlaps = false;
        for (unsigned k = 0; k < f.bytes; ++k)
            overlaps |= in_tree[f.loads[k]] != 0;
        if (overlaps) continue;
        for (unsigned k = 0; k < f.bytes; ++k)
            in_tree[f.loads[k]] = 1;
        fusions.push_back(f);
    }
    if (fusions.empty()) return;

    // Rebuild with each wide load inserted before its first byte load and its root replaced.
    std::sort(fusions.begin(), fusions.end(),
              [](const Fusion& a, const Fusion& b) { return a.first < b.first; });
    out.clear();
    new_index.assign(n, kNoValue);
    thread_local std::vector<Value> root_value; // per value: the wide load replacing it
    root_value.assign(n, kNoValue);
    size_t next = 0;
    for (Value v = 0; v < n; ++v) {
        while (next < fusions.size() && fusions[next].first == v) {
            Fusion& f = fusions[next++];
            const Inst& at = block.insts[v];
            Value address = f.address != kNoValue ? new_index[f.address] : new_index[f.base];
            if (f.address == kNoValue && f.offset != 0) {
                Inst c{Opcode::Const, Type::I64, at.insn_index, {kNoValue, kNoValue, kNoValue},
                       f.offset,      at.pc};
                out.push_back(c);
                Inst add{Opcode::Add,
                         Type::I64,
                         at.insn_index,
                         {address, Value(out.size() - 1), kNoValue},
                         0,
                         at.pc};
                out.push_back(add);
                address = Value(out.size() - 1);
            }
            Inst load{wide_load(f.bytes), Type::I64, at.insn_index, {address, kNoValue, kNoValue},
                      kFusedLoad,         at.pc};
            out.push_back(load);
            root_value[f.root] = Value(out.size() - 1);
        }
        if (root_value[v] != kNoValue) {
            new_index[v] = root_value[v];
            continue;
        }
        Inst in = block.insts[v];
        for (Value& a : in.args)
            if (a != kNoValue) a = new_index[a];
        new_index[v] = Value(out.size());
        out.push_back(in);
    }
    thread_local std::vector<uint8_t> covered; // byte loads a wide load made redundant
    covered.assign(out.size(), 0);
    for (Value v = 0; v < n; ++v)
        if (in_tree[v]) covered[new_index[v]] = 1;
    block.insts.swap(out);
    if (block.term.value != kNoValue) block.term.value = new_index[block.term.value];

    // Dead code, with the covered byte loads removable (the wide load faults for them).
    PassState& state = begin(block);
    std::vector<uint8_t>& used = state.scratch_flags;
    used.assign(block.insts.size(), 0);
    if (block.term.value != kNoValue) used[block.term.value] = 1;
    for (Value v = Value(block.insts.size()); v-- > 0;) {
        const Inst& in = block.insts[v];
        if (is_pinned(in.op) && !covered[v]) used[v] = 1;
        if (!used[v]) {
            state.keep[v] = 0;
            continue;
        }
        for (Value a : in.args)
            if (a != kNoValue) used[a] = 1;
    }
    compact(block, state);
}

} // namespace machina::dbt::ir::passes
