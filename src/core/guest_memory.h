#pragma once
// GuestMemory: the guest's RAM as host mmap-backed regions, addressed by guest physical address.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"

namespace machina::core {

/// One contiguous block of guest RAM backed by an anonymous host mapping.
struct RamRegion {
    uint64_t gpa = 0;        ///< guest physical base address
    uint64_t size = 0;       ///< length in bytes (a multiple of the host page size)
    uint8_t* host = nullptr; ///< host address of byte 0
    std::string name;        ///< for messages ("ram", "rom")
};

/// The set of RAM regions of one machine. Regions are added during board set-up and never move,
/// so host pointers handed out stay valid for the life of the GuestMemory.
class GuestMemory {
  public:
    GuestMemory() = default;
    GuestMemory(const GuestMemory&) = delete;
    GuestMemory& operator=(const GuestMemory&) = delete;
    ~GuestMemory();

    /// How a RAM region is backed.
    enum class Backing {
        Small, ///< host pages as the guest touches them (a tiny guest costs only what it uses)
        Huge,  ///< 2 MiB-aligned with transparent huge pages asked for: fewer first-touch faults
               ///< and host TLB entries covering 2 MiB each (what QEMU does for RAM)
    };

    /// Maps `size` bytes of zeroed host memory at guest address `gpa`. Rejects empty, unaligned,
    /// wrapping or overlapping regions with an error naming both regions.
    Result<void> add_ram(uint64_t gpa, uint64_t size, std::string name,
                         Backing backing = Backing::Small);

    /// Host pointer to [gpa, gpa+len) when it lies entirely in one region, else nullptr.
    uint8_t* host_ptr(uint64_t gpa, uint64_t len = 1) const;

    /// The region containing `gpa`, or nullptr.
    const RamRegion* find(uint64_t gpa) const;

    /// Copies `len` bytes out of guest memory; an error names the address when any byte is not RAM.
    Result<void> read(uint64_t gpa, void* dst, size_t len) const;

    /// Copies `len` bytes into guest memory; an error names the address when any byte is not RAM.
    Result<void> write(uint64_t gpa, const void* src, size_t len);

    /// Counts writes into RAM from outside the CPUs: write() counts itself; a device writing
    /// through a host pointer calls this once it is done (before the guest can see that it is).
    /// Caches of RAM contents (the translator's code cache on fence.i) compare the count to skip
    /// work when nothing but the CPUs wrote RAM.
    void note_outside_write() { m_outside_writes.fetch_add(1, std::memory_order_release); }

    /// The count note_outside_write() keeps.
    uint64_t outside_writes() const { return m_outside_writes.load(std::memory_order_acquire); }

    /// All regions, sorted by address.
    const std::vector<RamRegion>& regions() const { return m_regions; }

    /// Total bytes of RAM.
    uint64_t total_size() const;

  private:
    std::vector<RamRegion> m_regions;
    std::atomic<uint64_t> m_outside_writes{0};
};

} // namespace machina::core
