#include "linux_user/riscv64/syscall_numbers.h"

#include <gtest/gtest.h>

#include <string>

namespace machina::linux_user::riscv64 {
namespace {

TEST(SyscallNumbers, GenericTableValues) {
    // Spot checks against the asm-generic numbering riscv64 uses.
    EXPECT_EQ(kNr_openat, 56u);
    EXPECT_EQ(kNr_read, 63u);
    EXPECT_EQ(kNr_write, 64u);
    EXPECT_EQ(kNr_exit, 93u);
    EXPECT_EQ(kNr_exit_group, 94u);
    EXPECT_EQ(kNr_futex, 98u);
    EXPECT_EQ(kNr_rt_sigreturn, 139u);
    EXPECT_EQ(kNr_brk, 214u);
    EXPECT_EQ(kNr_clone, 220u);
    EXPECT_EQ(kNr_execve, 221u);
    EXPECT_EQ(kNr_mmap, 222u);
    EXPECT_EQ(kNr_riscv_hwprobe, 258u);
    EXPECT_EQ(kNr_riscv_flush_icache, 259u);
    EXPECT_EQ(kNr_clone3, 435u);
}

TEST(SyscallNumbers, Names) {
    EXPECT_EQ(std::string(syscall_name(56)), "openat");
    EXPECT_EQ(std::string(syscall_name(222)), "mmap");
    EXPECT_EQ(std::string(syscall_name(79)), "newfstatat");
    EXPECT_EQ(syscall_name(1000), nullptr);
    EXPECT_EQ(syscall_name(300), nullptr); // a hole in the table
}

} // namespace
} // namespace machina::linux_user::riscv64
