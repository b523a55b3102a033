// Byte stores of consecutive addresses become one wide store (user mode).
//
// RISC-V compilers that may not assume fast misaligned access write an unaligned word byte by
// byte, and copy one the same way: zstd's `memcpy(&tmp, p, 8)` is eight `lbu` and eight `sb`
// (followed by an `ld` of tmp, which on the host then waits for eight byte stores to drain,
// since store forwarding cannot combine them), MEM_writeLE64 is `sb x; srli t, x, 8; sb t; ...`
// and small memsets store constant bytes. A run of Store8s to base + k, k = 0..n-1 (n = 2, 4 or
// 8, in that order), whose data is byte k of one value (x >> 8k, or x for k = 0), byte k of
// one run of byte loads (base' + k), or constants, becomes one Store16/32/64 where the first
// byte store was, of that value, of a wide load of the source bytes, or of the combined
// constant.
//
// Precision: the wide store (and the wide load of a copy) stands at the first byte store and
// carries kFusedStore: the backend never reports its fault but leaves to the interpreter there,
// which runs that one byte store; the block after it then holds the rest of the run without its
// first byte, so every byte store faults where it would. Between the first and the last byte
// store nothing may access memory, call out or fault (it would see the later bytes written
// early); register writes may (they come after the wide store in program order, as before). The
// source bytes of a copy must not change between their first byte load and the first store.
#include <algorithm>
#include <array>

#include "accel/dbt/ir/passes/byte_access.h"
#include "accel/dbt/ir/passes/pass_state.h"
#include "accel/dbt/ir/passes/passes.h"

namespace machina::dbt::ir::passes {
namespace {

enum class Source : uint8_t { Value, Loads, Constant };

/// What the data of one byte store is: byte `byte` of `value`, of the bytes at base + offset
/// (a byte load), or a constant.
struct StoredByte {
    Source kind = Source::Value;
    Value value = kNoValue; ///< Value: the value; Loads: the byte load
    Value base = kNoValue;  ///< Loads: the address base
    uint64_t offset = 0;    ///< Loads: the byte's offset from base
    unsigned byte = 0;      ///< Value: which byte of `value`
    uint64_t constant = 0;  ///< Constant: its value
};

/// One run of byte stores to fuse.
struct Run {
    std::array<Value, 8> stores{};
    std::array<StoredByte, 8> data{};
    unsigned bytes = 0;
};

StoredByte stored_byte(const Block& b, Value data) {
    StoredByte s;
    const Inst& in = b.insts[data];
    if (in.op == Opcode::Const) {
        s.kind = Source::Constant;
        s.constant = in.imm & 0xff;
    } else if (in.op == Opcode::Load8U || in.op == Opcode::Load8S) {
        s.kind = Source::Loads;
        s.value = data;
        split_address(b, in.args[0], &s.base, &s.offset);
    } else if ((in.op == Opcode::Shr || in.op == Opcode::Sar) && in.type == Type::I64 &&
               is_const(b, in.args[1]) && b.insts[in.args[1]].imm % 8 == 0 &&
               b.insts[in.args[1]].imm < 64) {
        s.value = in.args[0];
        s.byte = unsigned(b.insts[in.args[1]].imm / 8);
    } else {
        s.value = data;
    }
    return s;
}

/// True when `s` can be byte k of a run whose byte 0 is `first`.
bool continues(const StoredByte& first, const StoredByte& s, unsigned k) {
    if (s.kind != first.kind) return false;
    switch (s.kind) {
    case Source::Value: return s.value == first.value && s.byte == first.byte + k;
    case Source::Loads: return s.base == first.base && s.offset == first.offset + k;
    case Source::Constant: return true;
    }
    return false;
}

/// The run of byte stores starting at Store8 `s0`, if it has 2, 4 or 8 bytes.
bool match(const Block& b, Value s0, Run* run) {
    Value base0 = kNoValue;
    uint64_t offset0 = 0;
    split_address(b, b.insts[s0].args[0], &base0, &offset0);
    run->stores[0] = s0;
    run->data[0] = stored_byte(b, b.insts[s0].args[1]);
    if (run->data[0].kind == Source::Value && run->data[0].byte != 0) return false;
    unsigned n = 1;
    for (Value v = s0 + 1; v < b.insts.size() && n < 8; ++v) {
        const Inst& in = b.insts[v];
        if (in.op == Opcode::Store8) {
            Value base = kNoValue;
            uint64_t offset = 0;
            split_address(b, in.args[0], &base, &offset);
            const StoredByte s = stored_byte(b, in.args[1]);
            if (base != base0 || offset != offset0 + n || !continues(run->data[0], s, n)) break;
            run->stores[n] = v;
            run->data[n++] = s;
            continue;
        }
        if (observes_state(in.op) || writes_memory(in.op)) break;
    }
    run->bytes = n >= 8 ? 8 : n >= 4 ? 4 : n >= 2 ? 2 : 0;
    if (run->bytes == 0) return false;
    if (run->data[0].kind != Source::Loads) return true;
    // A copy: the source bytes must read the same at the first store as at their loads.
    Value first_load = s0;
    for (unsigned k = 0; k < run->bytes; ++k)
        first_load = std::min(first_load, run->data[k].value);
    for (Value v = first_load + 1; v < s0; ++v)
        if (writes_memory(b.insts[v].op)) return false;
    return true;
}

Opcode wide_store(unsigned bytes) {
    return bytes == 2 ? Opcode::Store16 : bytes == 4 ? Opcode::Store32 : Opcode::Store64;
}

Opcode wide_load(unsigned bytes) {
    return bytes == 2 ? Opcode::Load16U : bytes == 4 ? Opcode::Load32U : Opcode::Load64;
}

} // namespace

void fuse_byte_stores(Block& block) {
    thread_local std::vector<Run> runs;
    thread_local std::vector<int32_t> role; // per value: run index + 1 (first store), -1 removed
    runs.clear();
    const Value n = Value(block.insts.size());
    role.assign(n, 0);
    for (Value v = 0; v < n; ++v) {
        if (block.insts[v].op != Opcode::Store8 || role[v] != 0) continue;
        Run run;
        if (!match(block, v, &run)) continue;
        runs.push_back(run);
        role[v] = int32_t(runs.size());
        for (unsigned k = 1; k < run.bytes; ++k)
            role[run.stores[k]] = -1;
    }
    if (runs.empty()) return;

    thread_local std::vector<Inst> out;
    thread_local std::vector<Value> new_index;
    out.clear();
    new_index.assign(n, kNoValue);
    for (Value v = 0; v < n; ++v) {
        const Inst& at = block.insts[v];
        if (role[v] < 0) continue; // a byte store the wide one covers (no value, no users)
        if (role[v] == 0) {
            new_index[v] = append_renumbered(out, at, new_index);
            continue;
        }
        const Run& run = runs[size_t(role[v] - 1)];
        auto emit = [&](Opcode op, Type type, Value a, Value b, uint64_t imm) {
            out.push_back(Inst{op, type, at.insn_index, {a, b, kNoValue}, imm, at.pc});
            return Value(out.size() - 1);
        };
        Value data = kNoValue;
        switch (run.data[0].kind) {
        case Source::Value: data = new_index[run.data[0].value]; break;
        case Source::Constant: {
            uint64_t c = 0;
            for (unsigned k = 0; k < run.bytes; ++k)
                c |= run.data[k].constant << (8 * k);
            data = emit(Opcode::Const, Type::I64, kNoValue, kNoValue, c);
            break;
        }
        case Source::Loads: {
            Value address = new_index[run.data[0].base];
            if (run.data[0].offset != 0) {
                const Value c =
                    emit(Opcode::Const, Type::I64, kNoValue, kNoValue, run.data[0].offset);
                address = emit(Opcode::Add, Type::I64, address, c, 0);
            }
            data = emit(wide_load(run.bytes), Type::I64, address, kNoValue, kFusedStore);
            break;
        }
        }
        emit(wide_store(run.bytes), Type::Void, new_index[at.args[0]], data, kFusedStore);
    }
    block.insts.swap(out);
    if (block.term.value != kNoValue) block.term.value = new_index[block.term.value];
    // The byte stores were accesses between register writes: writes a later one hides are now
    // dead, and so are the shifts that only fed the byte stores.
    forward_registers(block);
    eliminate_dead_code(block);
}

} // namespace machina::dbt::ir::passes
