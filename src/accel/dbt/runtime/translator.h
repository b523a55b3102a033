#pragma once
// machina's RISC-V -> x86-64 dynamic binary translator (user mode).
//
// Pipeline: decoder tables (decoder/riscv64) -> frontend visitors (frontend/riscv64, one per
// extension; anything not translated natively becomes an InterpStep helper that runs that ONE
// instruction in the interpreter) -> typed SSA IR (ir/, opcode table in ir/opcodes.inc) ->
// passes (ir/passes: x0, register forwarding/dead stores, constant folding, DCE) -> x86-64
// backend (backend/x86_64: linear-scan allocation, xbyak emission into a W^X dual-mapped code
// buffer) -> this runtime (code cache, dispatcher, chaining, jump cache).
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
//  - instret is accounted per dispatcher exit from the budget (reads of instret/cycle CSRs in
//    the middle of a block see the value at block entry).
//  - Flush: the code cache is flushed whole when full, on fence.i, or on flush(). Threads that
//    execute translated code hold a shared lock; flush takes it exclusively, so code is never
//    freed under a running thread. A flush waits for other threads to come back to their
//    dispatcher (any exit: syscall, budget, fault).
//  - Faults: guest addresses are checked against the limit (cmp + ja to a stub), so a guest
//    access never escapes the reservation. Inside the limit, unmapped guest pages are PROT_NONE
//    on the host: a SIGSEGV handler calls fault_resume_address() and, when it returns non-zero,
//    sets the interrupted RIP to it; run() then returns LoadFault/StoreFault with the precise
//    guest pc (all guest registers written before the access are already in HartState).

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
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
};

/// Counters, for tests and `-d` style reports.
struct TranslatorStats {
    uint64_t blocks_translated = 0;
    uint64_t flushes = 0;
    uint64_t links = 0;
    uint64_t interp_fallbacks =
        0; ///< dispatcher-level interpreter runs (budget tails, fetch faults)
};

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
    /// access. Async-signal-safe (no locks, no allocation).
    uintptr_t fault_resume_address(uintptr_t host_pc) const;

    /// For a host pc inside translated code at a guest access: sets state.pc to that guest
    /// instruction and returns true. Async-signal-safe.
    bool lookup_guest_pc(uintptr_t host_pc, riscv::HartState& state) const;

    /// True when `host_pc` lies in translated code.
    bool in_code_cache(uintptr_t host_pc) const;

    /// A snapshot of the counters.
    TranslatorStats stats() const;

  private:
    struct BlockInfo;
    struct ThreadState;
    enum class Lookup { Found, Untranslatable, Full };

    Translator() = default;
    Lookup find_or_translate(uint64_t pc, const interp::UserMemory& memory, const BlockInfo** out);
    const BlockInfo* translate_locked(uint64_t pc, const interp::UserMemory& memory, bool* full);
    void flush_locked();
    const BlockInfo* block_at_host(uintptr_t host_pc) const;
    ThreadState& thread_state();
    static uint32_t interp_step_helper(backend::JitContext* ctx);

    TranslatorOptions m_options;
    std::unique_ptr<backend::CodeBuffer> m_buffer;
    backend::Trampolines m_tramp;
    backend::HostFeatures m_features;
    size_t m_tramp_bytes = 0;

    mutable std::mutex m_mutex; ///< translation, the block map, linking
    std::shared_mutex m_exec;   ///< shared while running code, exclusive to flush
    std::unordered_map<uint64_t, std::unique_ptr<BlockInfo>> m_blocks;
    std::unique_ptr<std::atomic<const BlockInfo*>[]> m_by_host; ///< blocks in host order
    size_t m_by_host_capacity = 0;
    std::atomic<size_t> m_by_host_count{0};
    std::atomic<uint64_t> m_generation{1};
    TranslatorStats m_stats;
    std::atomic<uint64_t> m_fallbacks{0};
    uint64_t m_id = 0; ///< distinguishes translators in the per-thread state
};

/// The translation cache type linux_user holds (one per process, shared by threads).
using TranslationCache = Translator;

/// Runs guest code with the translator: the same contract as interp::run_user.
interp::Exit run_translated(riscv::HartState& state, const interp::UserMemory& memory,
                            uint64_t max_insns, TranslationCache& cache);

} // namespace machina::dbt
