// DbtCodeCache without a hart: translation keyed by virtual pc and host address, code pages
// reported to the softmmu, stores dropping a page's blocks, fence.i revalidation catching writes
// nobody reported (DMA), and blocks never crossing their page.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "accel/dbt/system/dbt_code_cache.h"

namespace machina::dbt::system {
namespace {

using frontend::FpState;

constexpr uint32_t kAddiA0 = 0x00150513; // addi a0, a0, 1
constexpr uint32_t kRet = 0x00008067;    // ret

struct Fixture {
    core::GuestMemory ram;
    std::unique_ptr<DbtCodeCache> cache;
    std::vector<uintptr_t> new_pages;

    explicit Fixture(bool background = false) {
        EXPECT_TRUE(ram.add_ram(0x8000'0000, 1u << 20, "ram").ok());
        auto c = DbtCodeCache::create(ram, 8u << 20, kSideExits, background);
        EXPECT_TRUE(c.ok());
        cache = std::move(*c);
        cache->on_new_code_page = [this](uintptr_t page) { new_pages.push_back(page); };
    }
    uint8_t* host(uint64_t pa) { return ram.host_ptr(pa, 4); }
    /// Background translation: puts `addi a0, a0, 1; ret` at 0x8000'1000 and asks for its
    /// block at virtual 0xffff'0000. Returns the block's code key.
    uint64_t request_addi_ret() {
        put(0x8000'1000, kAddiA0);
        put(0x8000'1004, kRet);
        cache->request(0xffff'0000, host(0x8000'1000), FpState::Off);
        return make_code_key(uintptr_t(host(0x8000'1000)), FpState::Off);
    }
    /// Writes RAM as a device does: through a host pointer, then GuestMemory::note_outside_write().
    void put(uint64_t pa, uint32_t insn) {
        std::memcpy(host(pa), &insn, 4);
        ram.note_outside_write();
    }
};

TEST(DbtCodeCache, TranslatesAndTracksCodePages) {
    Fixture f;
    f.put(0x8000'1000, kAddiA0);
    f.put(0x8000'1004, kRet);
    // A TLB fill asks before it grants write permission: the page may be writable in a TLB.
    EXPECT_FALSE(f.cache->is_code(f.host(0x8000'1000)));
    const DbtBlock* b = nullptr;
    ASSERT_EQ(f.cache->translate(0xffff'0000, f.host(0x8000'1000), FpState::Off, &b),
              DbtCodeCache::Status::Ok);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->guest_insns, 2u);
    const uint64_t key = make_code_key(uintptr_t(f.host(0x8000'1000)), FpState::Off);
    EXPECT_EQ(b->code_key, key);
    EXPECT_EQ(f.cache->entry(0xffff'0000, key).block, b);
    EXPECT_EQ(f.new_pages, (std::vector<uintptr_t>{uintptr_t(f.host(0x8000'1000))}));
    EXPECT_TRUE(f.cache->is_code(f.host(0x8000'1ff0)));
    EXPECT_FALSE(f.cache->is_code(f.host(0x8000'2000)));

    // A store to the page drops its blocks and its code bit.
    f.cache->code_written(f.host(0x8000'1004), 4);
    EXPECT_EQ(f.cache->entry(0xffff'0000, key).block, nullptr);
    EXPECT_FALSE(f.cache->is_code(f.host(0x8000'1000)));
    EXPECT_EQ(f.cache->invalidations(), 1u);
}

TEST(DbtCodeCache, ScansTlbsOnlyForPagesATlbMayHoldWritable) {
    Fixture f;
    f.put(0x8000'1000, kRet);
    f.put(0x8000'2000, kRet);
    const DbtBlock* b = nullptr;
    // Nobody asked about 0x8000'1000: no TLB can hold it writable, nothing to scan.
    ASSERT_EQ(f.cache->translate(0x1000, f.host(0x8000'1000), FpState::Off, &b),
              DbtCodeCache::Status::Ok);
    EXPECT_TRUE(f.new_pages.empty());
    EXPECT_EQ(f.cache->stats().new_code_pages, 1u);
    EXPECT_EQ(f.cache->stats().tlb_scans, 0u);
    // A store drops the page; a TLB then asks about it (and may enter it writable).
    f.cache->code_written(f.host(0x8000'1000), 4);
    EXPECT_FALSE(f.cache->is_code(f.host(0x8000'1000)));
    ASSERT_EQ(f.cache->translate(0x1000, f.host(0x8000'1000), FpState::Off, &b),
              DbtCodeCache::Status::Ok);
    EXPECT_EQ(f.new_pages, (std::vector<uintptr_t>{uintptr_t(f.host(0x8000'1000))}));
    // Once scanned, the page counts as not writable anywhere until asked about again.
    f.cache->flush();
    ASSERT_EQ(f.cache->translate(0x1000, f.host(0x8000'1000), FpState::Off, &b),
              DbtCodeCache::Status::Ok);
    EXPECT_EQ(f.new_pages.size(), 1u);
    EXPECT_EQ(f.cache->stats().tlb_scans, 1u);
    EXPECT_EQ(f.cache->stats().new_code_pages, 3u);
}

TEST(DbtCodeCache, RevalidationDropsPagesChangedBehindItsBack) {
    Fixture f;
    f.put(0x8000'3000, kAddiA0);
    f.put(0x8000'3004, kRet);
    f.put(0x8000'5000, kRet);
    const DbtBlock* a = nullptr;
    const DbtBlock* b = nullptr;
    ASSERT_EQ(f.cache->translate(0x1000, f.host(0x8000'3000), FpState::Off, &a),
              DbtCodeCache::Status::Ok);
    ASSERT_EQ(f.cache->translate(0x2000, f.host(0x8000'5000), FpState::Off, &b),
              DbtCodeCache::Status::Ok);
    const uint64_t ka = a->code_key, kb = b->code_key;
    f.cache->revalidate();
    EXPECT_NE(f.cache->entry(0x1000, ka).block, nullptr) << "nothing changed";
    const uint64_t compared = f.cache->stats().page_comparisons;
    f.cache->revalidate();
    EXPECT_EQ(f.cache->stats().page_comparisons, compared)
        << "no write from outside the harts since the last look: nothing to compare";
    f.put(0x8000'3ffc, kRet); // a device writes bytes no block was translated from
    f.cache->revalidate();
    EXPECT_NE(f.cache->entry(0x1000, ka).block, nullptr);
    f.put(0x8000'3004, kAddiA0); // and now the block's own bytes
    f.cache->revalidate();
    EXPECT_EQ(f.cache->entry(0x1000, ka).block, nullptr);
    EXPECT_NE(f.cache->entry(0x2000, kb).block, nullptr);
    EXPECT_EQ(f.cache->stats().stale_pages, 1u);
}

TEST(DbtCodeCache, BlocksStopAtTheirPageEnd) {
    Fixture f;
    for (uint64_t a = 0x8000'6ff0; a < 0x8000'7010; a += 4)
        f.put(a, kAddiA0);
    const DbtBlock* b = nullptr;
    ASSERT_EQ(f.cache->translate(0x3ff0, f.host(0x8000'6ff0), FpState::Off, &b),
              DbtCodeCache::Status::Ok);
    EXPECT_EQ(b->guest_insns, 4u) << "0x3ff0..0x3ffc, then the next page";
}

TEST(DbtCodeCache, InstructionStraddlingThePageEndIsTranslatedWhenTheNextPageIsKnown) {
    Fixture f;
    // c.nop at 0xffc, then `sd a2, -16(s6)` (upper half 0xfecb) across the page end.
    const uint16_t nop = 0x0001;
    const uint32_t sd = 0xfecb3823;
    std::memcpy(f.host(0x8000'8ffc), &nop, 2);
    std::memcpy(f.host(0x8000'8ffe), &sd, 2);
    const uint16_t upper = uint16_t(sd >> 16);
    std::memcpy(f.host(0x8000'9000), &upper, 2);
    const DbtBlock* b = nullptr;
    ASSERT_EQ(
        f.cache->translate(0x7ffc, f.host(0x8000'8ffc), FpState::Off, &b, f.host(0x8000'9000)),
        DbtCodeCache::Status::Ok);
    EXPECT_EQ(b->guest_insns, 2u);
    // The same block start at the page end itself (a block of just that instruction).
    ASSERT_EQ(
        f.cache->translate(0x7ffe, f.host(0x8000'8ffe), FpState::Off, &b, f.host(0x8000'9000)),
        DbtCodeCache::Status::Ok);
    EXPECT_EQ(b->guest_insns, 1u);
}

/// Installs what the background thread finished, waiting for it (at most 5 s).
bool install_when_finished(DbtCodeCache& cache) {
    for (int i = 0; i < 5000 && !cache.has_finished(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_TRUE(cache.has_finished()) << "the background thread never finished";
    return cache.install_finished();
}

TEST(DbtCodeCacheBackground, RequestMarksTheCodePageAndInstallEntersTheBlock) {
    Fixture f(true);
    ASSERT_TRUE(f.cache->background());
    f.put(0x8000'1000, kAddiA0);
    f.put(0x8000'1004, kRet);
    EXPECT_FALSE(f.cache->is_code(f.host(0x8000'1000)));
    const uint64_t key = make_code_key(uintptr_t(f.host(0x8000'1000)), FpState::Off);
    f.cache->request(0xffff'0000, f.host(0x8000'1000), FpState::Off);
    // From the request on, a store to the page must take the slow path (and drop it).
    EXPECT_TRUE(f.cache->is_code(f.host(0x8000'1000)));
    EXPECT_EQ(f.new_pages, (std::vector<uintptr_t>{uintptr_t(f.host(0x8000'1000))}));
    EXPECT_TRUE(f.cache->entry(0xffff'0000, key).pending);
    EXPECT_FALSE(install_when_finished(*f.cache));
    const DbtCodeCache::Entry& e = f.cache->entry(0xffff'0000, key);
    EXPECT_FALSE(e.pending);
    ASSERT_NE(e.block, nullptr);
    EXPECT_EQ(e.block->guest_insns, 2u);
    EXPECT_EQ(e.block->code_key, key);
    EXPECT_EQ(f.cache->stats().blocks, 1u);
    EXPECT_EQ(f.cache->stats().background_requests, 1u);
    // Installed blocks belong to their page like inline ones: a store drops them.
    f.cache->code_written(f.host(0x8000'1004), 4);
    EXPECT_EQ(f.cache->entry(0xffff'0000, key).block, nullptr);
}

TEST(DbtCodeCacheBackground, StoreToThePageBeforeInstallDiscardsTheBlock) {
    Fixture f(true);
    const uint64_t key = f.request_addi_ret();
    // The hart stores to the page while the block is being translated: what the thread read
    // may be old, so the result must not be entered, even once the page holds code again.
    f.cache->code_written(f.host(0x8000'1004), 4);
    f.put(0x8000'1100, kRet);
    f.cache->request(0xffff'0100, f.host(0x8000'1100), FpState::Off); // a new page record
    while (f.cache->stats().blocks + f.cache->stats().stale_translations < 2)
        install_when_finished(*f.cache);
    const DbtCodeCache::Entry& e = f.cache->entry(0xffff'0000, key);
    EXPECT_EQ(e.block, nullptr);
    EXPECT_FALSE(e.pending) << "asked for again on a later visit";
    EXPECT_FALSE(e.never);
    EXPECT_EQ(f.cache->stats().stale_translations, 1u);
    const uint64_t key2 = make_code_key(uintptr_t(f.host(0x8000'1100)), FpState::Off);
    EXPECT_NE(f.cache->entry(0xffff'0100, key2).block, nullptr);
}

TEST(DbtCodeCacheBackground, OutsideWriteBeforeInstallIsCaughtByRevalidation) {
    Fixture f(true);
    const uint64_t key = f.request_addi_ret();
    // A device rewrites the code (the thread may have read either version) and the guest
    // runs fence.i before the block is installed: it must not be.
    f.put(0x8000'1000, kRet);
    f.cache->revalidate();
    install_when_finished(*f.cache);
    EXPECT_EQ(f.cache->entry(0xffff'0000, key).block, nullptr);
    EXPECT_EQ(f.cache->stats().stale_translations, 1u);
}

TEST(DbtCodeCacheBackground, FlushDropsRequestsInFlight) {
    Fixture f(true);
    for (uint64_t off = 0; off < 0x800; off += 8) {
        f.put(0x8000'1000 + off, kAddiA0);
        f.put(0x8000'1004 + off, kRet);
    }
    for (uint64_t off = 0; off < 0x800; off += 8)
        f.cache->request(0xffff'0000 + off, f.host(0x8000'1000 + off), FpState::Off);
    f.cache->flush(); // waits for the thread; nothing it made survives
    EXPECT_FALSE(f.cache->has_finished());
    EXPECT_EQ(f.cache->stats().blocks, 0u);
    const uint64_t key = make_code_key(uintptr_t(f.host(0x8000'1000)), FpState::Off);
    EXPECT_EQ(f.cache->entry(0xffff'0000, key).block, nullptr);
    EXPECT_FALSE(f.cache->entry(0xffff'0000, key).pending);
    // And the cache works on afterwards.
    f.cache->request(0xffff'0000, f.host(0x8000'1000), FpState::Off);
    install_when_finished(*f.cache);
    EXPECT_NE(f.cache->entry(0xffff'0000, key).block, nullptr);
}

TEST(DbtCodeCacheBackground, CodeOutsideRamIsNeverTranslated) {
    Fixture f(true);
    uint8_t outside[8] = {};
    f.cache->request(0x1000, outside, FpState::Off);
    const uint64_t key = make_code_key(uintptr_t(outside), FpState::Off);
    EXPECT_TRUE(f.cache->entry(0x1000, key).never);
    EXPECT_FALSE(f.cache->entry(0x1000, key).pending);
}

} // namespace
} // namespace machina::dbt::system
