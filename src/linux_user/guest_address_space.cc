#include "linux_user/guest_address_space.h"

#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <new>

#include "base/bits.h"
#include "base/log.h"

namespace machina::linux_user {

int host_prot(int guest_prot) {
    int p = 0;
    if (guest_prot & (PROT_READ | PROT_EXEC)) p |= PROT_READ;
    if (guest_prot & PROT_WRITE) p |= PROT_READ | PROT_WRITE;
    return p;
}

Result<std::unique_ptr<GuestAddressSpace>> GuestAddressSpace::create(uint64_t limit) {
    if (limit == 0 || !is_aligned(limit, kPageSize))
        return Error::make("guest address space size {:#x} is not a page multiple", limit);
    void* p = ::mmap(nullptr, limit + kPageSize, PROT_NONE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return Error::from_errno("reserving {:#x} bytes for the guest address space", limit);
    auto space =
        std::unique_ptr<GuestAddressSpace>(new GuestAddressSpace(static_cast<uint8_t*>(p), limit));
    space->m_mmap_top = limit;
    return space;
}

GuestAddressSpace::~GuestAddressSpace() {
    ::munmap(m_base, m_limit + kPageSize);
}

bool GuestAddressSpace::reserve_host(uint64_t a, uint64_t len) {
    void* p = ::mmap(m_base + a, len, PROT_NONE,
                     MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p != MAP_FAILED;
}

bool GuestAddressSpace::range_free_locked(uint64_t a, uint64_t len) const {
    auto it = m_vmas.upper_bound(a);
    if (it != m_vmas.begin() && std::prev(it)->second.end > a) return false;
    if (it != m_vmas.end() && it->second.start < a + len) return false;
    return true;
}

std::optional<uint64_t> GuestAddressSpace::find_free_locked(uint64_t len, uint64_t align) const {
    if (len == 0 || len > m_mmap_top) return std::nullopt;
    uint64_t hi = m_mmap_top;
    auto it = m_vmas.lower_bound(hi); // first VMA at or above the top
    while (true) {
        // Skip VMAs that straddle `hi`.
        while (it != m_vmas.begin() && std::prev(it)->second.end > hi) {
            --it;
            hi = std::min(hi, it->second.start);
        }
        uint64_t lo = it == m_vmas.begin() ? m_mmap_min : std::prev(it)->second.end;
        lo = std::max(lo, m_mmap_min);
        if (hi >= len) {
            uint64_t cand = align_down(hi - len, align);
            if (cand >= lo && hi > lo) return cand;
        }
        if (it == m_vmas.begin()) return std::nullopt;
        --it;
        hi = it->second.start;
        if (hi <= m_mmap_min) return std::nullopt;
    }
}

std::optional<uint64_t> GuestAddressSpace::find_free(uint64_t len, uint64_t align) const {
    std::lock_guard lock(m_mutex);
    return find_free_locked(align_up(len, kPageSize), align);
}

void GuestAddressSpace::split_at_locked(uint64_t a) {
    auto it = m_vmas.upper_bound(a);
    if (it == m_vmas.begin()) return;
    --it;
    Vma& v = it->second;
    if (v.start >= a || v.end <= a) return;
    Vma right = v;
    right.start = a;
    right.offset = v.offset + (a - v.start);
    v.end = a;
    m_vmas.emplace(a, std::move(right));
}

void GuestAddressSpace::remove_locked(uint64_t a, uint64_t end) {
    split_at_locked(a);
    split_at_locked(end);
    auto it = m_vmas.lower_bound(a);
    while (it != m_vmas.end() && it->second.start < end)
        it = m_vmas.erase(it);
}

namespace {

bool mergeable(const Vma& left, const Vma& right) {
    if (left.end != right.start || left.prot != right.prot || left.flags != right.flags ||
        left.name != right.name || left.inode != right.inode || left.dev != right.dev)
        return false;
    if (left.flags & MAP_ANONYMOUS) return true;
    return left.offset + (left.end - left.start) == right.offset && left.inode != 0;
}

} // namespace

static void insert_merged(std::map<uint64_t, Vma>& vmas, Vma v) {
    auto next = vmas.find(v.end);
    if (next != vmas.end() && mergeable(v, next->second)) {
        v.end = next->second.end;
        vmas.erase(next);
    }
    auto it = vmas.lower_bound(v.start);
    if (it != vmas.begin()) {
        auto prev = std::prev(it);
        if (mergeable(prev->second, v)) {
            prev->second.end = v.end;
            return;
        }
    }
    vmas.emplace(v.start, std::move(v));
}

int64_t GuestAddressSpace::mmap(uint64_t addr, uint64_t len, int prot, int flags, int fd,
                                uint64_t offset, const std::string& name) {
    if (len == 0 || !is_aligned(offset, kPageSize)) return -EINVAL;
    uint64_t alen = align_up(len, kPageSize);
    if (alen < len || alen > m_limit) return -ENOMEM;
    int type = flags & MAP_SHARED_VALIDATE;
    if (type == 0) return -EINVAL;
    bool anon = flags & MAP_ANONYMOUS;
    bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);

    Vma v;
    v.prot = prot;
    v.flags = (type == MAP_PRIVATE ? MAP_PRIVATE : MAP_SHARED) | (anon ? MAP_ANONYMOUS : 0);
    v.offset = anon ? 0 : offset;
    v.name = name;
    if (!anon) {
        struct stat st {};
        if (::fstat(fd, &st) != 0) return -EBADF;
        v.dev = st.st_dev;
        v.inode = st.st_ino;
        if (v.name.empty()) {
            char buf[4096];
            ssize_t n = ::readlink(fmt::format("/proc/self/fd/{}", fd).c_str(), buf, sizeof buf);
            if (n > 0) v.name.assign(buf, size_t(n));
        }
    }

    std::lock_guard lock(m_mutex);
    uint64_t a;
    if (fixed) {
        if (!is_aligned(addr, kPageSize)) return -EINVAL;
        if (!in_range(addr, alen)) return -ENOMEM;
        if ((flags & MAP_FIXED_NOREPLACE) && !(flags & MAP_FIXED) && !range_free_locked(addr, alen))
            return -EEXIST;
        a = addr;
    } else if (addr != 0 && is_aligned(addr, kPageSize) && addr >= m_mmap_min &&
               in_range(addr, alen) && range_free_locked(addr, alen)) {
        a = addr;
    } else {
        auto found = find_free_locked(alen, kPageSize);
        if (!found) return -ENOMEM;
        a = *found;
    }
    int hflags = MAP_FIXED | (v.flags & MAP_PRIVATE ? MAP_PRIVATE : MAP_SHARED) |
                 (flags & (MAP_POPULATE | MAP_NORESERVE));
    if (anon) hflags |= MAP_ANONYMOUS;
    void* p = ::mmap(m_base + a, alen, host_prot(prot), hflags, anon ? -1 : fd, off_t(offset));
    if (p == MAP_FAILED) return -errno;
    remove_locked(a, a + alen);
    v.start = a;
    v.end = a + alen;
    insert_merged(m_vmas, std::move(v));
    log::cat(log::kPage, "mmap {:#x}-{:#x} prot {}\n", a, a + alen, prot);
    return int64_t(a);
}

int64_t GuestAddressSpace::munmap_locked(uint64_t addr, uint64_t len) {
    if (!is_aligned(addr, kPageSize) || len == 0) return -EINVAL;
    uint64_t alen = align_up(len, kPageSize);
    if (alen < len || !in_range(addr, alen)) return -EINVAL;
    if (!reserve_host(addr, alen)) return -errno;
    remove_locked(addr, addr + alen);
    log::cat(log::kPage, "munmap {:#x}-{:#x}\n", addr, addr + alen);
    return 0;
}

int64_t GuestAddressSpace::munmap(uint64_t addr, uint64_t len) {
    std::lock_guard lock(m_mutex);
    return munmap_locked(addr, len);
}

int64_t GuestAddressSpace::mprotect(uint64_t addr, uint64_t len, int prot) {
    if (!is_aligned(addr, kPageSize)) return -EINVAL;
    if (len == 0) return 0;
    uint64_t alen = align_up(len, kPageSize);
    if (alen < len || !in_range(addr, alen)) return -ENOMEM;
    std::lock_guard lock(m_mutex);
    uint64_t cur = addr;
    while (cur < addr + alen) {
        auto it = m_vmas.upper_bound(cur);
        if (it == m_vmas.begin()) return -ENOMEM;
        --it;
        if (it->second.end <= cur) return -ENOMEM;
        cur = it->second.end;
    }
    if (::mprotect(m_base + addr, alen, host_prot(prot)) != 0) return -errno;
    split_at_locked(addr);
    split_at_locked(addr + alen);
    for (auto it = m_vmas.lower_bound(addr); it != m_vmas.end() && it->second.start < addr + alen;
         ++it)
        it->second.prot = prot;
    return 0;
}

int64_t GuestAddressSpace::mremap(uint64_t old_addr, uint64_t old_len, uint64_t new_len, int flags,
                                  uint64_t new_addr) {
    if (!is_aligned(old_addr, kPageSize) || new_len == 0 || old_len == 0) return -EINVAL;
    if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)) return -EINVAL;
    if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)) return -EINVAL;
    old_len = align_up(old_len, kPageSize);
    new_len = align_up(new_len, kPageSize);
    if (!in_range(old_addr, old_len) || new_len > m_limit) return -EFAULT;
    std::lock_guard lock(m_mutex);
    auto it = m_vmas.upper_bound(old_addr);
    if (it == m_vmas.begin()) return -EFAULT;
    --it;
    Vma src = it->second;
    if (src.end < old_addr + old_len || src.start > old_addr) return -EFAULT;

    if (!(flags & MREMAP_FIXED)) {
        if (new_len <= old_len) {
            if (new_len < old_len) munmap_locked(old_addr + new_len, old_len - new_len);
            return int64_t(old_addr);
        }
        uint64_t tail = old_addr + old_len, grow = new_len - old_len;
        if ((src.flags & MAP_ANONYMOUS) && (src.flags & MAP_PRIVATE) && in_range(tail, grow) &&
            range_free_locked(tail, grow)) {
            void* p = ::mmap(m_base + tail, grow, host_prot(src.prot),
                             MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p == MAP_FAILED) return -errno;
            Vma v = src;
            v.start = tail;
            v.end = tail + grow;
            insert_merged(m_vmas, std::move(v));
            return int64_t(old_addr);
        }
        if (!(flags & MREMAP_MAYMOVE)) return -ENOMEM;
        auto found = find_free_locked(new_len, kPageSize);
        if (!found) return -ENOMEM;
        new_addr = *found;
    } else {
        if (!is_aligned(new_addr, kPageSize) || !in_range(new_addr, new_len)) return -EINVAL;
        if (ranges_overlap(old_addr, old_len, new_addr, new_len)) return -EINVAL;
        munmap_locked(new_addr, new_len);
    }
    void* p = ::mremap(m_base + old_addr, old_len, new_len, MREMAP_MAYMOVE | MREMAP_FIXED,
                       m_base + new_addr);
    if (p == MAP_FAILED) return -errno;
    reserve_host(old_addr, old_len);
    remove_locked(old_addr, old_addr + old_len);
    Vma v = src;
    v.offset = src.offset + (old_addr - src.start);
    v.start = new_addr;
    v.end = new_addr + new_len;
    remove_locked(v.start, v.end);
    insert_merged(m_vmas, std::move(v));
    return int64_t(new_addr);
}

int64_t GuestAddressSpace::madvise(uint64_t addr, uint64_t len, int advice) {
    if (!is_aligned(addr, kPageSize)) return -EINVAL;
    uint64_t alen = align_up(len, kPageSize);
    if (!in_range(addr, alen)) return -ENOMEM;
    if (alen == 0) return 0;
    switch (advice) {
    case MADV_DONTNEED:
    case MADV_FREE:
    case MADV_WILLNEED:
        if (::madvise(m_base + addr, alen, advice) != 0) return -errno;
        return 0;
    default: return 0;
    }
}

int64_t GuestAddressSpace::shmat(uint64_t addr, int shmid, uint64_t size, int flags) {
    uint64_t len = align_up(size, kPageSize);
    if (len == 0) return -EINVAL;
    std::lock_guard lock(m_mutex);
    if (addr == 0) {
        auto found = find_free_locked(len, kPageSize);
        if (!found) return -ENOMEM;
        addr = *found;
    } else {
        if (flags & SHM_RND) addr = align_down(addr, SHMLBA);
        if (!is_aligned(addr, kPageSize) || !in_range(addr, len)) return -EINVAL;
        if (!(flags & SHM_REMAP) && !range_free_locked(addr, len)) return -EINVAL;
    }
    // SHM_REMAP lets the segment replace the PROT_NONE reservation underneath.
    void* p = ::shmat(shmid, m_base + addr, (flags & (SHM_RDONLY | SHM_EXEC)) | SHM_REMAP);
    if (p == reinterpret_cast<void*>(-1)) return -errno;
    remove_locked(addr, addr + len);
    Vma v;
    v.start = addr;
    v.end = addr + len;
    v.prot = (flags & SHM_RDONLY) ? PROT_READ : PROT_READ | PROT_WRITE;
    if (flags & SHM_EXEC) v.prot |= PROT_EXEC;
    v.flags = MAP_SHARED;
    v.inode = uint64_t(shmid);
    v.name = "/SYSV (deleted)";
    m_vmas.emplace(addr, std::move(v));
    return int64_t(addr);
}

int64_t GuestAddressSpace::shmdt(uint64_t addr) {
    std::lock_guard lock(m_mutex);
    auto it = m_vmas.find(addr);
    if (it == m_vmas.end() || it->second.name != "/SYSV (deleted)") return -EINVAL;
    uint64_t end = it->second.end;
    if (::shmdt(m_base + addr) != 0) return -errno;
    reserve_host(addr, end - addr);
    remove_locked(addr, end);
    return 0;
}

void GuestAddressSpace::set_brk_start(uint64_t start) {
    std::lock_guard lock(m_mutex);
    m_brk_start = start;
    m_brk = start;
}

uint64_t GuestAddressSpace::brk(uint64_t new_brk) {
    std::lock_guard lock(m_mutex);
    if (new_brk < m_brk_start) return m_brk;
    uint64_t new_top = align_up(new_brk, kPageSize), cur_top = align_up(m_brk, kPageSize);
    if (new_top > cur_top) {
        uint64_t grow = new_top - cur_top;
        if (!in_range(cur_top, grow) || !range_free_locked(cur_top, grow)) return m_brk;
        void* p = ::mmap(m_base + cur_top, grow, PROT_READ | PROT_WRITE,
                         MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) return m_brk;
        Vma v;
        v.start = cur_top;
        v.end = new_top;
        v.prot = PROT_READ | PROT_WRITE;
        v.flags = MAP_PRIVATE | MAP_ANONYMOUS;
        v.name = "[heap]";
        insert_merged(m_vmas, std::move(v));
    } else if (new_top < cur_top) {
        munmap_locked(new_top, cur_top - new_top);
    }
    m_brk = new_brk;
    return m_brk;
}

bool GuestAddressSpace::check(uint64_t a, uint64_t len, int prot) const {
    if (len == 0) return true;
    if (!in_range(a, len)) return false;
    std::lock_guard lock(m_mutex);
    uint64_t cur = a;
    while (cur < a + len) {
        auto it = m_vmas.upper_bound(cur);
        if (it == m_vmas.begin()) return false;
        --it;
        if (it->second.end <= cur || (it->second.prot & prot) != prot) return false;
        cur = it->second.end;
    }
    return true;
}

bool GuestAddressSpace::any_exec(uint64_t a, uint64_t len) const {
    std::lock_guard lock(m_mutex);
    auto it = m_vmas.upper_bound(a);
    if (it != m_vmas.begin()) --it;
    for (; it != m_vmas.end() && it->second.start < a + len; ++it)
        if (it->second.end > a && (it->second.prot & PROT_EXEC)) return true;
    return false;
}

std::optional<Vma> GuestAddressSpace::find(uint64_t a) const {
    std::lock_guard lock(m_mutex);
    auto it = m_vmas.upper_bound(a);
    if (it == m_vmas.begin()) return std::nullopt;
    --it;
    if (it->second.end <= a) return std::nullopt;
    return it->second;
}

void GuestAddressSpace::set_name(uint64_t a, const std::string& name) {
    std::lock_guard lock(m_mutex);
    auto it = m_vmas.find(a);
    if (it != m_vmas.end()) it->second.name = name;
}

std::string GuestAddressSpace::maps_text() const {
    std::lock_guard lock(m_mutex);
    std::string out;
    for (const auto& [start, v] : m_vmas) {
        std::string line =
            fmt::format("{:08x}-{:08x} {}{}{}{} {:08x} {:02x}:{:02x} {}", v.start, v.end,
                        v.prot & PROT_READ ? 'r' : '-', v.prot & PROT_WRITE ? 'w' : '-',
                        v.prot & PROT_EXEC ? 'x' : '-', v.flags & MAP_PRIVATE ? 'p' : 's', v.offset,
                        major(v.dev), minor(v.dev), v.inode);
        if (!v.name.empty()) {
            line.resize(std::max<size_t>(line.size() + 1, 73), ' ');
            line += v.name;
        }
        out += line;
        out += '\n';
    }
    return out;
}

void GuestAddressSpace::reset_lock_after_fork() {
    // Only the forking thread exists in the child, so nobody can be inside the lock.
    new (&m_mutex) std::mutex();
}

size_t GuestAddressSpace::vma_count() const {
    std::lock_guard lock(m_mutex);
    return m_vmas.size();
}

} // namespace machina::linux_user
