#include "linux_user/riscv64/signal_frame.h"

#include <gtest/gtest.h>

#include <vector>

#include "base/endian.h"

namespace machina::linux_user::riscv64 {
namespace {

TEST(SignalFrame, LayoutMatchesKernelOffsets) {
    riscv::HartState s;
    s.pc = 0x1234;
    for (unsigned i = 1; i < 32; ++i)
        s.x[i] = 0x1000 + i;
    for (unsigned i = 0; i < 32; ++i)
        s.f[i] = 0xf000 + i;
    s.fcsr = 0xe3;
    uint8_t info[kSiginfoSize] = {};
    info[0] = 11; // si_signo
    TargetStack ss{0x7000, kSsDisable, 0, 0x2000};
    std::vector<uint8_t> frame(kRtSigframeSize, 0xcc);
    write_rt_sigframe(frame.data(), s, info, 0x5555, ss);
    const uint8_t* uc = frame.data() + 128;
    EXPECT_EQ(frame[0], 11);
    EXPECT_EQ(load_le<uint64_t>(uc + 16), 0x7000u);           // uc_stack.ss_sp
    EXPECT_EQ(load_le<uint64_t>(uc + 32), 0x2000u);           // uc_stack.ss_size
    EXPECT_EQ(load_le<uint64_t>(uc + 40), 0x5555u);           // uc_sigmask
    EXPECT_EQ(load_le<uint64_t>(uc + 176), 0x1234u);          // sc_regs.pc
    EXPECT_EQ(load_le<uint64_t>(uc + 176 + 8), 0x1001u);      // ra
    EXPECT_EQ(load_le<uint64_t>(uc + 176 + 10 * 8), 0x100au); // a0
    EXPECT_EQ(load_le<uint64_t>(uc + 432), 0xf000u);          // f0
    EXPECT_EQ(load_le<uint32_t>(uc + 688), 0xe3u);            // fcsr
    EXPECT_EQ(kRtSigframeSize, 1088u);

    riscv::HartState r;
    auto back = read_rt_sigframe(frame.data(), r);
    EXPECT_EQ(back.mask, 0x5555u);
    EXPECT_EQ(back.altstack.ss_sp, 0x7000u);
    EXPECT_EQ(r.pc, s.pc);
    for (unsigned i = 0; i < 32; ++i) {
        EXPECT_EQ(r.x[i], s.x[i]);
        EXPECT_EQ(r.f[i], s.f[i]);
    }
    EXPECT_EQ(r.fcsr, s.fcsr);
}

} // namespace
} // namespace machina::linux_user::riscv64
