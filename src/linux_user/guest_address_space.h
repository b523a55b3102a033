#pragma once
// The guest's user-mode address space: one host reservation (PROT_NONE, MAP_NORESERVE) in which
// guest address `a` lives at host `base + a`, and a page-granular map of what the guest mapped.
// Implements mmap/munmap/mprotect/brk/mremap/madvise with the guest kernel's semantics.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "base/result.h"

namespace machina::linux_user {

/// Guest page size (4 KiB, as riscv64 Linux and the x86-64 host).
inline constexpr uint64_t kPageSize = 4096;

/// One mapped guest range [start, end) with uniform attributes.
struct Vma {
    uint64_t start = 0;
    uint64_t end = 0;
    int prot = 0;        ///< guest PROT_* bits
    int flags = 0;       ///< guest MAP_SHARED / MAP_PRIVATE (| MAP_ANONYMOUS)
    uint64_t offset = 0; ///< file offset of `start`
    uint64_t dev = 0;
    uint64_t inode = 0;
    std::string name; ///< file path or "[heap]", "[stack]", "" for anonymous
};

/// The reservation plus the guest's memory map. Thread-safe.
class GuestAddressSpace {
  public:
    /// Reserves `limit` bytes (plus a guard page) of host address space.
    static Result<std::unique_ptr<GuestAddressSpace>> create(uint64_t limit);
    ~GuestAddressSpace();
    GuestAddressSpace(const GuestAddressSpace&) = delete;
    GuestAddressSpace& operator=(const GuestAddressSpace&) = delete;

    /// Host address of guest address 0.
    uint8_t* base() const { return m_base; }
    /// First guest address past the space.
    uint64_t limit() const { return m_limit; }
    /// Host pointer for guest address `a` (no checks).
    uint8_t* host(uint64_t a) const { return m_base + a; }
    /// True when [a, a+len) is inside the space (not necessarily mapped).
    bool in_range(uint64_t a, uint64_t len) const { return a <= m_limit && len <= m_limit - a; }

    /// Guest mmap: returns the guest address or -errno. `fd` is a host descriptor.
    int64_t mmap(uint64_t addr, uint64_t len, int prot, int flags, int fd, uint64_t offset,
                 const std::string& name = {});
    /// Guest munmap: 0 or -errno.
    int64_t munmap(uint64_t addr, uint64_t len);
    /// Guest mprotect: 0 or -errno (-ENOMEM when part of the range is unmapped).
    int64_t mprotect(uint64_t addr, uint64_t len, int prot);
    /// Guest mremap: the new address or -errno.
    int64_t mremap(uint64_t old_addr, uint64_t old_len, uint64_t new_len, int flags,
                   uint64_t new_addr);
    /// Guest madvise: 0 or -errno.
    int64_t madvise(uint64_t addr, uint64_t len, int advice);
    /// Guest shmat of host segment `shmid` (`size` bytes): the guest address or -errno.
    int64_t shmat(uint64_t addr, int shmid, uint64_t size, int flags);
    /// Guest shmdt: 0 or -errno.
    int64_t shmdt(uint64_t addr);
    /// Guest brk: the (possibly unchanged) program break.
    uint64_t brk(uint64_t new_brk);

    /// Sets where the heap starts (just past the program's bss).
    void set_brk_start(uint64_t start);
    /// Sets the top of the area searched (top-down) for mappings without a fixed address.
    void set_mmap_top(uint64_t top) { m_mmap_top = top; }
    /// The lowest address mmap may hand out.
    void set_mmap_min(uint64_t min) { m_mmap_min = min; }

    /// Finds a free, `align`-aligned range of `len` bytes, top-down below the mmap top.
    std::optional<uint64_t> find_free(uint64_t len, uint64_t align = kPageSize) const;
    /// True when every page of [a, a+len) is mapped with at least the `prot` bits.
    bool check(uint64_t a, uint64_t len, int prot) const;
    /// True when any page of [a, a+len) is mapped executable (code caches must then be dropped
    /// when the range changes).
    bool any_exec(uint64_t a, uint64_t len) const;
    /// The mapping containing `a`, if any.
    std::optional<Vma> find(uint64_t a) const;
    /// Renames the mapping starting at `a` (e.g. "[stack]").
    void set_name(uint64_t a, const std::string& name);
    /// /proc/self/maps text in guest addresses.
    std::string maps_text() const;
    /// In a forked child: the lock may have been held by a thread that does not exist there.
    void reset_lock_after_fork();
    /// Number of VMAs (for tests).
    size_t vma_count() const;

  private:
    GuestAddressSpace(uint8_t* base, uint64_t limit) : m_base(base), m_limit(limit) {}
    std::optional<uint64_t> find_free_locked(uint64_t len, uint64_t align) const;
    bool range_free_locked(uint64_t a, uint64_t len) const;
    void split_at_locked(uint64_t a);
    void remove_locked(uint64_t a, uint64_t end);
    bool reserve_host(uint64_t a, uint64_t len);
    int64_t munmap_locked(uint64_t addr, uint64_t len);

    uint8_t* m_base;
    uint64_t m_limit;
    uint64_t m_mmap_top = 0;
    uint64_t m_mmap_min = 0x10000;
    uint64_t m_brk_start = 0;
    uint64_t m_brk = 0;
    std::map<uint64_t, Vma> m_vmas; ///< keyed by start
    mutable std::mutex m_mutex;
};

/// Host protection for a guest protection: the interpreter reads code, so exec implies read.
int host_prot(int guest_prot);

} // namespace machina::linux_user
