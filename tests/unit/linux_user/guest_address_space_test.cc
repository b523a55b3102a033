#include "linux_user/guest_address_space.h"

#include <sys/mman.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>

namespace machina::linux_user {
namespace {

constexpr uint64_t kLimit = uint64_t(1) << 32;
constexpr int kRw = PROT_READ | PROT_WRITE;
constexpr int kAnon = MAP_PRIVATE | MAP_ANONYMOUS;

std::unique_ptr<GuestAddressSpace> make_space() {
    auto r = GuestAddressSpace::create(kLimit);
    EXPECT_TRUE(r.ok());
    return std::move(*r);
}

TEST(GuestAddressSpace, MmapPlacesTopDown) {
    auto mm = make_space();
    mm->set_mmap_top(0x80000000);
    int64_t a = mm->mmap(0, 0x3000, kRw, kAnon, -1, 0);
    int64_t b = mm->mmap(0, 0x1000, kRw, kAnon, -1, 0);
    EXPECT_EQ(a, 0x80000000 - 0x3000);
    EXPECT_EQ(b, a - 0x1000);
    std::memset(mm->host(uint64_t(a)), 0x5a, 0x3000); // really mapped on the host
    EXPECT_TRUE(mm->check(uint64_t(b), 0x4000, kRw));
}

TEST(GuestAddressSpace, HintAndFixed) {
    auto mm = make_space();
    EXPECT_EQ(mm->mmap(0x40000000, 0x1000, kRw, kAnon, -1, 0), 0x40000000);
    // The hint is taken only when free; otherwise the allocator picks another place.
    EXPECT_NE(mm->mmap(0x40000000, 0x1000, kRw, kAnon, -1, 0), 0x40000000);
    EXPECT_EQ(mm->mmap(0x40000000, 0x2000, PROT_READ, kAnon | MAP_FIXED, -1, 0), 0x40000000);
    EXPECT_EQ(mm->mmap(0x40000000, 0x1000, kRw, kAnon | MAP_FIXED_NOREPLACE, -1, 0), -EEXIST);
    EXPECT_EQ(mm->mmap(0x40000001, 0x1000, kRw, kAnon | MAP_FIXED, -1, 0), -EINVAL);
    EXPECT_EQ(mm->mmap(kLimit - 0x1000, 0x2000, kRw, kAnon | MAP_FIXED, -1, 0), -ENOMEM);
    EXPECT_EQ(mm->mmap(0, 0, kRw, kAnon, -1, 0), -EINVAL);
}

TEST(GuestAddressSpace, MunmapSplitsAndFreesHostPages) {
    auto mm = make_space();
    ASSERT_EQ(mm->mmap(0x100000, 0x5000, kRw, kAnon | MAP_FIXED, -1, 0), 0x100000);
    mm->host(0x102000)[0] = 7;
    EXPECT_EQ(mm->munmap(0x102000, 0x1000), 0);
    EXPECT_EQ(mm->vma_count(), 2u);
    EXPECT_TRUE(mm->check(0x100000, 0x2000, kRw));
    EXPECT_FALSE(mm->check(0x102000, 0x1000, PROT_READ));
    EXPECT_TRUE(mm->check(0x103000, 0x2000, kRw));
    // Remapping the hole gives fresh zero pages.
    ASSERT_EQ(mm->mmap(0x102000, 0x1000, kRw, kAnon | MAP_FIXED, -1, 0), 0x102000);
    EXPECT_EQ(mm->host(0x102000)[0], 0);
    EXPECT_EQ(mm->vma_count(), 1u); // merged back
    EXPECT_EQ(mm->munmap(0x100001, 0x1000), -EINVAL);
}

TEST(GuestAddressSpace, MprotectSplitsAndChecksMapping) {
    auto mm = make_space();
    ASSERT_EQ(mm->mmap(0x200000, 0x3000, kRw, kAnon | MAP_FIXED, -1, 0), 0x200000);
    EXPECT_EQ(mm->mprotect(0x201000, 0x1000, PROT_READ), 0);
    EXPECT_EQ(mm->vma_count(), 3u);
    EXPECT_FALSE(mm->check(0x201000, 1, PROT_WRITE));
    EXPECT_TRUE(mm->check(0x202000, 1, PROT_WRITE));
    EXPECT_EQ(mm->find(0x201800)->prot, PROT_READ);
    EXPECT_EQ(mm->mprotect(0x202000, 0x2000, PROT_READ), -ENOMEM); // runs past the mapping
    auto maps = mm->maps_text();
    EXPECT_NE(maps.find("00201000-00202000 r--p"), std::string::npos) << maps;
}

TEST(GuestAddressSpace, BrkGrowsAndShrinks) {
    auto mm = make_space();
    mm->set_brk_start(0x500123);
    EXPECT_EQ(mm->brk(0), 0x500123u);
    EXPECT_EQ(mm->brk(0x510000), 0x510000u);
    EXPECT_TRUE(mm->check(0x501000, 0xf000, kRw));
    mm->host(0x50f000)[0] = 1;
    EXPECT_EQ(mm->brk(0x503000), 0x503000u);
    EXPECT_FALSE(mm->check(0x503000, 1, PROT_READ));
    EXPECT_NE(mm->maps_text().find("[heap]"), std::string::npos);
    // Cannot grow into an existing mapping.
    ASSERT_EQ(mm->mmap(0x600000, 0x1000, kRw, kAnon | MAP_FIXED, -1, 0), 0x600000);
    EXPECT_EQ(mm->brk(0x700000), 0x503000u);
}

TEST(GuestAddressSpace, MremapGrowsInPlaceOrMoves) {
    auto mm = make_space();
    ASSERT_EQ(mm->mmap(0x300000, 0x1000, kRw, kAnon | MAP_FIXED, -1, 0), 0x300000);
    mm->host(0x300000)[5] = 42;
    EXPECT_EQ(mm->mremap(0x300000, 0x1000, 0x3000, 0, 0), 0x300000);
    EXPECT_TRUE(mm->check(0x300000, 0x3000, kRw));
    ASSERT_EQ(mm->mmap(0x303000, 0x1000, kRw, kAnon | MAP_FIXED, -1, 0), 0x303000);
    EXPECT_EQ(mm->mremap(0x300000, 0x3000, 0x8000, 0, 0), -ENOMEM);
    int64_t moved = mm->mremap(0x300000, 0x3000, 0x8000, MREMAP_MAYMOVE, 0);
    ASSERT_GT(moved, 0);
    EXPECT_NE(moved, 0x300000);
    EXPECT_EQ(mm->host(uint64_t(moved))[5], 42);
    EXPECT_FALSE(mm->check(0x300000, 1, PROT_READ));
    EXPECT_EQ(mm->mremap(uint64_t(moved), 0x8000, 0x1000, 0, 0), moved); // shrink
    EXPECT_FALSE(mm->check(uint64_t(moved) + 0x1000, 1, PROT_READ));
}

TEST(GuestAddressSpace, FileMappingSharesHostFile) {
    auto mm = make_space();
    char name[] = "/tmp/machina_gas_test_XXXXXX";
    int fd = mkstemp(name);
    ASSERT_GE(fd, 0);
    std::string data(8192, 'q');
    data[4096] = 'Z';
    ASSERT_EQ(write(fd, data.data(), data.size()), ssize_t(data.size()));
    int64_t a = mm->mmap(0, 4096, PROT_READ, MAP_PRIVATE, fd, 4096);
    ASSERT_GT(a, 0);
    EXPECT_EQ(mm->host(uint64_t(a))[0], 'Z');
    EXPECT_NE(mm->maps_text().find(name), std::string::npos);
    EXPECT_EQ(mm->mmap(0, 4096, PROT_READ, MAP_PRIVATE, fd, 100), -EINVAL);
    close(fd);
    unlink(name);
}

TEST(GuestAddressSpace, FindFreeSkipsMappings) {
    auto mm = make_space();
    mm->set_mmap_top(0x10000000);
    ASSERT_EQ(mm->mmap(0x0ffff000, 0x1000, kRw, kAnon | MAP_FIXED, -1, 0), 0x0ffff000);
    ASSERT_EQ(mm->mmap(0x0fff0000, 0xe000, kRw, kAnon | MAP_FIXED, -1, 0), 0x0fff0000);
    // Gap of one page at 0x0fffe000; a two-page request must go below 0x0fff0000.
    EXPECT_EQ(*mm->find_free(0x1000), 0x0fffe000u);
    EXPECT_EQ(*mm->find_free(0x2000), 0x0ffee000u);
    EXPECT_EQ(*mm->find_free(0x1000, 0x100000), 0x0ff00000u);
}

} // namespace
} // namespace machina::linux_user
