// Zba, Zbb, Zbs.
#include "isa/sandbox.h"

namespace machina::isa_test {
namespace {

struct BitCase {
    const char* insn; ///< operates on a1, a2 into a0
    uint64_t a1;
    uint64_t a2;
    uint64_t expect;
};

class BitManip : public ::testing::TestWithParam<BitCase> {};

TEST_P(BitManip, Computes) {
    const BitCase& c = GetParam();
    Sandbox sb;
    sb.x(riscv::kA1) = c.a1;
    sb.x(riscv::kA2) = c.a2;
    RUN_TO_ECALL(sb, std::string(c.insn) + "\necall");
    EXPECT_EQ(sb.x(riscv::kA0), c.expect)
        << c.insn << " a1=0x" << std::hex << c.a1 << " a2=0x" << c.a2;
}

constexpr uint64_t kNeg = 0xffffffff80000001ull;

INSTANTIATE_TEST_SUITE_P(Zba, BitManip,
                         ::testing::Values(BitCase{"add.uw a0, a1, a2", kNeg, 1, 0x80000002ull},
                                           BitCase{"sh1add a0, a1, a2", 3, 100, 106},
                                           BitCase{"sh2add a0, a1, a2", 3, 100, 112},
                                           BitCase{"sh3add a0, a1, a2", 3, 100, 124},
                                           BitCase{"sh1add.uw a0, a1, a2", kNeg, 0, 0x100000002ull},
                                           BitCase{"sh2add.uw a0, a1, a2", kNeg, 1, 0x200000005ull},
                                           BitCase{"sh3add.uw a0, a1, a2", kNeg, 0, 0x400000008ull},
                                           BitCase{"slli.uw a0, a1, 4", kNeg, 0, 0x800000010ull},
                                           BitCase{"zext.w a0, a1", kNeg, 0, 0x80000001ull}));

INSTANTIATE_TEST_SUITE_P(
    Zbb, BitManip,
    ::testing::Values(
        BitCase{"andn a0, a1, a2", 0xff, 0x0f, 0xf0},
        BitCase{"orn a0, a1, a2", 0xf0, ~0xfull, 0xff},
        BitCase{"xnor a0, a1, a2", 0xff, 0x0f, ~uint64_t(0xf0)}, BitCase{"clz a0, a1", 0, 0, 64},
        BitCase{"clz a0, a1", 1, 0, 63}, BitCase{"clz a0, a1", ~uint64_t(0), 0, 0},
        BitCase{"ctz a0, a1", 0, 0, 64}, BitCase{"ctz a0, a1", 0x80, 0, 7},
        BitCase{"cpop a0, a1", 0xf0f0f0f0f0f0f0f0ull, 0, 32},
        BitCase{"clzw a0, a1", 0xffffffff00000000ull, 0, 32},
        BitCase{"clzw a0, a1", 0x00010000, 0, 15}, BitCase{"ctzw a0, a1", 0x100000000ull, 0, 32},
        BitCase{"cpopw a0, a1", ~uint64_t(0), 0, 32}, BitCase{"max a0, a1, a2", uint64_t(-1), 1, 1},
        BitCase{"maxu a0, a1, a2", uint64_t(-1), 1, uint64_t(-1)},
        BitCase{"min a0, a1, a2", uint64_t(-1), 1, uint64_t(-1)},
        BitCase{"minu a0, a1, a2", uint64_t(-1), 1, 1},
        BitCase{"sext.b a0, a1", 0x180, 0, 0xffffffffffffff80ull},
        BitCase{"sext.h a0, a1", 0x18000, 0, 0xffffffffffff8000ull},
        BitCase{"zext.h a0, a1", 0xffffffffffff8001ull, 0, 0x8001},
        BitCase{"rol a0, a1, a2", 0x8000000000000001ull, 65, 3},
        BitCase{"ror a0, a1, a2", 3, 1, 0x8000000000000001ull}, BitCase{"rori a0, a1, 63", 1, 0, 2},
        BitCase{"rolw a0, a1, a2", 0x80000001ull, 1, 3},
        BitCase{"rorw a0, a1, a2", 1, 1, 0xffffffff80000000ull},
        BitCase{"roriw a0, a1, 4", 0xffffffff0000001full, 0, 0xfffffffff0000001ull},
        BitCase{"orc.b a0, a1", 0x0001000080000300ull, 0, 0x00ff0000ff00ff00ull},
        BitCase{"rev8 a0, a1", 0x0102030405060708ull, 0, 0x0807060504030201ull}));

INSTANTIATE_TEST_SUITE_P(
    Zbs, BitManip,
    ::testing::Values(BitCase{"bset a0, a1, a2", 0, 64 + 63, 0x8000000000000000ull},
                      BitCase{"bseti a0, a1, 5", 1, 0, 0x21},
                      BitCase{"bclr a0, a1, a2", ~uint64_t(0), 63, 0x7fffffffffffffffull},
                      BitCase{"bclri a0, a1, 0", 3, 0, 2},
                      BitCase{"binv a0, a1, a2", 0, 32, 0x100000000ull},
                      BitCase{"binvi a0, a1, 1", 3, 0, 1},
                      BitCase{"bext a0, a1, a2", 0x100000000ull, 32, 1},
                      BitCase{"bexti a0, a1, 31", 0x7fffffffull, 0, 0}));

} // namespace
} // namespace machina::isa_test
