// StubLabel: jumps the emitter resolves itself. Forward jumps (more than the inline site slots),
// a jump made through xbyak (as code holding a `const Xbyak::Label&` does) and a backward jump
// must all land on the label, as near rel32 jumps.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>

#include "accel/dbt/backend/x86_64/emitter.h"

namespace machina::dbt::backend {
namespace {

/// The target of the near jump whose opcode starts at `at` in `code`.
size_t target_of(const uint8_t* code, size_t at) {
    const size_t opcode = code[at] == 0x0f ? 2 : 1;
    int32_t rel = 0;
    std::memcpy(&rel, code + at + opcode, 4);
    return size_t(int64_t(at + opcode + 4) + rel);
}

TEST(StubLabel, ForwardXbyakAndBackwardJumpsLandOnTheLabel) {
    auto created = CodeBuffer::create(1 << 20);
    ASSERT_TRUE(created.ok());
    std::unique_ptr<CodeBuffer> buffer(*created);
    ir::Block block;
    Allocation alloc;
    Trampolines tramp;
    for (int round = 0; round < 2; ++round) { // the second reuses the thread's stub pool
        Emitter e(block, alloc, *buffer, tramp, HostFeatures{});
        StubLabel label;
        std::vector<size_t> jumps;
        for (unsigned k = 0; k < StubLabel::kInlineSites + 3; ++k) {
            jumps.push_back(e.getSize());
            if (k % 2) {
                e.jne(label, Xbyak::CodeGenerator::T_NEAR);
            } else {
                e.jmp(label, Xbyak::CodeGenerator::T_NEAR);
            }
            e.nop();
        }
        jumps.push_back(e.getSize()); // through xbyak's own label machinery
        e.jz(static_cast<const Xbyak::Label&>(label), Xbyak::CodeGenerator::T_NEAR);
        e.nop();
        const size_t bound = e.getSize();
        e.L(label);
        e.nop();
        jumps.push_back(e.getSize()); // backward: encoded at once
        e.jb(label, Xbyak::CodeGenerator::T_NEAR);
        e.ret();
        ASSERT_EQ(Xbyak::GetError(), 0);
        const uint8_t* code = e.getCode();
        for (size_t at : jumps)
            EXPECT_EQ(target_of(code, at), bound) << "jump at " << at;
        EXPECT_EQ(code[jumps[0]], 0xe9);
        EXPECT_EQ(code[jumps[1]], 0x0f);
        EXPECT_EQ(code[jumps[1] + 1], 0x85);
        EXPECT_EQ(code[jumps.back() + 1], 0x82);
    }
}

} // namespace
} // namespace machina::dbt::backend
