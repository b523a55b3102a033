#pragma once
// Guest (riscv64 Linux) structure layouts that differ from the x86-64 host's, and the constants
// the loader and the signal code need. Layouts were checked against the riscv64 kernel headers
// (asm-generic stat, asm/ucontext.h, asm/sigcontext.h) with offsetof in a cross-compiled program.

#include <cstddef>
#include <cstdint>

namespace machina::linux_user::riscv64 {

/// asm-generic `struct stat` (riscv64 uses the generic layout; x86-64 does not).
struct TargetStat {
    uint64_t st_dev;
    uint64_t st_ino;
    uint32_t st_mode;
    uint32_t st_nlink;
    uint32_t st_uid;
    uint32_t st_gid;
    uint64_t st_rdev;
    uint64_t pad1;
    int64_t st_size;
    int32_t st_blksize;
    int32_t pad2;
    int64_t st_blocks;
    int64_t st_atime_sec;
    uint64_t st_atime_nsec;
    int64_t st_mtime_sec;
    uint64_t st_mtime_nsec;
    int64_t st_ctime_sec;
    uint64_t st_ctime_nsec;
    uint32_t unused4;
    uint32_t unused5;
};
static_assert(sizeof(TargetStat) == 128);
static_assert(offsetof(TargetStat, st_size) == 48);
static_assert(offsetof(TargetStat, st_blocks) == 64);

/// `struct statx` is architecture-independent (256 bytes, fixed-width fields), so statx passes
/// through unchanged; so do linux_dirent64, timespec, rlimit, rusage, utsname, pollfd, iovec
/// (after pointer translation) and the siginfo layout.
inline constexpr size_t kStatxSize = 256;

/// riscv64 kernel `struct sigaction` (no sa_restorer: the kernel/vDSO supplies the trampoline).
struct TargetSigaction {
    uint64_t handler;
    uint64_t flags;
    uint64_t mask;
};
static_assert(sizeof(TargetSigaction) == 24);

/// `stack_t` for sigaltstack and ucontext.
struct TargetStack {
    uint64_t ss_sp;
    int32_t ss_flags;
    int32_t pad;
    uint64_t ss_size;
};
static_assert(sizeof(TargetStack) == 24);

/// asm-generic `struct epoll_event` (16 bytes; x86-64 packs it to 12).
struct TargetEpollEvent {
    uint32_t events;
    uint32_t pad;
    uint64_t data;
};
static_assert(sizeof(TargetEpollEvent) == 16);

/// Signal-action flags (same values as the generic ABI).
constexpr uint64_t kSaSiginfo = 0x4;
constexpr uint64_t kSaOnstack = 0x08000000;
constexpr uint64_t kSaRestart = 0x10000000;
constexpr uint64_t kSaNodefer = 0x40000000;
constexpr uint64_t kSaResethand = 0x80000000;

/// Special handler values.
constexpr uint64_t kSigDfl = 0;
constexpr uint64_t kSigIgn = 1;

/// sigaltstack flags.
constexpr int32_t kSsOnstack = 1;
constexpr int32_t kSsDisable = 2;
constexpr uint64_t kMinSigstksz = 2048;

/// Number of signals (1..64).
constexpr int kNsig = 64;

/// ELF auxiliary-vector tags the loader emits.
enum AuxTag : uint64_t {
    kAtNull = 0,
    kAtPhdr = 3,
    kAtPhent = 4,
    kAtPhnum = 5,
    kAtPagesz = 6,
    kAtBase = 7,
    kAtFlags = 8,
    kAtEntry = 9,
    kAtUid = 11,
    kAtEuid = 12,
    kAtGid = 13,
    kAtEgid = 14,
    kAtPlatform = 15,
    kAtHwcap = 16,
    kAtClktck = 17,
    kAtSecure = 23,
    kAtRandom = 25,
    kAtHwcap2 = 26,
    kAtExecfn = 31,
    kAtMinsigstksz = 51,
};

/// AT_HWCAP bits for the single-letter extensions: bit (letter - 'a').
constexpr uint64_t hwcap_bit(char letter) {
    return uint64_t(1) << (letter - 'a');
}
/// The extensions the interpreter implements: RV64IMAFDC.
constexpr uint64_t kHwcapImafdc = hwcap_bit('i') | hwcap_bit('m') | hwcap_bit('a') |
                                  hwcap_bit('f') | hwcap_bit('d') | hwcap_bit('c');

} // namespace machina::linux_user::riscv64
