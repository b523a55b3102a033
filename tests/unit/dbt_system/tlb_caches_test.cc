// The translator's caches derived from the softmmu TLB follow its flushes: a single-page flush
// drops that page only, a full flush (or several page flushes at once) drops everything, and
// generations never let an old entry come back.
#include <gtest/gtest.h>

#include <memory>

#include "accel/dbt/system/dbt_code_tlb.h"
#include "accel/dbt/system/dbt_victim_tlb.h"

namespace machina::dbt::system {
namespace {

constexpr TlbRegime kS = TlbRegime::Supervisor;

TEST(DbtCodeTlb, FollowsPageAndFullFlushes) {
    auto tlb = std::make_unique<SoftTlb>();
    auto code = std::make_unique<DbtCodeTlb>();
    code->sync(*tlb);
    code->fill(kS, 0x4000'1000, 0x7000'0000);
    code->fill(kS, 0x4000'2000, 0x7000'5000);
    EXPECT_EQ(code->lookup(kS, 0x4000'1010), 0x7000'0010u);
    EXPECT_EQ(code->lookup(TlbRegime::User, 0x4000'1010), 0u) << "regimes are separate";
    tlb->flush_page(0x4000'1abc);
    code->sync(*tlb);
    EXPECT_EQ(code->lookup(kS, 0x4000'1010), 0u);
    EXPECT_EQ(code->lookup(kS, 0x4000'2010), 0x7000'5010u) << "other pages stay";
    tlb->flush_all();
    code->sync(*tlb);
    EXPECT_EQ(code->lookup(kS, 0x4000'2010), 0u);
    code->fill(kS, 0x4000'3000, 0x7000'9000);
    tlb->flush_page(0x1000);
    tlb->flush_page(0x2000); // two since the last look: everything goes
    code->sync(*tlb);
    EXPECT_EQ(code->lookup(kS, 0x4000'3000), 0u);
}

TEST(DbtCodeTlb, GenerationWrapNeverRevivesOldEntries) {
    auto tlb = std::make_unique<SoftTlb>();
    auto code = std::make_unique<DbtCodeTlb>();
    code->sync(*tlb);
    code->fill(kS, 0x8000, 0x9000);
    for (int i = 0; i < 5000; ++i) {
        tlb->flush_all();
        code->sync(*tlb);
        ASSERT_EQ(code->lookup(kS, 0x8000), 0u) << "after " << i + 1 << " flushes";
    }
}

/// Gives the slot of `vaddr` read and write tags for host page `host`, as the softmmu does.
void fill_writable(SoftTlb& tlb, TlbRegime regime, uint64_t vaddr, uintptr_t host) {
    TlbEntry& e = tlb.slot(regime, vaddr);
    e.read_tag = e.write_tag = vaddr & ~SoftTlb::kPageMask;
    e.addend = host - (vaddr & ~SoftTlb::kPageMask);
    tlb.note_fill(regime, vaddr, true);
}

TEST(SoftTlb, DropWritesToACodePageFindsEveryMappingOfIt) {
    auto tlb = std::make_unique<SoftTlb>();
    const uintptr_t code = 0x7000'0000, data = 0x7000'1000;
    fill_writable(*tlb, kS, 0x4000'1000, code);
    fill_writable(*tlb, TlbRegime::User, 0x1000, code); // the same page at another address
    fill_writable(*tlb, kS, 0x4000'2000, data);
    // Far more refills than slots: the log is rebuilt on the way and still finds them.
    for (uint64_t i = 0; i < 3 * SoftTlb::kRegimes * SoftTlb::kEntries; ++i)
        fill_writable(*tlb, TlbRegime::Machine, i << SoftTlb::kPageBits, 0x9000'0000);
    EXPECT_LE(tlb->writable_slots.size(), 2u * SoftTlb::kRegimes * SoftTlb::kEntries);
    tlb->drop_writes_to_host_page(code);
    EXPECT_EQ(tlb->slot(kS, 0x4000'1000).write_tag, TlbEntry::kInvalidTag);
    EXPECT_EQ(tlb->slot(TlbRegime::User, 0x1000).write_tag, TlbEntry::kInvalidTag);
    EXPECT_EQ(tlb->slot(kS, 0x4000'1000).read_tag, 0x4000'1000u) << "loads still hit";
    EXPECT_EQ(tlb->slot(kS, 0x4000'2000).write_tag, 0x4000'2000u) << "other pages keep it";
    tlb->flush_all();
    EXPECT_TRUE(tlb->writable_slots.empty());
    EXPECT_EQ(tlb->slot(kS, 0x4000'2000).read_tag, TlbEntry::kInvalidTag);
    EXPECT_EQ(tlb->slot(TlbRegime::Machine, 5 << SoftTlb::kPageBits).read_tag,
              TlbEntry::kInvalidTag)
        << "the fill log overflowed: the flush resets every slot";
}

TEST(SoftTlb, FullFlushResetsTheSlotsFilledSinceTheLastOne) {
    auto tlb = std::make_unique<SoftTlb>();
    fill_writable(*tlb, kS, 0x4000'1000, 0x7000'0000);
    fill_writable(*tlb, TlbRegime::User, 0x2000, 0x7000'1000);
    EXPECT_FALSE(tlb->fill_log_overflow);
    tlb->flush_all();
    EXPECT_EQ(tlb->slot(kS, 0x4000'1000).read_tag, TlbEntry::kInvalidTag);
    EXPECT_EQ(tlb->slot(TlbRegime::User, 0x2000).write_tag, TlbEntry::kInvalidTag);
    EXPECT_TRUE(tlb->filled_slots.empty());
}

TEST(DbtVictimTlb, StashesAndForgetsOnFlush) {
    auto tlb = std::make_unique<SoftTlb>();
    auto victim = std::make_unique<DbtVictimTlb>();
    victim->sync(*tlb);
    TlbEntry e;
    e.read_tag = 0x5000;
    e.addend = 0x1234000;
    victim->stash(kS, e);
    victim->stash(kS, TlbEntry{}); // invalid entries are not kept
    ASSERT_NE(victim->find(kS, 0x5008), nullptr);
    EXPECT_EQ(victim->find(kS, 0x5008)->addend, 0x1234000u);
    EXPECT_EQ(victim->find(TlbRegime::User, 0x5008), nullptr);
    tlb->flush_page(0x6000);
    victim->sync(*tlb);
    EXPECT_NE(victim->find(kS, 0x5008), nullptr) << "another page was flushed";
    tlb->flush_page(0x5000);
    victim->sync(*tlb);
    EXPECT_EQ(victim->find(kS, 0x5008), nullptr);
    victim->stash(kS, e);
    tlb->flush_all();
    victim->sync(*tlb);
    EXPECT_EQ(victim->find(kS, 0x5008), nullptr);
}

} // namespace
} // namespace machina::dbt::system
