#pragma once
// IR passes, one file each. Every pass keeps the block valid (the verifier accepts it) and keeps
// guest state precise: a register write is never moved past an instruction that can fault or
// call out.

#include "accel/dbt/ir/block.h"

namespace machina::dbt::ir::passes {

/// x0: reads become constant 0, writes are dropped.
void zero_register(Block& block);

/// Guest register traffic (x and f): a read after a read or write of the same register becomes
/// that value; a write overwritten before anything observes it (a read, a possible fault, a call,
/// the block end) is dropped.
void forward_registers(Block& block);

/// Pure operations on constants become constants; identities (x + 0, x & -1, trunc(sext x), ...)
/// become their operand; selects and branches on constants are decided.
void fold_constants(Block& block);

/// Pure instructions computing the same thing as an earlier one reuse its value.
void eliminate_common_subexpressions(Block& block);

/// Removes instructions whose results nobody uses and that have no side effect or fault.
void eliminate_dead_code(Block& block);

/// User mode, after run_all(): byte loads shifted and or-ed into a 2-, 4- or 8-byte
/// little-endian value become one wide load marked kFusedLoad, the tree's partial values masks
/// of it, and register writes the removed byte loads kept alive go (see fuse_byte_loads.cc).
void fuse_byte_loads(Block& block);

/// User mode, after fuse_byte_loads(): runs of byte stores to consecutive addresses whose
/// data are the bytes of one value, of one run of byte loads, or constants become one wide
/// store marked kFusedStore (see fuse_byte_stores.cc).
void fuse_byte_stores(Block& block);

/// After run_all(): and/or/xor/not of sign-extended 32-bit values become the 32-bit operation,
/// sign-extended, and (x << 32) >> 32 becomes zext(trunc x) (see simplify_word_ops.cc), so W
/// instructions and zext.w idioms need no extensions in between.
void simplify_word_ops(Block& block);

/// User mode, after fuse_byte_loads(): a load or store whose address is base + a 12-bit
/// constant (every RISC-V access) addresses base with that displacement (ir::access_disp), and
/// additions left unused go. The backend then checks each base once per block.
void fold_address_offsets(Block& block);

/// The standard pipeline, in order: the passes above run as sweeps over one shared state
/// (passes/pass_state.h) and the block is rewritten once at the end; nothing is allocated per
/// block once the thread's buffers have grown.
void run_all(Block& block);

} // namespace machina::dbt::ir::passes
