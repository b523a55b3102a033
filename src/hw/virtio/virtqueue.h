#pragma once
// Virtqueue: one split virtqueue (virtio 1.2 §2.7) as the device side sees it. Every guest-provided
// index, address and length is checked: a hostile ring yields an error (the device then marks
// itself broken), never an out-of-bounds host access or an endless loop.

#include <cstdint>
#include <optional>
#include <vector>

#include "base/result.h"
#include "core/guest_memory.h"

namespace machina::hw::virtio {

/// One guest buffer of a descriptor chain, already translated to host memory.
struct Segment {
    uint8_t* host = nullptr;
    uint32_t len = 0;
    bool device_writable = false;
};

/// A request popped from the available ring: the device reads the readable segments, fills the
/// writable ones and returns the chain with Virtqueue::push().
struct DescriptorChain {
    uint16_t head = 0;
    std::vector<Segment> segments;
    uint64_t readable_bytes = 0;
    uint64_t writable_bytes = 0;

    /// Copies up to `len` bytes of the readable part, starting `offset` bytes in; returns the
    /// number copied.
    size_t read(uint64_t offset, void* dst, size_t len) const;
    /// Copies up to `len` bytes into the writable part, starting `offset` bytes into it; returns
    /// the number copied.
    size_t write(uint64_t offset, const void* src, size_t len) const;
};

/// Device-side state of one split virtqueue.
class Virtqueue {
  public:
    /// A queue of at most `max_size` entries (a power of two) over `memory`.
    Virtqueue(core::GuestMemory& memory, uint16_t max_size);

    uint16_t max_size() const { return m_max_size; }
    uint16_t size() const { return m_size; }
    bool ready() const { return m_ready; }

    /// Driver configuration (before ready): ring size and the guest addresses of the three parts.
    void set_size(uint16_t size) { m_size = size; }
    void set_desc_addr(uint64_t gpa) { m_desc_gpa = gpa; }
    void set_avail_addr(uint64_t gpa) { m_avail_gpa = gpa; }
    void set_used_addr(uint64_t gpa) { m_used_gpa = gpa; }
    uint64_t desc_addr() const { return m_desc_gpa; }
    uint64_t avail_addr() const { return m_avail_gpa; }
    uint64_t used_addr() const { return m_used_gpa; }

    /// Enables the queue: checks size and ring placement (inside RAM, aligned).
    Result<void> enable(bool event_idx, bool indirect);
    /// Back to the reset state (not ready, indices zero).
    void reset();

    /// Takes the next available chain, or nullopt when the ring is empty. An error means the
    /// guest broke the ring; the queue must not be used again until reset.
    Result<std::optional<DescriptorChain>> pop();

    /// Returns a chain to the driver with `written` bytes written into it.
    void push(uint16_t head, uint32_t written);

    /// True when the driver wants an interrupt for the buffers pushed since the last call.
    bool should_interrupt();

  private:
    Result<void> append_segment(DescriptorChain& chain, uint64_t addr, uint32_t len, uint16_t flags,
                                bool& seen_writable);
    Result<void> walk_indirect(DescriptorChain& chain, uint64_t addr, uint32_t len,
                               bool& seen_writable);

    core::GuestMemory& m_memory;
    uint16_t m_max_size;
    uint16_t m_size;
    bool m_ready = false;
    bool m_event_idx = false;
    bool m_indirect = false;
    uint64_t m_desc_gpa = 0, m_avail_gpa = 0, m_used_gpa = 0;
    uint8_t* m_desc = nullptr;
    uint8_t* m_avail = nullptr;
    uint8_t* m_used = nullptr;
    uint16_t m_last_avail = 0;
    uint16_t m_used_idx = 0;
    uint16_t m_signalled_used = 0; ///< used index at the last interrupt decision
};

} // namespace machina::hw::virtio
