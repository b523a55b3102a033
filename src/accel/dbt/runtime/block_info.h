#pragma once
// Internal records of the Translator (runtime only).

#include "accel/dbt/runtime/translator.h"

namespace machina::dbt {

/// One translated block in the cache.
struct Translator::BlockInfo {
    uint64_t guest_pc = 0;
    uint64_t guest_end = 0;
    uint32_t guest_insns = 0;
    backend::CompiledBlock code;
};

/// Per-thread dispatcher state: the jump cache (the context generated code sees lives in the
/// HartState being run).
struct Translator::ThreadState {
    uint64_t owner_id = 0;   ///< which Translator the jump cache belongs to
    uint64_t generation = 0; ///< cache generation the jump cache was filled in
    bool holds_exec = false; ///< this thread holds Translator::m_exec shared
    const interp::UserMemory* memory = nullptr;
    interp::Exit helper_exit;
    /// Dispatcher counters of the current run() (added to the Translator's when it returns).
    struct Counts {
        uint64_t entries = 0, cold_runs = 0, exits[backend::kJitExitCount] = {};
    } counts;
    backend::JumpCacheEntry jump_cache[backend::kJumpCacheSize];

    /// Forgets every jump-cache entry.
    void clear_jump_cache() {
        for (auto& e : jump_cache)
            e = backend::JumpCacheEntry{};
    }
};

/// `-d in_asm`: the guest instructions of a block.
void dump_guest_block(const interp::UserMemory& memory, uint64_t pc, uint64_t end);

/// `-d out_asm`: the host code of a block (Zydis).
void dump_host_block(const backend::CompiledBlock& code);

} // namespace machina::dbt
