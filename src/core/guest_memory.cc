#include "core/guest_memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "base/bits.h"

namespace machina::core {

namespace {

constexpr uint64_t kHugePage = 2ull << 20;

/// Maps `size` bytes of zeroed anonymous memory for guest RAM (MAP_FAILED and errno on failure).
/// With `huge`, regions of at least 2 MiB start on a 2 MiB boundary and ask for transparent huge
/// pages (GuestMemory::Backing::Huge).
void* map_ram(uint64_t size, bool huge) {
    constexpr int kFlags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
    if (!huge || size < kHugePage)
        return ::mmap(nullptr, size, PROT_READ | PROT_WRITE, kFlags, -1, 0);
    void* raw = ::mmap(nullptr, size + kHugePage, PROT_READ | PROT_WRITE, kFlags, -1, 0);
    if (raw == MAP_FAILED) return raw;
    const uintptr_t start = reinterpret_cast<uintptr_t>(raw);
    const uintptr_t aligned = (start + kHugePage - 1) & ~(kHugePage - 1);
    if (aligned > start) ::munmap(raw, aligned - start);
    const uintptr_t end = start + size + kHugePage;
    if (end > aligned + size)
        ::munmap(reinterpret_cast<void*>(aligned + size), end - aligned - size);
    void* host = reinterpret_cast<void*>(aligned);
    ::madvise(host, size, MADV_HUGEPAGE); // a hint: without THP the RAM works all the same
    return host;
}

} // namespace

GuestMemory::~GuestMemory() {
    for (auto& r : m_regions)
        ::munmap(r.host, r.size);
}

Result<void> GuestMemory::add_ram(uint64_t gpa, uint64_t size, std::string name, Backing backing) {
    const uint64_t page = uint64_t(::sysconf(_SC_PAGESIZE));
    uint64_t end = 0;
    if (size == 0) return Error::make("RAM region '{}' has size 0", name);
    if (!is_aligned(gpa, page) || !is_aligned(size, page))
        return Error::make("RAM region '{}' at {:#x} size {:#x} is not page-aligned", name, gpa,
                           size);
    if (!checked_add(gpa, size - 1, &end))
        return Error::make("RAM region '{}' at {:#x} size {:#x} wraps the address space", name, gpa,
                           size);
    for (const auto& r : m_regions) {
        if (ranges_overlap(gpa, size, r.gpa, r.size))
            return Error::make("RAM region '{}' [{:#x}, {:#x}) overlaps '{}' [{:#x}, {:#x})", name,
                               gpa, gpa + size, r.name, r.gpa, r.gpa + r.size);
    }
    void* host = map_ram(size, backing == Backing::Huge);
    if (host == MAP_FAILED)
        return Error::from_errno("cannot allocate {} MiB of guest RAM for '{}'", size >> 20, name);
    RamRegion region{gpa, size, static_cast<uint8_t*>(host), std::move(name)};
    auto pos = std::lower_bound(m_regions.begin(), m_regions.end(), gpa,
                                [](const RamRegion& r, uint64_t a) { return r.gpa < a; });
    m_regions.insert(pos, std::move(region));
    return ok();
}

const RamRegion* GuestMemory::find(uint64_t gpa) const {
    auto it = std::upper_bound(m_regions.begin(), m_regions.end(), gpa,
                               [](uint64_t a, const RamRegion& r) { return a < r.gpa; });
    if (it == m_regions.begin()) return nullptr;
    --it;
    return gpa - it->gpa < it->size ? &*it : nullptr;
}

uint8_t* GuestMemory::host_ptr(uint64_t gpa, uint64_t len) const {
    const RamRegion* r = find(gpa);
    if (!r) return nullptr;
    uint64_t offset = gpa - r->gpa;
    if (len > r->size - offset) return nullptr;
    return r->host + offset;
}

Result<void> GuestMemory::read(uint64_t gpa, void* dst, size_t len) const {
    auto* out = static_cast<uint8_t*>(dst);
    while (len > 0) {
        const RamRegion* r = find(gpa);
        if (!r) return Error::make("guest address {:#x} is not RAM", gpa);
        uint64_t chunk = std::min<uint64_t>(len, r->size - (gpa - r->gpa));
        std::memcpy(out, r->host + (gpa - r->gpa), chunk);
        out += chunk;
        gpa += chunk;
        len -= chunk;
    }
    return ok();
}

Result<void> GuestMemory::write(uint64_t gpa, const void* src, size_t len) {
    const auto* in = static_cast<const uint8_t*>(src);
    // Check the whole range first so that a failed write changes nothing.
    for (uint64_t a = gpa, left = len; left > 0;) {
        const RamRegion* r = find(a);
        if (!r) return Error::make("guest address {:#x} is not RAM", a);
        uint64_t chunk = std::min<uint64_t>(left, r->size - (a - r->gpa));
        a += chunk;
        left -= chunk;
    }
    while (len > 0) {
        const RamRegion* r = find(gpa);
        uint64_t chunk = std::min<uint64_t>(len, r->size - (gpa - r->gpa));
        std::memcpy(r->host + (gpa - r->gpa), in, chunk);
        in += chunk;
        gpa += chunk;
        len -= chunk;
    }
    note_outside_write();
    return ok();
}

uint64_t GuestMemory::total_size() const {
    uint64_t total = 0;
    for (const auto& r : m_regions)
        total += r.size;
    return total;
}

} // namespace machina::core
