#pragma once
// The x86-64 backend: IR block -> host code in a CodeBuffer.
//
// ABI of translated code (all blocks share one stack frame set up by the entry trampoline):
//   rbx = HartState* (its JitContext at rbx + kJitContextOffset), r14 = guest memory base,
//   r15 = instruction budget
//   (JitContext::budget is loaded on entry, stored on exit and before helper calls; keeping it in
//   a register keeps loops off a store-to-load chain), rsp = spill slots,
//   user mode: rbp r13 r12 r11 = the pinned guest registers (Trampolines::pinned: sp a0 a1 a5),
//   which live there across blocks; the trampolines load and store them,
//   rax/rcx = scratch, rsi rdi r8-r13 rbp and rdx (unless an instruction needs it or a pin holds
//   it) = allocated to IR values.
// Guest memory: host = r14 + base + displacement (ir::access_disp). Before the first access
// through a base value, one compare checks that every access of the block through it lies below
// the memory limit (else the block leaves for the interpreter there), so a guest address can
// never reach past the reservation; pages inside the limit that the guest did not map raise a
// host SIGSEGV, which the fault sites map back to the precise guest pc.
// Faults are precise without a write-back step: guest registers live in IR values, SetReg stores
// to HartState where the IR says, and the passes never let a store sink past a possible fault.
// (The emitter defers SetReg stores while their values sit in host registers, and a block that
// loops to itself keeps a few guest registers in host registers across its back edge
// (loop_carry.cc); every way out of a block, fault stubs included, writes those back first.)

#include <cstdint>
#include <vector>

#include "accel/dbt/backend/x86_64/code_buffer.h"
#include "accel/dbt/backend/x86_64/jit_context.h"
#include "accel/dbt/ir/block.h"
#include "base/result.h"

namespace machina::dbt::backend {

/// Optional host instructions the emitter may use.
struct HostFeatures {
    bool bmi2 = false;   ///< shlx/shrx/sarx/rorx
    bool lzcnt = false;  ///< lzcnt
    bool bmi1 = false;   ///< tzcnt
    bool popcnt = false; ///< popcnt
    bool fma = false;    ///< vfmadd231sd and friends (with AVX)

    /// What this host has (cpuid through Xbyak::util::Cpu).
    static HostFeatures detect();
};

/// A guest memory access (or helper call) in generated code that can fault.
struct FaultSite {
    uint32_t host_offset = 0; ///< offset of the host instruction that touches guest memory
    uint32_t stub_offset = 0; ///< offset of the stub that leaves with the guest fault
    uint64_t guest_pc = 0;    ///< the guest instruction
    bool is_store = false;    ///< store (or AMO) rather than load
    /// A fused access (ir::kFusedLoad, ir::kFusedStore): its stub replays the first byte
    /// access in the interpreter instead of leaving with a guest fault.
    bool replay = false;
};

/// A block of host code.
struct CompiledBlock {
    uintptr_t entry = 0;          ///< execute-view address of the first byte
    uint32_t size = 0;            ///< bytes of host code
    std::vector<FaultSite> sites; ///< sorted by host_offset
    uint32_t carried = 0;         ///< a self-loop: guest registers kept in host registers
};

/// Largest host code one block may need; callers make this much room before compiling.
constexpr size_t kMaxBlockCode = 64 * 1024;
/// Alignment of block entries in the code buffer.
constexpr size_t kBlockAlign = 16;

/// Entry and exit of translated code.
struct Trampolines {
    /// Enters host code `code` with `ctx`; returns when generated code jumps to `exit`.
    void (*enter)(JitContext* ctx, uintptr_t code) = nullptr;
    uintptr_t exit = 0; ///< where blocks jump to leave
    /// Pinned guest registers (bit q = x[q]; user mode): each lives in its own host register
    /// (pinned_host_reg) throughout translated code, in every block and across every link and
    /// jump-cache hit; `enter` loads them from HartState and `exit` stores them back, so
    /// HartState holds them whenever no translated code runs. Blocks never load or store them.
    uint32_t pinned = 0;
};

/// Guest registers that can be pinned at most (kPinHostRegs).
constexpr unsigned kMaxPinned = 4;
/// Host registers of pinned guest registers, in order of the guest register number (from the
/// end of the allocator's list: the allocator keeps rsi, rdi, r8, rdx for division and wide
/// multiplies). Helper calls store and reload them, so caller-saved ones do too.
constexpr int kPinHostRegs[kMaxPinned] = {5 /* rbp */, 13 /* r13 */, 12 /* r12 */, 11 /* r11 */};

/// The host register of pinned guest register q (q's bit is set in `pinned`).
constexpr int pinned_host_reg(uint32_t pinned, int q) {
    int k = 0;
    for (int i = 1; i < q; ++i)
        k += (pinned >> i) & 1;
    return kPinHostRegs[k];
}

/// Writes the trampolines at the buffer cursor. `pinned`: see Trampolines::pinned (at most
/// kMaxPinned of x1..x31).
Result<Trampolines> emit_trampolines(CodeBuffer& buffer, uint32_t pinned = 0);

/// System mode: guest accesses go through the softmmu TLB instead of r14 + address. Generated
/// code indexes the table in r14 with (vaddr >> 12) & (entries - 1), hits when the entry's tag
/// equals the page of the access's last byte (so page-crossing accesses miss), and then uses
/// host = vaddr + addend; misses call JitContext::load_slow/store_slow. Direct jumps chain only
/// inside the block's guest page; other jumps probe the system jump cache after checking the
/// runtime's code TLB. The runtime describes its TLB layouts here.
struct SoftmmuOptions {
    uint32_t entry_shift = 5; ///< log2 of the TLB entry size
    uint32_t entries = 512;   ///< entries per table (a power of two)
    int32_t read_tag = 0;     ///< offset of the load tag in an entry
    int32_t write_tag = 8;    ///< offset of the store tag
    int32_t exec_tag = 16;    ///< offset of the fetch tag
    int32_t addend = 24;      ///< offset of host address minus guest address
    uint64_t code_key = 0;    ///< this block's code key (stored in JitContext::link_key)
    // The code TLB that jump-cache probes check (JitContext::fetch_tlb): entries of 16 bytes,
    // {tag, addend}, indexed like the data TLB; tag = guest page | JitContext::code_tlb_gen.
    uint32_t code_entries = 1024; ///< a power of two
};

/// Compiles `block` (already through the passes) at the buffer cursor and commits it; with
/// `softmmu`, for system mode. User mode: the code is only valid for guest memory of
/// `memory_limit` bytes (the range checks compare against constants derived from it).
Result<CompiledBlock> compile_block(const ir::Block& block, CodeBuffer& buffer,
                                    const Trampolines& tramp, const HostFeatures& features,
                                    const SoftmmuOptions* softmmu = nullptr,
                                    uint64_t memory_limit = 0);

/// Makes the direct jump whose rel32 field is at `site` (execute view) go to `target`.
void patch_jump(CodeBuffer& buffer, uintptr_t site, uintptr_t target);

} // namespace machina::dbt::backend
