#pragma once
// The RISC-V frontend: guest instructions -> IR, driven by the decoder tables shared with the
// interpreter (decoder::decode, decoder::Op). One visitor per extension (rvi.cc, rvm.cc, zb.cc,
// rvfd.cc). F/D arithmetic and CSRs become CallExec (the interpreter's executor for that one
// decoded instruction); anything else not translated natively (A, ...) becomes an InterpStep that
// fetches and runs that ONE instruction in the interpreter, so every instruction is covered.
//
// A block ends at a branch or jump, ecall/ebreak/fence.i, an illegal instruction, the end of the
// 4 KiB page it started in, an instruction that cannot be fetched, or kMaxBlockInsns.

#include <cstdint>

#include "accel/dbt/interp/interpreter.h"
#include "accel/dbt/ir/block.h"

namespace machina::dbt::frontend {

/// Most guest instructions in one block.
constexpr unsigned kMaxBlockInsns = 64;

/// Translates guest code at `pc` into `block` (not yet optimized). Returns false, leaving the
/// block empty, when not even the first instruction can be fetched.
bool translate_block(const interp::UserMemory& memory, uint64_t pc, ir::Block& block,
                     unsigned max_insns = kMaxBlockInsns, bool native_fma = false);

} // namespace machina::dbt::frontend
