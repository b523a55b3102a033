// The dispatcher: runs translated blocks, links them, and turns JIT exits into interp::Exit.
#include "accel/dbt/runtime/block_info.h"

namespace machina::dbt {

using backend::JitExit;
using interp::Exit;
using interp::ExitKind;

Translator::ThreadState& Translator::thread_state() {
    thread_local std::unique_ptr<ThreadState> ts;
    if (!ts) ts = std::make_unique<ThreadState>();
    if (ts->owner_id != m_id) {
        ts->owner_id = m_id;
        ts->generation = 0;
    }
    return *ts;
}

uint32_t Translator::interp_step_helper(backend::JitContext* ctx) {
    auto* ts = static_cast<ThreadState*>(ctx->runtime);
    const uint64_t instret = ctx->state->instret; // the block accounts for this instruction
    Exit e = interp::run_user(*ctx->state, *ts->memory, 1);
    ctx->state->instret = instret;
    if (e.kind == ExitKind::Budget) return 0;
    ts->helper_exit = e;
    return 1;
}

Exit Translator::run(riscv::HartState& state, const interp::UserMemory& memory,
                     uint64_t max_insns) {
    if (memory.limit < 8) return interp::run_user(state, memory, max_insns);
    ThreadState& ts = thread_state();
    backend::JitContext& ctx = ts.ctx;
    ctx = backend::JitContext{};
    ctx.state = &state;
    ctx.mem_base = memory.base;
    for (unsigned i = 0; i < 4; ++i)
        ctx.limit_minus[i] = memory.limit - (1u << i);
    ctx.budget = max_insns;
    ctx.jump_cache = ts.jump_cache;
    ctx.interp_step = &Translator::interp_step_helper;
    ctx.runtime = &ts;
    ts.memory = &memory;

    // Finishes the run in the interpreter (budget tails, untranslatable code).
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
        Exit result;
        {
            std::shared_lock exec(m_exec);
            const uint64_t generation = m_generation.load(std::memory_order_acquire);
            if (ts.generation != generation) {
                ts.clear_jump_cache();
                ts.generation = generation;
            }
            uintptr_t next_entry = 0;
            while (!done) {
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
                    entry = b->code.entry;
                    jc = backend::JumpCacheEntry{state.pc, entry};
                }

                const uint64_t before = ctx.budget;
                ctx.unretired = 0;
                m_tramp.enter(&ctx, entry);
                state.instret += before - ctx.budget - ctx.unretired;

                switch (JitExit(ctx.exit_reason)) {
                case JitExit::Link: {
                    const BlockInfo* target = nullptr;
                    Lookup l = find_or_translate(state.pc, memory, &target);
                    if (l == Lookup::Full) {
                        need_flush = true;
                        goto leave; // flush, then carry on from state.pc
                    }
                    if (l == Lookup::Found) {
                        std::lock_guard lock(m_mutex);
                        backend::patch_jump(*m_buffer, ctx.link_site, target->code.entry);
                        ++m_stats.links;
                        next_entry = target->code.entry;
                    }
                    continue;
                }
                case JitExit::Lookup: continue;
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
                }
                done = true;
            }
        leave:;
        }
        if (need_flush) {
            flush();
            if (!done) continue;
        }
        return result;
    }
}

Exit run_translated(riscv::HartState& state, const interp::UserMemory& memory, uint64_t max_insns,
                    TranslationCache& cache) {
    return cache.run(state, memory, max_insns);
}

} // namespace machina::dbt
