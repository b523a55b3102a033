#include "target/riscv/system/mmu.h"

#include <gtest/gtest.h>

#include <map>

#include "target/riscv/system/csr_file.h"

namespace machina::riscv {
namespace {

constexpr uint64_t V = 1, R = 2, W = 4, X = 8, U = 16, A = 64, D = 128;

/// Physical memory as a sparse map of PTEs; addresses >= 1 TiB are "not RAM".
class FakePtes : public PhysicalPteAccess {
  public:
    bool load_pte(uint64_t pa, uint64_t* pte) override {
        if (pa >= (1ull << 40)) return false;
        *pte = m[pa];
        return true;
    }
    bool cas_pte(uint64_t pa, uint64_t expected, uint64_t desired) override {
        if (m[pa] != expected) return false;
        m[pa] = desired;
        return true;
    }
    std::map<uint64_t, uint64_t> m;
};

uint64_t pte(uint64_t pa, uint64_t flags) {
    return ((pa >> 12) << 10) | flags;
}

class MmuTest : public ::testing::Test {
  protected:
    void SetUp() override {
        reset_privileged_state(ps, 0);
        ps.priv = Priv::Supervisor;
        ps.satp = (8ull << 60) | (kRoot >> 12); // Sv39
        // 0x4000_1000 -> 0x8020_3000 through a 4 KiB page; 0xc000_0000 is a 1 GiB superpage.
        mem.m[kRoot + 1 * 8] = pte(kL1, V);
        mem.m[kL1 + 0 * 8] = pte(kL0, V);
        mem.m[kL0 + 1 * 8] = pte(0x8020'3000, V | R | W | X | A | D);
        mem.m[kL0 + 2 * 8] = pte(0x8020'4000, V | R | U);           // user read-only, A clear
        mem.m[kL0 + 3 * 8] = pte(0x8020'5000, V | X);               // execute-only
        mem.m[kRoot + 3 * 8] = pte(0x8000'0000, V | R | W | A | D); // gigapage
        mem.m[kRoot + 4 * 8] = pte(0x8020'0000, V | R | A);         // misaligned gigapage
    }
    static constexpr uint64_t kRoot = 0x9000'0000, kL1 = 0x9000'1000, kL0 = 0x9000'2000;
    PrivilegedState ps;
    FakePtes mem;
};

TEST_F(MmuTest, BareAndMachineModeAreIdentity) {
    ps.priv = Priv::Machine;
    auto t = translate(ps, 0x1234'5678, AccessType::Load, mem);
    EXPECT_TRUE(t.ok);
    EXPECT_EQ(t.paddr, 0x1234'5678u);
    ps.priv = Priv::Supervisor;
    ps.satp = 0;
    EXPECT_EQ(translate(ps, 0x42, AccessType::Fetch, mem).paddr, 0x42u);
}

TEST_F(MmuTest, FourKilobytePage) {
    auto t = translate(ps, 0x4000'1abc, AccessType::Store, mem);
    ASSERT_TRUE(t.ok);
    EXPECT_EQ(t.paddr, 0x8020'3abcu);
    EXPECT_EQ(t.page_size, 4096u);
    EXPECT_TRUE(t.writable);
}

TEST_F(MmuTest, Gigapage) {
    auto t = translate(ps, 0xc123'4567, AccessType::Load, mem);
    ASSERT_TRUE(t.ok);
    EXPECT_EQ(t.paddr, 0x8123'4567u);
    EXPECT_EQ(t.page_size, 1ull << 30);
}

TEST_F(MmuTest, MisalignedSuperpageFaults) {
    auto t = translate(ps, 0x1'0000'0000, AccessType::Load, mem);
    EXPECT_FALSE(t.ok);
    EXPECT_EQ(t.fault_cause, cause::kLoadPageFault);
}

TEST_F(MmuTest, PermissionFaultsCarryTheRightCause) {
    EXPECT_EQ(translate(ps, 0x4000'2000, AccessType::Store, mem).fault_cause,
              cause::kStorePageFault);
    EXPECT_EQ(translate(ps, 0x4000'2000, AccessType::Load, mem).fault_cause, cause::kLoadPageFault)
        << "S touching a U page without SUM";
    ps.mstatus |= mstatus::kSum;
    EXPECT_TRUE(translate(ps, 0x4000'2000, AccessType::Load, mem).ok);
    EXPECT_EQ(translate(ps, 0x4000'3000, AccessType::Load, mem).fault_cause, cause::kLoadPageFault);
    ps.mstatus |= mstatus::kMxr;
    EXPECT_TRUE(translate(ps, 0x4000'3000, AccessType::Load, mem).ok) << "MXR reads execute-only";
    EXPECT_EQ(translate(ps, 0x4000'9000, AccessType::Fetch, mem).fault_cause, cause::kInsnPageFault)
        << "invalid PTE";
    ps.priv = Priv::User;
    EXPECT_EQ(translate(ps, 0x4000'1000, AccessType::Load, mem).fault_cause, cause::kLoadPageFault)
        << "U touching an S page";
}

TEST_F(MmuTest, SetsAccessedAndDirty) {
    ps.mstatus |= mstatus::kSum;
    ASSERT_TRUE(translate(ps, 0x4000'2000, AccessType::Load, mem).ok);
    EXPECT_TRUE(mem.m[kL0 + 2 * 8] & A);
    EXPECT_FALSE(mem.m[kL0 + 2 * 8] & D);
    mem.m[kL0 + 1 * 8] &= ~D;
    auto t = translate(ps, 0x4000'1000, AccessType::Load, mem);
    EXPECT_FALSE(t.writable) << "a store must walk again to set D";
    ASSERT_TRUE(translate(ps, 0x4000'1000, AccessType::Store, mem).ok);
    EXPECT_TRUE(mem.m[kL0 + 1 * 8] & D);
}

TEST_F(MmuTest, NonCanonicalAddressFaults) {
    EXPECT_EQ(translate(ps, 0x0000'0040'0000'0000ull, AccessType::Load, mem).fault_cause,
              cause::kLoadPageFault);
}

TEST_F(MmuTest, MprvUsesMppForData) {
    ps.priv = Priv::Machine;
    ps.mstatus |= mstatus::kMprv | (1ull << mstatus::kMppShift);
    EXPECT_EQ(translate(ps, 0x4000'1abc, AccessType::Load, mem).paddr, 0x8020'3abcu);
    EXPECT_EQ(translate(ps, 0x4000'1abc, AccessType::Fetch, mem).paddr, 0x4000'1abcu)
        << "fetches ignore MPRV";
}

TEST_F(MmuTest, PteOutsideRamIsAnAccessFault) {
    ps.satp = (8ull << 60) | ((1ull << 41) >> 12);
    EXPECT_EQ(translate(ps, 0x1000, AccessType::Store, mem).fault_cause, cause::kStoreAccessFault);
}

TEST_F(MmuTest, Sv48FourLevels) {
    ps.satp = (9ull << 60) | (0xa000'0000 >> 12);
    mem.m[0xa000'0000 + 1 * 8] = pte(kRoot, V); // VA bits 47:39 = 1
    auto t = translate(ps, (1ull << 39) | 0x4000'1004, AccessType::Load, mem);
    ASSERT_TRUE(t.ok);
    EXPECT_EQ(t.paddr, 0x8020'3004u);
}

} // namespace
} // namespace machina::riscv
