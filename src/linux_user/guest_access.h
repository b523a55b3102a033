#pragma once
// Helpers for system calls that read or write guest memory and paths.

#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "linux_user/process.h"

namespace machina::linux_user {

/// Host pointer for guest address `a` when [a, a+len) is inside the space, else nullptr.
/// Unmapped pages are PROT_NONE on the host, so the host kernel answers EFAULT for them.
inline void* g2h(uint64_t a, uint64_t len = 1) {
    Process& p = process();
    if (!p.mm->in_range(a, len)) return nullptr;
    return p.mm->host(a);
}

/// In a system-call handler: declares `var` as the host pointer for [addr, addr+len), returning
/// -EFAULT from the handler when that range is outside the guest space.
#define GUEST_PTR(var, addr, len)                                                                  \
    void* var = ::machina::linux_user::g2h(addr, len);                                             \
    if (!var) return -EFAULT

/// Like g2h, but nullptr stays nullptr (optional pointer arguments).
inline void* g2h_opt(uint64_t a, uint64_t len = 1) {
    return a == 0 ? nullptr : g2h(a, len);
}

/// Copies `len` bytes from the guest; false when any byte is not readable.
bool copy_from_guest(void* dst, uint64_t src, size_t len);
/// Copies `len` bytes to the guest; false when any byte is not writable.
bool copy_to_guest(uint64_t dst, const void* src, size_t len);
/// Reads a NUL-terminated string (up to `max` bytes); nullopt when unreadable or too long.
std::optional<std::string> read_guest_string(uint64_t a, size_t max = 4096);
/// Reads a NULL-terminated array of string pointers (argv/envp).
std::optional<std::vector<std::string>> read_guest_string_array(uint64_t a);

/// Host result of a libc/syscall call: -errno on failure, the value otherwise.
inline int64_t host_ret(int64_t r) {
    return r == -1 ? -int64_t(errno) : r;
}

/// "/proc/self/X" (or /proc/thread-self/X, /proc/<our pid>/X) → "X"; "" for other paths.
std::string proc_self_entry(const std::string& path);

/// The host path for a guest path: absolute paths are looked up under -L first.
std::string host_path(const std::string& guest_path);

} // namespace machina::linux_user
