#pragma once
// If-conversion of short forward branches over plain integer computation (internal to the
// frontend; if_convert.cc says why and how).

#include <cstdint>

#include "accel/dbt/frontend/riscv64/visitor.h"

namespace machina::dbt::frontend {

/// The instructions a forward conditional branch skips, decoded, in order.
struct Hammock {
    /// Longest body converted: past a few instructions, running them when the branch skips
    /// them costs more than the side exit saves.
    static constexpr unsigned kMaxInsns = 4;
    decoder::DecodedInsn insns[kMaxInsns];
    uint64_t pcs[kMaxInsns] = {};
    unsigned n = 0;
};

/// True when `op` only computes an integer register from integer registers: no memory access,
/// control flow, CSR or FP, and no division (too slow to run when the branch skips it).
bool is_pure_integer(decoder::Op op);

/// Emits the conditional branch `br` at `pc` and the instructions it skips (`body`, which ends
/// at the branch target) as straight-line code, advancing `*count` (the block's instruction
/// count) past all of them. Returns false, with nothing emitted and `*count` as it was, when a
/// skipped instruction does not translate to plain computation; the caller then translates the
/// branch as usual.
bool emit_if_converted(ir::Builder& ir, const decoder::DecodedInsn& br, uint64_t pc,
                       const Hammock& body, unsigned* count);

} // namespace machina::dbt::frontend
