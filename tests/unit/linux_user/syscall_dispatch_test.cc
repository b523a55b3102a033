// The syscall layer without an interpreter: registers are set as an `ecall` would leave them,
// handle_syscall runs, and a0/pc/guest memory are checked.
#include "linux_user/syscall_dispatch.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>

#include "base/endian.h"
#include "linux_user/riscv64/syscall_numbers.h"
#include "linux_user/riscv64/target_structs.h"

namespace machina::linux_user {
namespace {

using namespace riscv64;

constexpr uint64_t kScratch = 0x100000; // a mapped page for arguments
constexpr uint64_t kEcallPc = 0x1000;

class SyscallTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        Process& p = process();
        if (!p.mm) {
            p.mm = std::move(*GuestAddressSpace::create(uint64_t(1) << 32));
            p.mem = {p.mm->base(), p.mm->limit()};
            p.mm->set_mmap_top(0x80000000);
            p.mm->set_brk_start(0x600000);
            p.exe_path = "/some/guest/program";
            ASSERT_EQ(p.mm->mmap(kScratch, 0x4000, PROT_READ | PROT_WRITE,
                                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
                      int64_t(kScratch));
        }
    }

    int64_t call(uint64_t nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
                 uint64_t a4 = 0, uint64_t a5 = 0) {
        auto& h = m_thread.hart;
        h.pc = kEcallPc;
        h.x[riscv::kA7] = nr;
        uint64_t args[6] = {a0, a1, a2, a3, a4, a5};
        for (int i = 0; i < 6; ++i)
            h.x[riscv::kA0 + i] = args[i];
        handle_syscall(m_thread);
        EXPECT_EQ(h.pc, kEcallPc + 4);
        return int64_t(h.x[riscv::kA0]);
    }

    uint8_t* host(uint64_t a) { return process().mm->host(a); }
    uint64_t put_string(uint64_t at, const std::string& s) {
        std::memcpy(host(at), s.c_str(), s.size() + 1);
        return at;
    }

    GuestThread m_thread;
};

TEST_F(SyscallTest, UnknownSyscallIsEnosys) {
    EXPECT_EQ(call(1000), -ENOSYS);
    EXPECT_EQ(call(kNr_clone3), -ENOSYS);
}

TEST_F(SyscallTest, MmapMunmapBrk) {
    int64_t a = call(kNr_mmap, 0, 0x2000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                     uint64_t(-1), 0);
    ASSERT_GT(a, 0);
    EXPECT_LT(a, 0x80000000);
    EXPECT_TRUE(process().mm->check(uint64_t(a), 0x2000, PROT_WRITE));
    EXPECT_EQ(call(kNr_munmap, uint64_t(a), 0x2000), 0);
    EXPECT_FALSE(process().mm->check(uint64_t(a), 1, PROT_READ));
    EXPECT_EQ(call(kNr_mmap, 0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, uint64_t(-1), 0),
              -EINVAL);
    uint64_t brk0 = uint64_t(call(kNr_brk, 0));
    EXPECT_EQ(uint64_t(call(kNr_brk, brk0 + 0x3000)), brk0 + 0x3000);
    host(brk0 + 0x2000)[0] = 1; // writable
    EXPECT_EQ(uint64_t(call(kNr_brk, brk0)), brk0);
}

TEST_F(SyscallTest, WriteAndReadThroughGuestBuffers) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    put_string(kScratch, "ping");
    EXPECT_EQ(call(kNr_write, uint64_t(fds[1]), kScratch, 4), 4);
    char buf[8] = {};
    ASSERT_EQ(read(fds[0], buf, 4), 4);
    EXPECT_STREQ(buf, "ping");
    ASSERT_EQ(write(fds[1], "pong", 4), 4);
    EXPECT_EQ(call(kNr_read, uint64_t(fds[0]), kScratch + 100, 4), 4);
    EXPECT_EQ(std::memcmp(host(kScratch + 100), "pong", 4), 0);
    // Outside the space, and inside it but unmapped: both EFAULT.
    EXPECT_EQ(call(kNr_write, uint64_t(fds[1]), uint64_t(1) << 40, 4), -EFAULT);
    EXPECT_EQ(call(kNr_write, uint64_t(fds[1]), 0x70000000, 4), -EFAULT);
    close(fds[0]);
    close(fds[1]);
}

TEST_F(SyscallTest, OpenatAndFstatUseTheRiscvStatLayout) {
    char path[] = "/tmp/machina_syscall_test_XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(write(fd, std::string(123, 'x').data(), 123), 123);
    close(fd);
    put_string(kScratch, path);
    int64_t gfd = call(kNr_openat, uint64_t(AT_FDCWD), kScratch, O_RDONLY, 0);
    ASSERT_GE(gfd, 0);
    EXPECT_EQ(call(kNr_fstat, uint64_t(gfd), kScratch + 0x1000), 0);
    TargetStat st;
    std::memcpy(&st, host(kScratch + 0x1000), sizeof st);
    EXPECT_EQ(st.st_size, 123);
    EXPECT_TRUE(S_ISREG(st.st_mode));
    EXPECT_EQ(load_le<int64_t>(host(kScratch + 0x1000) + 48), 123); // st_size at offset 48
    EXPECT_EQ(call(kNr_newfstatat, uint64_t(AT_FDCWD), kScratch, kScratch + 0x1000, 0), 0);
    EXPECT_EQ(load_le<int64_t>(host(kScratch + 0x1000) + 48), 123);
    EXPECT_EQ(call(kNr_close, uint64_t(gfd)), 0);
    unlink(path);
    put_string(kScratch, "/nonexistent/file");
    EXPECT_EQ(call(kNr_openat, uint64_t(AT_FDCWD), kScratch, O_RDONLY, 0), -ENOENT);
}

TEST_F(SyscallTest, ProcSelfExeNamesTheGuestProgram) {
    put_string(kScratch, "/proc/self/exe");
    int64_t n = call(kNr_readlinkat, uint64_t(AT_FDCWD), kScratch, kScratch + 0x100, 256);
    ASSERT_EQ(n, int64_t(process().exe_path.size()));
    EXPECT_EQ(std::string(reinterpret_cast<char*>(host(kScratch + 0x100)), size_t(n)),
              "/some/guest/program");
}

TEST_F(SyscallTest, ProcSelfMapsIsTheGuestView) {
    put_string(kScratch, "/proc/self/maps");
    int64_t fd = call(kNr_openat, uint64_t(AT_FDCWD), kScratch, O_RDONLY, 0);
    ASSERT_GE(fd, 0);
    char buf[4096] = {};
    ssize_t n = read(int(fd), buf, sizeof buf - 1);
    close(int(fd));
    ASSERT_GT(n, 0);
    EXPECT_NE(std::string(buf).find("00100000-00104000 rw-p"), std::string::npos) << buf;
}

TEST_F(SyscallTest, UnameSaysRiscv64) {
    EXPECT_EQ(call(kNr_uname, kScratch), 0);
    auto* u = reinterpret_cast<utsname*>(host(kScratch));
    EXPECT_STREQ(u->machine, "riscv64");
    EXPECT_STREQ(u->sysname, "Linux");
}

TEST_F(SyscallTest, SignalMaskAndAltstack) {
    store_le<uint64_t>(host(kScratch), sig_bit(SIGUSR1) | sig_bit(SIGKILL));
    EXPECT_EQ(call(kNr_rt_sigprocmask, SIG_BLOCK, kScratch, kScratch + 8, 8), 0);
    EXPECT_EQ(m_thread.sigmask, sig_bit(SIGUSR1)); // SIGKILL cannot be blocked
    EXPECT_EQ(load_le<uint64_t>(host(kScratch + 8)), 0u);
    EXPECT_EQ(call(kNr_rt_sigprocmask, SIG_BLOCK, kScratch, 0, 4), -EINVAL); // bad size
    TargetStack ss{kScratch + 0x1000, 0, 0, 1024};
    std::memcpy(host(kScratch + 0x200), &ss, sizeof ss);
    EXPECT_EQ(call(kNr_sigaltstack, kScratch + 0x200, 0), -ENOMEM); // below MINSIGSTKSZ
    ss.ss_size = 0x2000;
    std::memcpy(host(kScratch + 0x200), &ss, sizeof ss);
    EXPECT_EQ(call(kNr_sigaltstack, kScratch + 0x200, kScratch + 0x300), 0);
    EXPECT_EQ(m_thread.altstack.ss_size, 0x2000u);
    TargetSigaction act{0x4000, kSaSiginfo, 0};
    std::memcpy(host(kScratch + 0x400), &act, sizeof act);
    EXPECT_EQ(call(kNr_rt_sigaction, SIGKILL, kScratch + 0x400, 0, 8), -EINVAL);
    EXPECT_EQ(call(kNr_rt_sigaction, 65, 0, kScratch + 0x400, 8), -EINVAL);
}

TEST_F(SyscallTest, ExtendedAttributesPassThrough) {
    char path[] = "/tmp/machina_xattr_test_XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    put_string(kScratch, "user.machina");
    put_string(kScratch + 0x100, "value");
    int64_t r = call(kNr_fsetxattr, uint64_t(fd), kScratch, kScratch + 0x100, 5, 0);
    if (r == -ENOTSUP || r == -EPERM) {
        close(fd);
        unlink(path);
        GTEST_SKIP() << "the host file system of /tmp has no user xattrs";
    }
    EXPECT_EQ(r, 0);
    put_string(kScratch + 0x200, path);
    EXPECT_EQ(call(kNr_getxattr, kScratch + 0x200, kScratch, kScratch + 0x300, 64), 5);
    EXPECT_EQ(std::memcmp(host(kScratch + 0x300), "value", 5), 0);
    EXPECT_EQ(call(kNr_fremovexattr, uint64_t(fd), kScratch), 0);
    EXPECT_EQ(call(kNr_fgetxattr, uint64_t(fd), kScratch, kScratch + 0x300, 64), -ENODATA);
    close(fd);
    unlink(path);
}

TEST_F(SyscallTest, HwprobeAnswersKnownKeys) {
    int64_t pairs[6] = {4, 0, 3, 0, 12345, 0}; // IMA_EXT_0, BASE_BEHAVIOR, unknown
    std::memcpy(host(kScratch), pairs, sizeof pairs);
    EXPECT_EQ(call(kNr_riscv_hwprobe, kScratch, 3, 0, 0, 0), 0);
    std::memcpy(pairs, host(kScratch), sizeof pairs);
    EXPECT_EQ(pairs[1], 3);  // FD and C
    EXPECT_EQ(pairs[3], 1);  // IMA
    EXPECT_EQ(pairs[4], -1); // unknown key cleared
}

} // namespace
} // namespace machina::linux_user
