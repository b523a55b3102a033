// The dispatcher: runs translated blocks, links them, and turns JIT exits into interp::Exit.
#include <xmmintrin.h>

#include "accel/dbt/decoder/riscv64/decoder.h"
#include "accel/dbt/interp/csr_exec.h"
#include "accel/dbt/interp/fp_exec.h"
#include "accel/dbt/interp/straight_line.h"
#include "accel/dbt/runtime/block_info.h"

namespace machina::dbt {

using backend::JitExit;
using interp::Exit;
using interp::ExitKind;

Translator::ThreadState& Translator::thread_state() {
    thread_local std::unique_ptr<ThreadState> ts;
    if (!ts) ts = std::make_unique<ThreadState>();
    if (ts->owner_id != m_id) {
        ASSERT(!ts->holds_exec, "thread switched translators inside run()");
        ts->owner_id = m_id;
        ts->generation = 0;
    }
    return *ts;
}

namespace {

/// MXCSR with every exception masked, flags clear, round-to-nearest, no DAZ/FTZ: the state
/// translated FP code assumes.
constexpr uint32_t kMxcsrDefault = 0x1f80;

/// Moves the host exception flags that translated FP code raised into fflags, and clears them.
void fold_host_fp_flags(riscv::HartState& s) {
    const uint32_t m = _mm_getcsr();
    static constexpr std::array<uint8_t, 64> kFflags = backend::fflags_of_mxcsr_table();
    s.fcsr |= kFflags[m & 0x3f];
    _mm_setcsr(kMxcsrDefault);
}

/// Sets state.instret to its exact value before the instruction a helper runs (the dispatcher
/// otherwise accounts per exit), returning the value to restore afterwards.
uint64_t exact_instret(backend::JitContext* ctx, uint64_t unretired) {
    const uint64_t saved = ctx->state->instret;
    ctx->state->instret = saved + (ctx->entry_budget - ctx->budget) - unretired;
    return saved;
}

} // namespace

uint32_t Translator::interp_step_helper(backend::JitContext* ctx, uint64_t, uint64_t unretired) {
    auto* ts = static_cast<ThreadState*>(ctx->runtime);
    fold_host_fp_flags(*ctx->state);
    const uint64_t saved = exact_instret(ctx, unretired);
    Exit e = interp::run_user(*ctx->state, *ts->memory, 1);
    ctx->state->instret = saved; // the dispatcher accounts for this instruction
    _mm_setcsr(kMxcsrDefault);
    if (e.kind == ExitKind::Budget) return 0;
    ts->helper_exit = e;
    return 1;
}

uint32_t Translator::exec_helper(backend::JitContext* ctx, uint64_t raw, uint64_t unretired) {
    riscv::HartState& s = *ctx->state;
    fold_host_fp_flags(s);
    const decoder::DecodedInsn d = decoder::decode(uint32_t(raw));
    const decoder::Fmt fmt = decoder::op_info(d.op).fmt;
    const uint64_t saved = exact_instret(ctx, unretired);
    const bool ok = (fmt == decoder::Fmt::Csr || fmt == decoder::Fmt::CsrI)
                        ? interp::csr_execute(s, d)
                        : interp::fp_execute(s, d);
    s.instret = saved;
    _mm_setcsr(kMxcsrDefault);
    if (ok) return 0;
    auto* ts = static_cast<ThreadState*>(ctx->runtime);
    ts->helper_exit = Exit{ExitKind::IllegalInstruction, s.pc, 0, d.raw};
    return 1;
}

Exit Translator::run(riscv::HartState& state, const interp::UserMemory& memory,
                     uint64_t max_insns) {
    if (memory.limit < 8) return interp::run_user(state, memory, max_insns);
    ThreadState& ts = thread_state();
    if (m_code_limit.load(std::memory_order_acquire) != memory.limit) {
        release_after_longjmp(); // (a flush waits for every thread to leave translated code)
        // One thread flushes: threads starting together must not flush each other's first
        // blocks. (No thread inside translated code ever takes m_limit_mutex.)
        std::lock_guard limit(m_limit_mutex);
        if (m_code_limit.load(std::memory_order_acquire) != memory.limit) {
            flush();
            m_code_limit.store(memory.limit, std::memory_order_release);
        }
    }
    backend::JitContext& ctx = backend::start_context(state);
    ctx.mem_base = memory.base;
    ctx.set_limit(memory.limit);
    ctx.budget = max_insns;
    ctx.jump_cache = ts.jump_cache;
    ctx.interp_step = &Translator::interp_step_helper;
    ctx.exec = &Translator::exec_helper;
    ctx.runtime = &ts;
    ts.memory = &memory;

    // Instructions of cold code at pc to interpret in one go.
    auto cold_run = [&](uint64_t pc) -> uint32_t {
        const uint64_t page = pc & ~uint64_t(0xfff);
        if (page >= memory.limit || memory.limit - page < 0x1000) return 1;
        return interp::straight_line_length(memory.base + page, pc);
    };
    // Finishes the run in the interpreter (budget tails, untranslatable code, cold code).
    auto interpret = [&](uint64_t n, bool* done) {
        m_fallbacks.fetch_add(1, std::memory_order_relaxed);
        Exit e = interp::run_user(state, memory, n);
        if (e.kind == ExitKind::Budget) {
            ctx.budget -= n;
            *done = ctx.budget == 0;
        } else {
            *done = true;
        }
        return e;
    };

    while (true) {
        bool need_flush = false;
        bool done = false;
        bool let_flush_run = false;
        Exit result;
        // Writers first: a pending flush must not starve behind threads re-entering.
        while (!ts.holds_exec && m_flush_waiters.load(std::memory_order_acquire) != 0) {
            std::lock_guard wait_for_flush(m_flush_gate);
        }
        {
            // Shared while running code. Not RAII: linux_user may leave run() by siglongjmp
            // from a host fault inside an interpreter helper; the next run() on this thread (or
            // release_after_longjmp()) then finds the lock still held and keeps using it.
            if (!ts.holds_exec) {
                m_exec.lock_shared();
                ts.holds_exec = true;
            }
            const uint64_t generation = m_generation.load(std::memory_order_acquire);
            if (ts.generation != generation) {
                ts.clear_jump_cache();
                ts.generation = generation;
            }
            uintptr_t next_entry = 0;
            while (!done) {
                if (m_flush_waiters.load(std::memory_order_relaxed) != 0) {
                    let_flush_run = true; // state is at a block boundary: step aside
                    break;
                }
                if (ctx.budget == 0) {
                    result = Exit{ExitKind::Budget, state.pc, 0, 0};
                    break;
                }
                uintptr_t entry = next_entry;
                next_entry = 0;
                backend::JumpCacheEntry& jc =
                    ts.jump_cache[(state.pc >> 1) & (backend::kJumpCacheSize - 1)];
                if (!entry && jc.guest_pc == state.pc) entry = jc.host;
                if (!entry) {
                    const BlockInfo* b = nullptr;
                    Lookup l = find_or_translate(state.pc, memory, &b);
                    if (l == Lookup::Full) {
                        need_flush = true;
                        break;
                    }
                    if (l == Lookup::Untranslatable) {
                        result = interpret(1, &done);
                        continue;
                    }
                    if (l == Lookup::Cold) { // one straight-line run in the interpreter
                        ++ts.counts.cold_runs;
                        result =
                            interpret(std::min<uint64_t>(cold_run(state.pc), ctx.budget), &done);
                        continue;
                    }
                    entry = b->code.entry;
                    jc = backend::JumpCacheEntry{state.pc, entry};
                }

                const uint64_t before = ctx.budget;
                ctx.unretired = 0;
                ctx.entry_budget = before;
                _mm_setcsr(kMxcsrDefault);
                m_tramp.enter(&ctx, entry);
                ++ts.counts.entries;
                fold_host_fp_flags(state);
                ctx.budget += ctx.unretired; // charged on block entry but never executed
                state.instret += before - ctx.budget;
                const JitExit why = JitExit(ctx.exit_reason);
                ++ts.counts.exits[ctx.exit_reason < backend::kJitExitCount ? ctx.exit_reason : 0];
                if (ctx.budget == 0 && why != JitExit::FenceI && why != JitExit::Link &&
                    why != JitExit::Lookup) {
                    // The budget ran out right before this exit's instruction: like the
                    // interpreter, report the budget (the state is precise at state.pc).
                    result = Exit{ExitKind::Budget, state.pc, 0, 0};
                    break;
                }

                switch (why) {
                case JitExit::Link: {
                    const BlockInfo* target = nullptr;
                    Lookup l = find_or_translate(state.pc, memory, &target);
                    if (l == Lookup::Full) {
                        need_flush = true;
                        goto leave; // flush, then carry on from state.pc
                    }
                    if (l == Lookup::Found) {
                        // No lock: the site and the target stay until a flush, which waits
                        // for this thread to leave m_exec; the rel32 store is atomic, and two
                        // threads linking one site write the same value.
                        backend::patch_jump(*m_buffer, ctx.link_site, target->code.entry);
                        m_links.fetch_add(1, std::memory_order_relaxed);
                        next_entry = target->code.entry;
                    }
                    continue;
                }
                case JitExit::Lookup: continue;
                case JitExit::Interpret: result = interpret(1, &done); continue;
                case JitExit::BudgetShort: result = interpret(ctx.budget, &done); continue;
                case JitExit::Ecall: result = Exit{ExitKind::Ecall, state.pc, 0, 0}; break;
                case JitExit::Ebreak: result = Exit{ExitKind::Ebreak, state.pc, 0, 0}; break;
                case JitExit::Illegal:
                    result = Exit{ExitKind::IllegalInstruction, state.pc, 0, ctx.exit_insn};
                    break;
                case JitExit::FenceI:
                    result = Exit{ExitKind::FenceI, state.pc, 0, 0};
                    need_flush = true;
                    break;
                case JitExit::LoadFault:
                    result = Exit{ExitKind::LoadFault, state.pc, ctx.fault_addr, 0};
                    break;
                case JitExit::StoreFault:
                    result = Exit{ExitKind::StoreFault, state.pc, ctx.fault_addr, 0};
                    break;
                case JitExit::Helper: result = ts.helper_exit; break;
                case JitExit::System: // only system-mode blocks leave with it
                    result = Exit{ExitKind::System, state.pc, 0, ctx.exit_insn};
                    break;
                }
                done = true;
            }
        leave:
            m_exec.unlock_shared();
            ts.holds_exec = false;
        }
        if (need_flush) {
            flush();
            if (!done) continue;
        }
        if (let_flush_run) continue;
        add_counts(ts);
        return result;
    }
}

void Translator::add_counts(ThreadState& ts) {
    ThreadState::Counts& c = ts.counts;
    if (c.entries) m_entries.fetch_add(c.entries, std::memory_order_relaxed);
    if (c.cold_runs) m_cold_runs.fetch_add(c.cold_runs, std::memory_order_relaxed);
    for (unsigned k = 0; k < backend::kJitExitCount; ++k)
        if (c.exits[k]) m_exits[k].fetch_add(c.exits[k], std::memory_order_relaxed);
    c = ThreadState::Counts{};
}

void Translator::release_after_longjmp() {
    ThreadState& ts = thread_state();
    if (ts.holds_exec) {
        m_exec.unlock_shared();
        ts.holds_exec = false;
    }
}

Exit run_translated(riscv::HartState& state, const interp::UserMemory& memory, uint64_t max_insns,
                    TranslationCache& cache) {
    return cache.run(state, memory, max_insns);
}

} // namespace machina::dbt
