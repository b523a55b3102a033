#pragma once
// machina's RISC-V -> x86-64 dynamic binary translator (user mode).
//
// Pipeline: decoder tables (decoder/riscv64, shared with the interpreter and the disassembler)
// -> frontend visitors (frontend/riscv64, one file per extension: RV64I, M, Zba/Zbb/Zbs natively;
// F/D loads, stores, moves and sign injection natively, double add/sub/mul/div/sqrt/fmadd,
// compares and int<->double conversions natively in round-to-nearest (SSE/FMA, host flags
// folded into fflags from MXCSR; fflags/frm/fcsr accesses as GetFcsr/SetFcsr), other F/D and
// the counter CSRs through CallExec, the interpreter's executor for that one decoded
// instruction; anything else through InterpStep, which runs that ONE instruction in the
// interpreter) -> typed SSA IR (ir/, opcode table in ir/opcodes.inc, builder, printer, verifier)
// -> passes (ir/passes: x0, guest register forwarding and dead stores for x and f, constant
// folding + identities, CSE, DCE; then byte-load fusion, 32-bit idioms and, in user mode,
// address offsets folded into the accesses) -> x86-64 backend (backend/x86_64: on-the-fly
// Belady allocation, one range check per base value and block, compare+branch fusion,
// self-loops keeping guest registers in host registers; BMI1/BMI2/LZCNT/POPCNT when present;
// xbyak emission into a W^X dual-mapped code buffer) -> this runtime (code cache, dispatcher,
// chaining, jump cache; cold blocks interpreted until TranslatorOptions::hot_visits).
//
// Guest registers live in IR values inside a block: a SetReg is a store to HartState at the
// point the IR says, and the passes never move one past an instruction that can fault or call
// out, so state is precise at every exit without a write-back step.
//
// Runtime design:
//  - Blocks are found by guest pc in a hash map under a mutex; each thread also keeps a
//    direct-mapped jump cache (guest pc -> host code) that generated code probes inline for
//    indirect jumps (jalr, returns) and the dispatcher probes first, so the hot path takes no lock.
//  - Direct jumps and branches are chained: they first exit to the dispatcher with a link
//    request; once the target exists the rel32 is patched (aligned, one atomic store).
//  - Budget: each block subtracts its instruction count from JitContext::budget on entry; a
//    block that does not fit leaves untouched and the dispatcher finishes the budget in the
//    interpreter, so run() retires exactly max_insns on a Budget exit, like interp::run_user.
//  - instret is accounted per dispatcher exit from the budget; helpers (CSR reads) get the exact
//    value for their instruction.
//  - Self-modifying code: translations are not invalidated by guest stores. fence.i flushes;
//    the caller must call flush() when guest code pages change behind the translator's back
//    (munmap, mmap MAP_FIXED or mprotect over code that ran).
//  - Flush: the code cache is flushed whole when full, on fence.i, or on flush(). Threads that
//    execute translated code hold a shared lock; flush takes it exclusively, so code is never
//    freed under a running thread. A pending flush makes the other threads step out at their
//    next dispatcher visit and keeps new ones from entering, so it waits at most for the
//    current chained run of each thread (bounded by its budget).
//  - Faults: guest addresses are checked against the limit (cmp + ja to a stub), so a guest
//    access never escapes the reservation. Inside the limit, unmapped guest pages are PROT_NONE
//    on the host: a SIGSEGV handler calls fault_resume_address() and, when it returns non-zero,
//    sets the interrupted RIP to it; run() then returns LoadFault/StoreFault with the precise
//    guest pc (all guest registers written before the access are already in HartState).
//    Faults inside interpreter helpers (AMOs, LR/SC, ...) are ordinary interpreter faults:
//    state.pc is exact there, and a caller that leaves by siglongjmp may call
//    release_after_longjmp() (run() also recovers by itself on the next call).

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "accel/dbt/backend/x86_64/backend.h"
#include "accel/dbt/interp/interpreter.h"
#include "base/result.h"
#include "target/riscv/hart_state.h"

namespace machina::dbt {

/// Tunables of a Translator.
struct TranslatorOptions {
    size_t code_size = 64u << 20;  ///< code cache bytes (flushed whole when full)
    unsigned max_block_insns = 64; ///< guest instructions per block at most
    /// Guest registers pinned to host registers in all translated code (bit q = x[q]; at most
    /// backend::kMaxPinned): never loaded or stored by blocks, only on entering and leaving.
    /// sp, a0, a1 and a5: the stack pointer, the ABI's first arguments and return values (they
    /// cross block boundaries at every call and return) and gcc's favourite temporary (the
    /// choice is measured in docs/PERFORMANCE.md, session 9).
    uint32_t pinned_regs = 1u << 2 | 1u << 10 | 1u << 11 | 1u << 15;
    /// Dispatcher visits of a block before it is translated; until then it is interpreted one
    /// straight-line run at a time (1: translate at the first visit).
    uint32_t hot_visits = 1;
};

/// machina-riscv64's hot_visits (see kUserHotVisits' measurement in docs/PERFORMANCE.md):
/// translating a block costs as much as interpreting it a few dozen times, and much of a large
/// program's code (esbuild's Go runtime start-up, parsers' rare paths) runs only a few times.
constexpr uint32_t kUserHotVisits = 8;

/// Counters, for tests and `-d` style reports.
struct TranslatorStats {
    uint64_t blocks_translated = 0;
    uint64_t flushes = 0;
    uint64_t links = 0;
    uint64_t side_exits = 0;    ///< side exits (ExitIf) in the translated blocks
    uint64_t carried_loops = 0; ///< self-loop blocks keeping guest registers in host registers
    uint64_t interp_fallbacks =
        0; ///< dispatcher-level interpreter runs (budget tails, fetch faults, cold code)
    uint64_t entries = 0;   ///< times the dispatcher entered translated code
    uint64_t cold_runs = 0; ///< straight-line interpreter runs of code not hot enough yet
    /// Exits from translated code by reason (backend::JitExit).
    uint64_t exits[backend::kJitExitCount] = {};
};

/// A multi-line human-readable report of `s` (MACHINA_DBT_STATS=1).
std::string format_stats(const TranslatorStats& s);

/// The translation cache and dispatcher, shared by all guest threads (thread-safe).
class Translator {
  public:
    /// Maps the code cache and writes the trampolines.
    static Result<std::unique_ptr<Translator>> create(const TranslatorOptions& options = {});
    ~Translator();

    /// Runs guest code from state.pc: same contract and exits as interp::run_user.
    interp::Exit run(riscv::HartState& state, const interp::UserMemory& memory, uint64_t max_insns);

    /// Drops every translation (call after guest code pages change: munmap, mprotect, mmap over).
    void flush();

    /// For a host pc inside translated code that faulted on a guest access: the host address to
    /// resume at so that run() returns the guest fault precisely; 0 when `host_pc` is not such an
    /// access. Async-signal-safe (no locks, no allocation). *guest_fault (when given) is false
    /// for a fused load, whose stub replays its byte loads rather than report the fault.
    uintptr_t fault_resume_address(uintptr_t host_pc, bool* guest_fault = nullptr) const;

    /// For a host pc inside translated code at a guest access: sets state.pc to that guest
    /// instruction and returns true. Async-signal-safe.
    bool lookup_guest_pc(uintptr_t host_pc, riscv::HartState& state) const;

    /// Releases what run() holds on this thread after the caller left it by siglongjmp (host
    /// fault inside an interpreter helper). Optional: the next run() on the thread recovers too.
    void release_after_longjmp();

    /// True when `host_pc` lies in translated code.
    bool in_code_cache(uintptr_t host_pc) const;

    /// A snapshot of the counters.
    TranslatorStats stats() const;

  private:
    struct BlockInfo;
    struct ThreadState;
    enum class Lookup { Found, Untranslatable, Full, Cold };

    Translator() = default;
    Lookup find_or_translate(uint64_t pc, const interp::UserMemory& memory, const BlockInfo** out);
    /// The block translated at `pc`, or null (any thread, no lock held).
    const BlockInfo* find_block(uint64_t pc) const;
    /// Translates and installs the block at `pc`; null when it cannot be (*full: the cache is).
    const BlockInfo* translate(uint64_t pc, const interp::UserMemory& memory, bool* full);
    /// Frontend and IR passes for the block at `pc` (no lock: `block` is the thread's own).
    bool build_ir(uint64_t pc, const interp::UserMemory& memory, ir::Block& block,
                  unsigned max_insns) const;
    /// Drops every block (with m_exec held exclusively and every other lock taken).
    void flush_locked();
    const BlockInfo* block_at_host(uintptr_t host_pc) const;
    ThreadState& thread_state();
    /// Adds the dispatcher counters of `ts`'s run to the Translator's and clears them.
    void add_counts(ThreadState& ts);
    static uint32_t interp_step_helper(backend::JitContext* ctx, uint64_t pc, uint64_t unretired);
    static uint32_t exec_helper(backend::JitContext* ctx, uint64_t raw, uint64_t unretired);

    TranslatorOptions m_options;
    std::unique_ptr<backend::CodeBuffer> m_buffer;
    backend::Trampolines m_tramp;
    backend::HostFeatures m_features;
    size_t m_tramp_bytes = 0;

    /// Lock order: m_exec, then m_code_mutex, m_map_mutex, m_visits_mutex.
    std::shared_mutex m_exec;              ///< shared while running code, exclusive to flush
    mutable std::mutex m_code_mutex;       ///< the code buffer, m_by_host appends, m_stats
    mutable std::shared_mutex m_map_mutex; ///< m_blocks (lookups share it)
    std::mutex m_visits_mutex;             ///< m_visits
    std::unordered_map<uint64_t, std::unique_ptr<BlockInfo>> m_blocks;
    std::unique_ptr<std::atomic<const BlockInfo*>[]> m_by_host; ///< blocks in host order
    size_t m_by_host_capacity = 0;
    std::atomic<size_t> m_by_host_count{0};
    std::atomic<uint64_t> m_generation{1};
    /// The guest memory size the cached code was compiled for (its range checks depend on it);
    /// run() flushes the cache when called with memory of another size.
    std::atomic<uint64_t> m_code_limit{0};
    std::mutex m_limit_mutex; ///< serializes the flush when the memory size changes
    /// Dispatcher visits of blocks not translated yet (hot_visits > 1).
    std::unordered_map<uint64_t, uint32_t> m_visits;
    std::atomic<int> m_flush_waiters{0}; ///< flushes waiting for m_exec (writer preference)
    std::mutex m_flush_gate;             ///< held by a flush; entering threads wait on it
    TranslatorStats m_stats;
    std::atomic<uint64_t> m_fallbacks{0};
    std::atomic<uint64_t> m_links{0}; ///< jumps patched (TranslatorStats::links)
    /// Dispatcher counters, summed over threads at the end of each run() (ThreadState::counts).
    std::atomic<uint64_t> m_entries{0}, m_cold_runs{0};
    std::atomic<uint64_t> m_exits[backend::kJitExitCount] = {};
    uint64_t m_id = 0; ///< distinguishes translators in the per-thread state
};

/// The translation cache type linux_user holds (one per process, shared by threads).
using TranslationCache = Translator;

/// Runs guest code with the translator: the same contract as interp::run_user.
interp::Exit run_translated(riscv::HartState& state, const interp::UserMemory& memory,
                            uint64_t max_insns, TranslationCache& cache);

} // namespace machina::dbt
