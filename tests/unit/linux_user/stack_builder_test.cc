#include "linux_user/stack_builder.h"

#include <sys/mman.h>

#include <gtest/gtest.h>

#include "base/endian.h"
#include "linux_user/riscv64/target_structs.h"

namespace machina::linux_user {
namespace {

TEST(StackBuilder, LayoutMatchesKernel) {
    auto mm = std::move(*GuestAddressSpace::create(uint64_t(1) << 32));
    constexpr uint64_t kTop = 0x80000000, kSize = 0x100000;
    ASSERT_EQ(mm->mmap(kTop - kSize, kSize, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
              int64_t(kTop - kSize));
    StackInput in;
    in.argv = {"prog", "a1", ""};
    in.envp = {"A=1", "B=two"};
    in.execfn = "/bin/prog";
    for (int i = 0; i < 16; ++i)
        in.random[i] = uint8_t(i + 1);
    in.auxv = {{riscv64::kAtPagesz, 4096}, {riscv64::kAtEntry, 0x10078}};
    auto layout = build_stack(*mm, kTop, kTop - kSize, in);
    ASSERT_TRUE(layout.ok()) << layout.error().message;
    uint64_t sp = layout->sp;
    EXPECT_EQ(sp % 16, 0u);
    auto u64 = [&](uint64_t a) { return load_le<uint64_t>(mm->host(a)); };
    auto str = [&](uint64_t a) { return std::string(reinterpret_cast<char*>(mm->host(a))); };
    EXPECT_EQ(u64(sp), 3u);
    EXPECT_EQ(layout->argv, sp + 8);
    EXPECT_EQ(str(u64(sp + 8)), "prog");
    EXPECT_EQ(str(u64(sp + 16)), "a1");
    EXPECT_EQ(str(u64(sp + 24)), "");
    EXPECT_EQ(u64(sp + 32), 0u);
    EXPECT_EQ(layout->envp, sp + 40);
    EXPECT_EQ(str(u64(sp + 40)), "A=1");
    EXPECT_EQ(str(u64(sp + 48)), "B=two");
    EXPECT_EQ(u64(sp + 56), 0u);
    EXPECT_EQ(layout->auxv, sp + 64);
    // Strings sit above the tables, below the top; argv strings below envp strings.
    EXPECT_LT(u64(sp + 8), u64(sp + 40));
    EXPECT_LT(u64(sp + 48), kTop);
    // Walk the auxv.
    std::map<uint64_t, uint64_t> aux;
    uint64_t a = layout->auxv;
    for (;; a += 16) {
        if (u64(a) == riscv64::kAtNull) break;
        aux[u64(a)] = u64(a + 8);
    }
    EXPECT_EQ(a + 16 - layout->auxv, layout->auxv_bytes);
    EXPECT_EQ(aux[riscv64::kAtPagesz], 4096u);
    EXPECT_EQ(aux[riscv64::kAtEntry], 0x10078u);
    EXPECT_EQ(str(aux[riscv64::kAtExecfn]), "/bin/prog");
    EXPECT_EQ(str(aux[riscv64::kAtPlatform]), "riscv64");
    ASSERT_TRUE(aux.count(riscv64::kAtRandom));
    EXPECT_EQ(mm->host(aux[riscv64::kAtRandom])[0], 1);
    EXPECT_EQ(mm->host(aux[riscv64::kAtRandom])[15], 16);
}

TEST(StackBuilder, RejectsOversizedArguments) {
    auto mm = std::move(*GuestAddressSpace::create(uint64_t(1) << 32));
    StackInput in;
    in.argv = {std::string(10000, 'x')};
    EXPECT_FALSE(build_stack(*mm, 0x80000000, 0x80000000 - 4096, in).ok());
}

} // namespace
} // namespace machina::linux_user
