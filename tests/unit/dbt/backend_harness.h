#pragma once
// The backend tests' harness: compiles hand-built IR blocks and runs them on a HartState.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "accel/dbt/backend/x86_64/backend.h"
#include "accel/dbt/ir/verifier.h"

namespace machina::dbt::backend {

/// A code buffer, trampolines and a 64 KiB guest memory; runs one block at a time.
class Harness {
  public:
    explicit Harness(HostFeatures features) : m_features(features) {
        auto buf = CodeBuffer::create(8 << 20);
        EXPECT_TRUE(buf.ok());
        m_buffer.reset(*buf);
        m_tramp = *emit_trampolines(*m_buffer);
        m_keep = m_buffer->used();
        m_memory.resize(kMemSize);
        m_ctx.mem_base = m_memory.data();
        m_ctx.set_limit(kMemSize);
        m_ctx.jump_cache = m_cache;
    }

    /// Compiles and runs `block`; returns the exit reason.
    JitExit run(const ir::Block& block, uint64_t budget = 1000) {
        EXPECT_TRUE(ir::verify(block).ok()) << ir::verify(block).error().message;
        if (m_buffer->remaining() < 2 * kMaxBlockCode) m_buffer->reset(m_keep);
        auto compiled = compile_block(block, *m_buffer, m_tramp, m_features, nullptr, kMemSize);
        EXPECT_TRUE(compiled.ok()) << compiled.error().message;
        last = *compiled;
        m_ctx.budget = budget;
        m_ctx.unretired = 0;
        return enter(compiled->entry);
    }

    /// Runs translated code from `entry` with the current ctx().
    JitExit enter(uintptr_t entry) {
        // Generated code finds its context inside the HartState: run on a copy of m_ctx there
        // (tests may replace `state` between runs), and hand back what the run left in it.
        JitContext& live = start_context(state);
        live = m_ctx;
        live.state = &state;
        m_tramp.enter(&live, entry);
        m_ctx = live;
        return JitExit(m_ctx.exit_reason);
    }

    static constexpr uint32_t kMemSize = 65536;
    riscv::HartState state;
    /// The context the next run starts from, and after a run what it left.
    JitContext& ctx() { return m_ctx; }
    std::vector<uint8_t>& memory() { return m_memory; }
    CompiledBlock last;
    const Trampolines& tramp() const { return m_tramp; }
    CodeBuffer& buffer() { return *m_buffer; }

  private:
    HostFeatures m_features;
    std::unique_ptr<CodeBuffer> m_buffer;
    Trampolines m_tramp;
    size_t m_keep = 0;
    std::vector<uint8_t> m_memory;
    JitContext m_ctx;
    JumpCacheEntry m_cache[kJumpCacheSize];
};

} // namespace machina::dbt::backend
