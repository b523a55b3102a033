// Byte loads assembled into a wider value become one wide load (user mode).
//
// RISC-V compilers that may not assume fast misaligned access read an unaligned little-endian
// word byte by byte: `lbu` of each byte, `slli` by 8k, and a chain of `or`s (zstd's and xz's
// MEM_read64, every packed-struct read). When the shifted bytes of one base address meet in an
// `or` tree covering 2, 4 or 8 consecutive bytes, the tree's value is one Load16U/Load32U/Load64
// of the lowest byte, placed where the first of the byte loads was, with kFusedLoad in its imm.
// Every other node of the tree is the wide value masked to the bytes under it (the partial ors
// gcc leaves in registers: `wide & 0xffffff`), and a byte used on its own is extracted from it,
// so no byte load is left. With the byte loads gone, the register writes of partial values that
// a later write hides are dead (they were kept only because a byte load could fault between),
// and a register-forwarding and dead-code sweep removes them.
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
#include <bit>

#include "accel/dbt/ir/passes/byte_access.h"
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
    /// The tree's other nodes (inner ors and shifted bytes) with the bytes each covers (bit k:
    /// byte k): each is the wide value masked to those bytes.
    std::array<std::pair<Value, uint8_t>, 15> parts{};
    unsigned part_count = 0;
    Value wide = kNoValue; ///< the wide load, in the rebuilt block
};

/// The bytes under node `x` of a matched tree (bit k: byte k), recording the inner nodes.
uint8_t collect_parts(const Block& b, Value x, const std::array<Value, 8>& by_shift, Fusion* f) {
    const Inst& in = b.insts[x];
    uint8_t bytes = 0;
    if (in.op == Opcode::Or) {
        bytes = uint8_t(collect_parts(b, in.args[0], by_shift, f) |
                        collect_parts(b, in.args[1], by_shift, f));
    } else {
        const Value load = in.op == Opcode::Shl ? in.args[0] : x;
        for (unsigned k = 0; k < 8; ++k)
            if (by_shift[k] == load) bytes = uint8_t(1u << k);
        if (in.op != Opcode::Shl) return bytes; // byte 0 itself: handled as a byte load
    }
    if (x != f->root) f->parts[f->part_count++] = {x, bytes};
    return bytes;
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
    f->part_count = 0;
    collect_parts(b, root, by_shift, f);
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

    // Rebuild with each wide load inserted before its first byte load, its root replaced, and
    // every other node of its tree (a partial value a guest register may still hold, a byte
    // load) computed from the wide value.
    std::sort(fusions.begin(), fusions.end(),
              [](const Fusion& a, const Fusion& b) { return a.first < b.first; });
    out.clear();
    new_index.assign(n, kNoValue);
    /// Per value: the fusion whose tree it is in (0: none, else index + 1), the bytes under it
    /// (0: the root, the wide value itself) and whether it is one of the byte loads.
    struct Member {
        uint16_t fusion = 0;
        uint8_t bytes = 0;
        bool byte_load = false;
    };
    thread_local std::vector<Member> member;
    member.assign(n, Member{});
    for (size_t i = 0; i < fusions.size(); ++i) {
        const Fusion& f = fusions[i];
        const uint16_t tag = uint16_t(i + 1);
        member[f.root] = Member{tag, 0, false};
        for (unsigned p = 0; p < f.part_count; ++p)
            member[f.parts[p].first] = Member{tag, f.parts[p].second, false};
        for (unsigned k = 0; k < f.bytes; ++k)
            member[f.loads[k]] = Member{tag, uint8_t(1u << k), true};
    }
    auto emit = [&](Opcode op, Type type, const Inst& at, Value a, Value b, uint64_t imm) {
        out.push_back(Inst{op, type, at.insn_index, {a, b, kNoValue}, imm, at.pc});
        return Value(out.size() - 1);
    };
    auto constant = [&](const Inst& at, uint64_t c) {
        return emit(Opcode::Const, Type::I64, at, kNoValue, kNoValue, c);
    };
    size_t next = 0;
    for (Value v = 0; v < n; ++v) {
        const Inst& at = block.insts[v];
        while (next < fusions.size() && fusions[next].first == v) {
            Fusion& f = fusions[next++];
            Value address = f.address != kNoValue ? new_index[f.address] : new_index[f.base];
            if (f.address == kNoValue && f.offset != 0)
                address = emit(Opcode::Add, Type::I64, at, address, constant(at, f.offset), 0);
            f.wide = emit(wide_load(f.bytes), Type::I64, at, address, kNoValue, kFusedLoad);
        }
        if (member[v].fusion == 0) {
            new_index[v] = append_renumbered(out, at, new_index);
            continue;
        }
        const Value wide = fusions[member[v].fusion - 1u].wide;
        const uint8_t bytes = member[v].bytes;
        if (bytes == 0) {
            new_index[v] = wide;
        } else if (member[v].byte_load) { // byte k of the wide value
            const unsigned k = unsigned(std::countr_zero(bytes));
            Value x = wide;
            if (k != 0) x = emit(Opcode::Shr, Type::I64, at, wide, constant(at, 8 * k), 0);
            new_index[v] = k == 7 ? x : emit(Opcode::And, Type::I64, at, x, constant(at, 0xff), 0);
        } else {
            uint64_t mask = 0;
            for (unsigned k = 0; k < 8; ++k)
                if (bytes & (1u << k)) mask |= uint64_t(0xff) << (8 * k);
            if (mask == 0xffffffffu) { // mov r32, r32
                const Value t = emit(Opcode::Trunc32, Type::I32, at, wide, kNoValue, 0);
                new_index[v] = emit(Opcode::Zext32, Type::I64, at, t, kNoValue, 0);
            } else {
                new_index[v] = emit(Opcode::And, Type::I64, at, wide, constant(at, mask), 0);
            }
        }
    }
    block.insts.swap(out);
    if (block.term.value != kNoValue) block.term.value = new_index[block.term.value];

    // The byte loads were the accesses between the register writes of the partial values: a
    // write a later one hides is now dead, and so is what only it used.
    forward_registers(block);
    eliminate_dead_code(block);
}

} // namespace machina::dbt::ir::passes
