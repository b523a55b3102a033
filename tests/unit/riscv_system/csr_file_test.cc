#include "target/riscv/system/csr_file.h"

#include <gtest/gtest.h>

namespace machina::riscv {
namespace {

class CsrTest : public ::testing::Test {
  protected:
    void SetUp() override { reset_privileged_state(ps, 3); }
    uint64_t rd(uint16_t n, uint64_t time = 0) {
        uint64_t v = 0xdead;
        EXPECT_EQ(csr_read(ps, hart, n, time, &v), CsrStatus::Ok) << std::hex << n;
        return v;
    }
    CsrStatus wr(uint16_t n, uint64_t v) { return csr_write(ps, hart, n, v); }
    PrivilegedState ps;
    HartState hart;
};

TEST_F(CsrTest, ResetState) {
    EXPECT_EQ(ps.priv, Priv::Machine);
    EXPECT_EQ(rd(csr::kMhartid), 3u);
    uint64_t misa = rd(csr::kMisa);
    EXPECT_EQ(misa >> 62, 2u);
    for (char c : {'I', 'M', 'A', 'F', 'D', 'C', 'S', 'U'})
        EXPECT_TRUE(misa & misa_bit(c)) << c;
    EXPECT_EQ((rd(csr::kMstatus) >> 32) & 0xf, 0b1010u) << "UXL = SXL = 64";
}

TEST_F(CsrTest, PrivilegeAndReadOnlyChecks) {
    ps.priv = Priv::Supervisor;
    uint64_t v;
    EXPECT_EQ(csr_read(ps, hart, csr::kMstatus, 0, &v), CsrStatus::Illegal);
    EXPECT_EQ(wr(csr::kSscratch, 5), CsrStatus::Ok);
    ps.priv = Priv::User;
    EXPECT_EQ(csr_read(ps, hart, csr::kSscratch, 0, &v), CsrStatus::Illegal);
    ps.priv = Priv::Machine;
    EXPECT_EQ(wr(csr::kMhartid, 1), CsrStatus::Illegal);
    EXPECT_EQ(csr_read(ps, hart, 0x7c0, 0, &v), CsrStatus::Illegal) << "unknown CSR";
    EXPECT_EQ(csr_read(ps, hart, 0x3a1, 0, &v), CsrStatus::Illegal) << "pmpcfg1 is RV32 only";
}

TEST_F(CsrTest, SstatusIsAViewOfMstatus) {
    EXPECT_EQ(wr(csr::kMstatus, mstatus::kMie | mstatus::kSie | mstatus::kSum | mstatus::kTvm),
              CsrStatus::Ok);
    uint64_t s = rd(csr::kSstatus);
    EXPECT_TRUE(s & mstatus::kSie);
    EXPECT_TRUE(s & mstatus::kSum);
    EXPECT_FALSE(s & mstatus::kMie) << "M bits are invisible in sstatus";
    EXPECT_FALSE(s & mstatus::kTvm);
    EXPECT_EQ(wr(csr::kSstatus, 0), CsrStatus::Ok);
    EXPECT_TRUE(rd(csr::kMstatus) & mstatus::kMie) << "sstatus writes keep M bits";
    EXPECT_FALSE(rd(csr::kMstatus) & mstatus::kSie);
}

TEST_F(CsrTest, MppIsWarlAndSdTracksFs) {
    wr(csr::kMstatus, 1ull << mstatus::kMppShift);
    wr(csr::kMstatus, 2ull << mstatus::kMppShift); // reserved
    EXPECT_EQ((rd(csr::kMstatus) & mstatus::kMpp) >> mstatus::kMppShift, 1u);
    wr(csr::kMstatus, mstatus::kFs);
    EXPECT_TRUE(rd(csr::kMstatus) & mstatus::kSd);
}

TEST_F(CsrTest, FpCsrsNeedFsOn) {
    uint64_t v;
    EXPECT_EQ(csr_read(ps, hart, 0x003, 0, &v), CsrStatus::Illegal);
    wr(csr::kMstatus, 1ull << mstatus::kFsShift); // Initial
    EXPECT_EQ(wr(0x002, 3), CsrStatus::Ok);
    EXPECT_EQ(hart.fcsr, 3u << kFrmShift);
    EXPECT_EQ(rd(csr::kMstatus) & mstatus::kFs, mstatus::kFs) << "a write makes FS dirty";
}

TEST_F(CsrTest, DelegationMasks) {
    wr(csr::kMedeleg, ~0ull);
    EXPECT_FALSE(rd(csr::kMedeleg) & (1ull << cause::kEcallM));
    EXPECT_TRUE(rd(csr::kMedeleg) & (1ull << cause::kLoadPageFault));
    wr(csr::kMideleg, ~0ull);
    EXPECT_EQ(rd(csr::kMideleg),
              irq::bit(irq::kSSoft) | irq::bit(irq::kSTimer) | irq::bit(irq::kSExt));
}

TEST_F(CsrTest, SieAndSipAreMaskedByMideleg) {
    wr(csr::kMie, ~0ull);
    EXPECT_EQ(rd(csr::kSie), 0u);
    wr(csr::kMideleg, irq::bit(irq::kSTimer) | irq::bit(irq::kSSoft));
    EXPECT_EQ(rd(csr::kSie), irq::bit(irq::kSTimer) | irq::bit(irq::kSSoft));
    wr(csr::kSip, ~0ull);
    EXPECT_EQ(rd(csr::kMip), irq::bit(irq::kSSoft)) << "only SSIP is writable through sip";
    ps.mip_lines = irq::bit(irq::kMTimer);
    EXPECT_TRUE(rd(csr::kMip) & irq::bit(irq::kMTimer));
    wr(csr::kMip, 0);
    EXPECT_TRUE(rd(csr::kMip) & irq::bit(irq::kMTimer)) << "device lines are read-only";
}

TEST_F(CsrTest, SatpAcceptsOnlySupportedModes) {
    uint64_t sv39 = (8ull << 60) | 0x80123;
    wr(csr::kSatp, sv39);
    EXPECT_EQ(rd(csr::kSatp), sv39);
    wr(csr::kSatp, (10ull << 60) | 1); // Sv57: unsupported, ignored
    EXPECT_EQ(rd(csr::kSatp), sv39);
    ps.priv = Priv::Supervisor;
    ps.mstatus |= mstatus::kTvm;
    uint64_t v;
    EXPECT_EQ(csr_read(ps, hart, csr::kSatp, 0, &v), CsrStatus::Illegal);
}

TEST_F(CsrTest, CountersNeedEnables) {
    hart.instret = 1234;
    EXPECT_EQ(rd(csr::kTime, 777), 777u);
    EXPECT_EQ(rd(csr::kInstret), 1234u);
    ps.priv = Priv::Supervisor;
    uint64_t v;
    EXPECT_EQ(csr_read(ps, hart, csr::kTime, 0, &v), CsrStatus::Illegal);
    ps.mcounteren = 2;
    EXPECT_EQ(csr_read(ps, hart, csr::kTime, 5, &v), CsrStatus::Ok);
    ps.priv = Priv::User;
    EXPECT_EQ(csr_read(ps, hart, csr::kTime, 0, &v), CsrStatus::Illegal);
    ps.scounteren = 2;
    EXPECT_EQ(csr_read(ps, hart, csr::kTime, 0, &v), CsrStatus::Ok);
}

TEST_F(CsrTest, SstcDrivesStip) {
    uint64_t v;
    ps.priv = Priv::Supervisor;
    EXPECT_EQ(csr_read(ps, hart, csr::kStimecmp, 0, &v), CsrStatus::Illegal) << "STCE off";
    ps.priv = Priv::Machine;
    wr(csr::kMenvcfg, 1ull << 63);
    wr(csr::kMcounteren, 2);
    ps.priv = Priv::Supervisor;
    EXPECT_EQ(csr_write(ps, hart, csr::kStimecmp, 100), CsrStatus::Ok);
    EXPECT_FALSE(ps.pending(99) & irq::bit(irq::kSTimer));
    EXPECT_TRUE(ps.pending(100) & irq::bit(irq::kSTimer));
}

TEST_F(CsrTest, TvecModesAreWarl) {
    wr(csr::kMtvec, 0x8000'0001);
    EXPECT_EQ(rd(csr::kMtvec), 0x8000'0001u);
    wr(csr::kMtvec, 0x9000'0002);
    EXPECT_EQ(rd(csr::kMtvec), 0x8000'0001u);
}

} // namespace
} // namespace machina::riscv
