#pragma once
// A minimal virtio-mmio driver for device tests: it lays out split rings in guest RAM and talks to
// the transport through an AddressSpace, the way a guest kernel would, with no CPU involved.

#include <cstdint>
#include <vector>

#include "core/address_space.h"
#include "core/guest_memory.h"

namespace machina::test {

/// One buffer of a request the test driver builds.
struct DriverBuffer {
    uint64_t gpa;
    uint32_t len;
    bool device_writable;
};

/// Guest-side driver for one virtio-mmio device mapped at `base`.
class VirtioTestDriver {
  public:
    static constexpr uint64_t kRamBase = 0x8000'0000;
    static constexpr uint64_t kRamSize = 1 << 20;
    static constexpr uint64_t kDesc = kRamBase + 0x0000;  // 256 * 16
    static constexpr uint64_t kAvail = kRamBase + 0x1000; // 6 + 2 * 256
    static constexpr uint64_t kUsed = kRamBase + 0x2000;  // 6 + 8 * 256
    static constexpr uint64_t kData = kRamBase + 0x10000; // buffers from here on

    VirtioTestDriver(core::AddressSpace& mmio, core::GuestMemory& mem, uint64_t base)
        : m_mmio(mmio), m_mem(mem), m_base(base) {}

    uint32_t reg(uint64_t offset);
    void set_reg(uint64_t offset, uint32_t value);

    /// Runs the status/feature handshake and enables queue 0 with `queue_size` entries.
    /// Accepts the offered features masked by `feature_mask`. Returns the final status.
    uint32_t initialize(uint64_t feature_mask = ~0ull, uint16_t queue_size = 16);

    /// Writes descriptor `index` directly (for building hostile chains).
    void write_desc(uint16_t index, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next);
    /// Publishes `head` in the available ring and bumps the index.
    void publish(uint16_t head);
    /// Chains `buffers` into descriptors starting at `first`, publishes and notifies queue 0.
    void submit(const std::vector<DriverBuffer>& buffers, uint16_t first = 0);
    /// Notifies queue 0.
    void notify() { set_reg(0x50, 0); }

    uint16_t used_idx();
    /// Used element `i`: {id, len}.
    std::pair<uint32_t, uint32_t> used_elem(uint16_t i);

    uint8_t* host(uint64_t gpa) { return m_mem.host_ptr(gpa); }
    uint16_t queue_size() const { return m_queue_size; }

  private:
    core::AddressSpace& m_mmio;
    core::GuestMemory& m_mem;
    uint64_t m_base;
    uint16_t m_queue_size = 16;
    uint16_t m_avail_idx = 0;
};

} // namespace machina::test
