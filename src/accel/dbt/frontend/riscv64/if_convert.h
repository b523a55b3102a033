#pragma once
// If-conversion of short forward branches over plain integer computation (internal to the
// frontend; if_convert.cc says why and how).

#include <cstdint>

#include "accel/dbt/frontend/riscv64/visitor.h"

namespace machina::dbt::frontend {

/// What a forward conditional branch skips, decoded, in program order: a hammock (`b<cc> L;
/// then...; L:`) or a diamond (`b<cc> L; then...; j J; L: else...; J:`), whose `j` is
/// insns[jump] (else jump == n).
struct Hammock {
    /// Most instructions converted (both arms and the jump): past a few, running the ones the
    /// branch skips costs more than the side exit saves.
    static constexpr unsigned kMaxInsns = 6;
    decoder::DecodedInsn insns[kMaxInsns];
    uint64_t pcs[kMaxInsns] = {};
    unsigned n = 0;
    unsigned jump = 0; ///< index of the diamond's jump, n for a hammock
};

/// True when `op` only computes an integer register from integer registers: no memory access,
/// control flow, CSR or FP, and no division (too slow to run when the branch skips it).
bool is_pure_integer(decoder::Op op);

/// Emits the conditional branch `br` at `pc` and `body` as straight-line code that goes on where
/// the paths join, advancing `*count` (the block's instruction count) past all of them. Returns
/// false, with nothing emitted and `*count` as it was, when a skipped instruction does not
/// translate to plain computation; the caller then translates the branch as usual.
bool emit_if_converted(ir::Builder& ir, const decoder::DecodedInsn& br, uint64_t pc,
                       const Hammock& body, unsigned* count);

} // namespace machina::dbt::frontend
