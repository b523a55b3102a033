// Pinned guest registers (TranslatorOptions::pinned_regs, by default sp, a0, a1, a5): they live in
// host registers through all translated code, helpers see and change them in HartState, and a
// self-loop that never touches them borrows their host registers and gives them back on every
// way out. Each test runs with the default pins and compares with the interpreter.
#include <gtest/gtest.h>

#include <sys/mman.h>

#include <cstring>
#include <vector>

#include "accel/dbt/frontend/riscv64/frontend.h"
#include "accel/dbt/interp/interpreter.h"
#include "accel/dbt/ir/passes/passes.h"
#include "accel/dbt/runtime/translator.h"
#include "guest_program.h"

namespace machina::dbt {
namespace {

using namespace test;
using interp::ExitKind;

constexpr unsigned kSp = 2, kA0 = 10, kA1 = 11, kA5 = 15, kT0 = 5, kT1 = 6, kT2 = 7, kT3 = 28;

uint32_t csrrs(unsigned rd, uint32_t csr, unsigned rs1) {
    return 0x73 | rd << 7 | 2u << 12 | rs1 << 15 | csr << 20;
}
constexpr uint32_t kInstret = 0xc02;

/// Runs the program at kCode from `start` on a fresh translator and in the interpreter; every
/// integer register, pc and instret must agree. Returns the translator's exit.
interp::Exit expect_like_the_interpreter(const Guest& g, const riscv::HartState& start,
                                         uint64_t budget = 100000) {
    riscv::HartState want = start, got = start;
    const interp::Exit ew = interp::run_user(want, g.memory(), budget);
    auto t = make();
    const interp::Exit eg = run_translated(got, g.memory(), budget, *t);
    EXPECT_EQ(eg.kind, ew.kind);
    EXPECT_EQ(got.pc, want.pc);
    EXPECT_EQ(got.instret, want.instret);
    for (int q = 1; q < 32; ++q)
        EXPECT_EQ(got.x[q], want.x[q]) << "x" << q;
    return eg;
}

TEST(PinnedRegisters, AreTheDefaultAndLeaveTrampolinesWithTheirValues) {
    EXPECT_EQ(TranslatorOptions{}.pinned_regs, 1u << kSp | 1u << kA0 | 1u << kA1 | 1u << kA5);
    // Written in one block, read in the next (on another page: a link, nothing stored in
    // between), stored on the way out at the ecall.
    Guest g;
    g.load(kCode, {addi(kA0, kA0, 5), addi(kSp, kSp, -16), jal(0, 0x2000 - int32_t(kCode) - 8)});
    g.load(0x2000,
           {add(kA1, kA0, kSp), sd(kA0, kSp, 8), ld(kT0, kSp, 8), addi(kA5, kT0, 1), kEcall});
    riscv::HartState s;
    s.pc = kCode;
    s.x[kSp] = 0x8000;
    s.x[kA0] = 37;
    expect_like_the_interpreter(g, s);
    auto t = make();
    ASSERT_EQ(run_translated(s, g.memory(), 1000, *t).kind, ExitKind::Ecall);
    EXPECT_EQ(s.x[kA0], 42u);
    EXPECT_EQ(s.x[kSp], 0x8000u - 16);
    EXPECT_EQ(s.x[kA1], 42u + 0x8000 - 16);
    EXPECT_EQ(s.x[kT0], 42u);
    EXPECT_EQ(s.x[kA5], 43u);
}

TEST(PinnedRegisters, HelpersReadAndWriteThemInHartState) {
    // csrrs a1, instret runs in a helper (the interpreter's executor) that writes a1 in
    // HartState; t0 keeps a1's value from before it, which must not become the new one.
    Guest g;
    g.load(kCode, {add(kT0, kA1, 0), addi(kA0, kA0, 3), csrrs(kA1, kInstret, 0), add(kT1, kT0, kA1),
                   add(kT2, kA0, kA1), kEcall});
    ir::Block block;
    ASSERT_TRUE(frontend::translate_block(g.memory(), kCode, block));
    bool helper = false;
    for (const ir::Inst& in : block.insts)
        helper |= in.op == ir::Opcode::CallExec;
    ASSERT_TRUE(helper) << "the test needs csrrs to go through a helper";
    riscv::HartState s;
    s.pc = kCode;
    s.x[kA0] = 100;
    s.x[kA1] = 1000;
    expect_like_the_interpreter(g, s);
}

TEST(PinnedRegisters, AValueWhoseGuestRegisterIsOverwrittenKeepsAHomeUnderPressure) {
    // With four registers pinned, six are left. t0 and t2-t6 fill them; a5 = s1 (pinned: a
    // copy), then s1 = t1: s1's old value, still needed by `sd a5`, gets a register, and loading
    // t1 takes a register again. s1's old value must be spilled then, not dropped as if
    // HartState's s1 still held it (esbuild's parser hit this).
    constexpr unsigned kS1 = 9, kT4 = 29, kT5 = 30, kT6 = 31;
    const unsigned fill[] = {kT0, kT2, kT3, kT4, kT5, kT6};
    std::vector<uint32_t> code;
    for (unsigned k = 0; k < 6; ++k)
        code.push_back(ld(fill[k], kSp, int32_t(8 * k)));
    code.push_back(add(kA5, kS1, 0));
    code.push_back(add(kS1, kT1, 0));
    code.push_back(sd(kS1, kSp, 64));
    for (unsigned k = 0; k < 5; ++k)
        code.push_back(sd(fill[k], kSp, int32_t(72 + 8 * k)));
    code.push_back(sd(kA5, kSp, 120));
    code.push_back(sd(kT6, kSp, 128));
    code.push_back(kEcall);
    Guest g;
    g.load(kCode, code);
    for (unsigned k = 0; k < 6; ++k) {
        const uint64_t v = 0x100 + k;
        std::memcpy(g.base + 0x7000 + 8 * k, &v, 8);
    }
    riscv::HartState s;
    s.pc = kCode;
    s.x[kSp] = 0x7000;
    s.x[kS1] = 0x51;
    s.x[kT1] = 0x61;
    expect_like_the_interpreter(g, s);
    uint64_t stored = 0;
    std::memcpy(&stored, g.base + 0x7000 + 120, 8);
    EXPECT_EQ(stored, 0x51u);
    std::memcpy(&stored, g.base + 0x7000 + 64, 8);
    EXPECT_EQ(stored, 0x61u);
}

/// A self-loop over t-registers only (t1 += t2, t2 -= 1 until 0), then a0 += t1.
void load_loop_without_pinned(Guest& g) {
    g.load(kCode, {add(kT1, kT1, kT2), addi(kT2, kT2, -1), bne(kT2, 0, -8), add(kA0, kA0, kT1),
                   add(kA1, kA1, kSp), kEcall});
}

/// A start at kCode with sp = 0x7000 and the other pinned registers a0, a1, a5 as given.
riscv::HartState start_with_pins(uint64_t a0, uint64_t a1, uint64_t a5) {
    riscv::HartState s;
    s.pc = kCode;
    s.x[kSp] = 0x7000;
    s.x[kA0] = a0;
    s.x[kA1] = a1;
    s.x[kA5] = a5;
    return s;
}

TEST(PinnedRegisters, ASelfLoopThatNeverTouchesThemBorrowsTheirRegisters) {
    Guest g;
    load_loop_without_pinned(g);
    riscv::HartState s = start_with_pins(11, 22, 33);
    s.x[kT2] = 300;
    expect_like_the_interpreter(g, s);
    // Stops inside the loop (budget stubs at its header) leave sp, a0 and a1 intact.
    for (uint64_t budget : {1u, 2u, 3u, 4u, 100u, 601u, 899u, 900u, 901u, 902u})
        expect_like_the_interpreter(g, s, budget);
    auto t = make();
    riscv::HartState r = s;
    ASSERT_EQ(run_translated(r, g.memory(), 100000, *t).kind, ExitKind::Ecall);
    EXPECT_EQ(r.x[kA0], 11u + 300 * 301 / 2);
    EXPECT_EQ(r.x[kA1], 22u + 0x7000);
    EXPECT_GE(t->stats().carried_loops, 1u);
}

TEST(PinnedRegisters, AFaultInsideABorrowingLoopGivesThemBack) {
    Guest g;
    constexpr uint64_t kHole = 0x80000; // inside the limit, PROT_NONE on the host
    ASSERT_EQ(mprotect(g.base + kHole, 4096, PROT_NONE), 0);
    // t3 walks up 8 bytes at a time into the hole; the loop uses no pinned register.
    g.load(kCode,
           {ld(kT0, kT3, 0), add(kT1, kT1, kT0), addi(kT3, kT3, 8), bne(kT3, kT2, -12), kEcall});
    auto t = make();
    SegvToStubs segv(t.get());
    riscv::HartState s = start_with_pins(0xa0, 0xa1, 0xa5);
    s.x[kT3] = kHole - 64;
    s.x[kT2] = kHole + 64;
    const interp::Exit e = run_translated(s, g.memory(), 100000, *t);
    EXPECT_EQ(e.kind, ExitKind::LoadFault);
    EXPECT_EQ(e.addr, kHole);
    EXPECT_EQ(s.pc, kCode);
    EXPECT_EQ(s.x[kT3], kHole);
    EXPECT_EQ(s.x[kSp], 0x7000u);
    EXPECT_EQ(s.x[kA0], 0xa0u);
    EXPECT_EQ(s.x[kA1], 0xa1u);
    EXPECT_EQ(s.x[kA5], 0xa5u);
    EXPECT_EQ(s.instret, 8u * 4);
    EXPECT_GE(t->stats().carried_loops, 1u);
}

TEST(PinnedRegisters, AtMostFourOfX1ToX31) {
    TranslatorOptions o;
    o.pinned_regs = 1u; // x0
    EXPECT_FALSE(Translator::create(o).ok());
    o.pinned_regs = 0x1f0;
    EXPECT_FALSE(Translator::create(o).ok());
    o.pinned_regs = 0xf0;
    EXPECT_TRUE(Translator::create(o).ok());
    o.pinned_regs = 0;
    EXPECT_TRUE(Translator::create(o).ok());
}

} // namespace
} // namespace machina::dbt
