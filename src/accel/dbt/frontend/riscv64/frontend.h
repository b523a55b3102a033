#pragma once
// The RISC-V frontend: guest instructions -> IR, driven by the decoder tables shared with the
// interpreter (decoder::decode, decoder::Op). One visitor per extension (rvi.cc, rvm.cc, zb.cc,
// rvfd.cc, rva.cc, zicsr.cc). F/D operations without a native form and the counter CSRs become
// CallExec (the interpreter's executor for that one decoded instruction); anything else not
// translated natively becomes an InterpStep that fetches and runs that ONE instruction in the
// interpreter, so every instruction is covered.
//
// A block ends at a backward branch or a jump, ecall/ebreak/fence.i, an illegal instruction, the
// end of the 4 KiB page it started in, an instruction that cannot be fetched, or kMaxBlockInsns
// (in user mode, twice that when the longer block closes a loop back to its own start).
// A forward conditional branch becomes a side exit (ExitIf) and the block goes on at its
// fall-through (a superblock), up to a few per block; in user mode a forward jal or a call to
// the same page goes on at its target (Block::segments), up to a few per block.

#include <cstdint>

#include "accel/dbt/interp/interpreter.h"
#include "accel/dbt/ir/block.h"

namespace machina::dbt::frontend {

/// Most guest instructions in one block.
constexpr unsigned kMaxBlockInsns = 64;
/// Most guest instructions in a user-mode block that loops back to its start (translate_block
/// builds such loops past its max_insns, up to twice it and at most this).
constexpr unsigned kMaxLoopBlockInsns = 256;

/// Translates guest code at `pc` into `block` (not yet optimized). Returns false, leaving the
/// block empty, when not even the first instruction can be fetched.
bool translate_block(const interp::UserMemory& memory, uint64_t pc, ir::Block& block,
                     unsigned max_insns = kMaxBlockInsns, bool native_fma = false);

/// A system-mode hart's floating-point state (mstatus.FS) as translated code depends on it.
enum class FpState : uint8_t {
    Off,   ///< FS = Off: every F/D instruction is illegal
    Clean, ///< FS = Initial or Clean: the first F/D instruction must make it Dirty
    Dirty, ///< FS = Dirty: F/D instructions run natively
};

/// Where system-mode code comes from: the host copy of the guest page that holds the block.
struct SystemSource {
    const uint8_t* page_host = nullptr; ///< host address of the first byte of pc's guest page
    FpState fp = FpState::Off;          ///< mstatus.FS the block is translated for
    /// Host address of the next guest page when the hart can fetch from it now (else nullptr):
    /// an instruction straddling the page end is then translated, guarded by CheckCodeParcel.
    const uint8_t* next_page_host = nullptr;
    /// Side exits (forward branches translated through) per block at most; 0 ends blocks at
    /// every branch (see DbtEngineOptions::side_exits).
    unsigned max_side_exits = 0;
};

/// System mode: translates guest code at virtual `pc` (in the page `source` holds) into `block`.
/// The block stays inside that page: a 32-bit instruction straddling its end is translated with
/// the upper half read from `source.next_page_host` behind a CheckCodeParcel guard, or else runs
/// in the interpreter (InterpStep, which fetches the second half through the MMU); the block ends
/// there (fence.i is left out: false when it is first). CSR accesses and sfence.vma become
/// SysInsn (run by a runtime helper, which may leave the block); mret, sret and wfi end it with
/// an ExitReason::System exit before them, and so does pause (a spin-wait hint: other harts should
/// run); F/D follows `source.fp` (Off: an Illegal exit; Clean: the first runs in the interpreter,
/// which makes FS Dirty); AMOs are native (Amo, through the TLB's store tag); LR/SC run in the
/// interpreter (InterpStep).
bool translate_block_system(const SystemSource& source, uint64_t pc, ir::Block& block,
                            unsigned max_insns = kMaxBlockInsns, bool native_fma = false);

} // namespace machina::dbt::frontend
