#include "hw/virtio/virtqueue.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "base/bits.h"
#include "base/endian.h"
#include "hw/virtio/virtio_constants.h"

namespace machina::hw::virtio {
namespace {

constexpr uint64_t kDescSize = 16;
/// The longest indirect descriptor table accepted (QEMU's VIRTQUEUE_MAX_SIZE).
constexpr uint64_t kMaxIndirectDescriptors = 1024;

uint16_t load_u16_acquire(const uint8_t* p) {
    return __atomic_load_n(reinterpret_cast<const uint16_t*>(p), __ATOMIC_ACQUIRE);
}

void store_u16_release(uint8_t* p, uint16_t v) {
    __atomic_store_n(reinterpret_cast<uint16_t*>(p), v, __ATOMIC_RELEASE);
}

} // namespace

size_t DescriptorChain::read(uint64_t offset, void* dst, size_t len) const {
    auto* out = static_cast<uint8_t*>(dst);
    size_t done = 0;
    for (const Segment& s : segments) {
        if (s.device_writable || done == len) break;
        if (offset >= s.len) {
            offset -= s.len;
            continue;
        }
        size_t chunk = std::min<size_t>(len - done, s.len - offset);
        std::memcpy(out + done, s.host + offset, chunk);
        done += chunk;
        offset = 0;
    }
    return done;
}

size_t DescriptorChain::write(uint64_t offset, const void* src, size_t len) const {
    const auto* in = static_cast<const uint8_t*>(src);
    size_t done = 0;
    for (const Segment& s : segments) {
        if (!s.device_writable) continue;
        if (done == len) break;
        if (offset >= s.len) {
            offset -= s.len;
            continue;
        }
        size_t chunk = std::min<size_t>(len - done, s.len - offset);
        std::memcpy(s.host + offset, in + done, chunk);
        done += chunk;
        offset = 0;
    }
    return done;
}

Virtqueue::Virtqueue(core::GuestMemory& memory, uint16_t max_size)
    : m_memory(memory), m_max_size(max_size), m_size(max_size) {
    ASSERT(std::has_single_bit(max_size), "virtqueue max size must be a power of two");
}

void Virtqueue::reset() {
    m_ready = false;
    m_size = m_max_size;
    m_desc_gpa = m_avail_gpa = m_used_gpa = 0;
    m_desc = m_avail = m_used = nullptr;
    m_last_avail = m_used_idx = m_signalled_used = 0;
}

Result<void> Virtqueue::enable(bool event_idx, bool indirect) {
    if (m_size == 0 || m_size > m_max_size || !std::has_single_bit(m_size))
        return Error::make("queue size {} is not a power of two up to {}", m_size, m_max_size);
    uint64_t n = m_size;
    if (!is_aligned(m_desc_gpa, 16) || !is_aligned(m_avail_gpa, 2) || !is_aligned(m_used_gpa, 4))
        return Error::make("misaligned rings (desc {:#x}, avail {:#x}, used {:#x})", m_desc_gpa,
                           m_avail_gpa, m_used_gpa);
    m_desc = m_memory.host_ptr(m_desc_gpa, kDescSize * n);
    m_avail = m_memory.host_ptr(m_avail_gpa, 6 + 2 * n);
    m_used = m_memory.host_ptr(m_used_gpa, 6 + 8 * n);
    if (!m_desc || !m_avail || !m_used)
        return Error::make("rings outside guest RAM (desc {:#x}, avail {:#x}, used {:#x})",
                           m_desc_gpa, m_avail_gpa, m_used_gpa);
    m_event_idx = event_idx;
    m_indirect = indirect;
    m_last_avail = m_used_idx = m_signalled_used = 0;
    m_ready = true;
    return ok();
}

Result<void> Virtqueue::append_segment(DescriptorChain& chain, uint64_t addr, uint32_t len,
                                       uint16_t flags, bool& seen_writable) {
    if (len == 0) return ok();
    uint8_t* host = m_memory.host_ptr(addr, len);
    if (!host)
        return Error::make("descriptor buffer [{:#x}, +{:#x}) is outside guest RAM", addr, len);
    bool writable = (flags & kDescWrite) != 0;
    if (!writable && seen_writable)
        return Error::make("device-readable descriptor after a device-writable one");
    seen_writable |= writable;
    chain.segments.push_back({host, len, writable});
    (writable ? chain.writable_bytes : chain.readable_bytes) += len;
    return ok();
}

Result<void> Virtqueue::walk_indirect(DescriptorChain& chain, uint64_t addr, uint32_t len,
                                      bool& seen_writable) {
    if (!m_indirect) return Error::make("indirect descriptor without VIRTIO_F_INDIRECT_DESC");
    if (len == 0 || len % kDescSize != 0)
        return Error::make("indirect table length {:#x} is not a multiple of 16", len);
    // Bounds the walk (and the chain's segment list) whatever the table's length: the spec lets
    // a driver use at most a queue's worth of descriptors, QEMU accepts up to 1024.
    if (len / kDescSize > kMaxIndirectDescriptors)
        return Error::make("indirect table of {} descriptors (at most {})", len / kDescSize,
                           kMaxIndirectDescriptors);
    const uint8_t* table = m_memory.host_ptr(addr, len);
    if (!table)
        return Error::make("indirect table [{:#x}, +{:#x}) is outside guest RAM", addr, len);
    uint32_t count = len / kDescSize;
    uint32_t index = 0;
    for (uint32_t walked = 0;; walked++) {
        if (walked >= count) return Error::make("loop in indirect descriptor table");
        uint8_t desc[kDescSize];
        std::memcpy(desc, table + kDescSize * index, kDescSize);
        uint16_t flags = load_le<uint16_t>(desc + 12);
        if (flags & kDescIndirect) return Error::make("nested indirect descriptor");
        TRY(append_segment(chain, load_le<uint64_t>(desc), load_le<uint32_t>(desc + 8), flags,
                           seen_writable));
        if (!(flags & kDescNext)) return ok();
        index = load_le<uint16_t>(desc + 14);
        if (index >= count)
            return Error::make("indirect descriptor next {} beyond table of {}", index, count);
    }
}

Result<std::optional<DescriptorChain>> Virtqueue::pop() {
    if (!m_ready) return std::optional<DescriptorChain>{};
    uint16_t avail_idx = load_u16_acquire(m_avail + 2);
    uint16_t pending = uint16_t(avail_idx - m_last_avail);
    if (pending == 0) return std::optional<DescriptorChain>{};
    if (pending > m_size)
        return Error::make("available index jumped by {} in a queue of {}", pending, m_size);

    uint16_t head = load_le<uint16_t>(m_avail + 4 + 2 * (m_last_avail % m_size));
    if (head >= m_size) return Error::make("available head {} beyond queue of {}", head, m_size);

    DescriptorChain chain;
    chain.head = head;
    bool seen_writable = false;
    uint16_t index = head;
    for (uint32_t walked = 0;; walked++) {
        if (walked >= m_size) return Error::make("loop in descriptor chain from head {}", head);
        uint8_t desc[kDescSize];
        std::memcpy(desc, m_desc + kDescSize * index, kDescSize);
        uint64_t addr = load_le<uint64_t>(desc);
        uint32_t len = load_le<uint32_t>(desc + 8);
        uint16_t flags = load_le<uint16_t>(desc + 12);
        if (flags & kDescIndirect) {
            if (flags & kDescNext) return Error::make("descriptor with both INDIRECT and NEXT");
            if (!chain.segments.empty())
                return Error::make("indirect descriptor after direct ones in one chain");
            TRY(walk_indirect(chain, addr, len, seen_writable));
            break;
        }
        TRY(append_segment(chain, addr, len, flags, seen_writable));
        if (!(flags & kDescNext)) break;
        index = load_le<uint16_t>(desc + 14);
        if (index >= m_size)
            return Error::make("descriptor next {} beyond queue of {}", index, m_size);
    }
    m_last_avail++;
    if (m_event_idx) store_u16_release(m_used + 4 + 8 * m_size, m_last_avail);
    return std::optional<DescriptorChain>(std::move(chain));
}

void Virtqueue::push(uint16_t head, uint32_t written) {
    ASSERT(m_ready, "push on a queue that is not ready");
    // The device wrote guest RAM through host pointers (before the guest sees this element).
    if (written != 0) m_memory.note_outside_write();
    uint8_t* elem = m_used + 4 + 8 * (m_used_idx % m_size);
    store_le<uint32_t>(elem, head);
    store_le<uint32_t>(elem + 4, written);
    m_used_idx++;
    store_u16_release(m_used + 2, m_used_idx);
}

bool Virtqueue::should_interrupt() {
    if (!m_ready) return false;
    uint16_t old_idx = m_signalled_used;
    uint16_t new_idx = m_used_idx;
    m_signalled_used = new_idx;
    if (old_idx == new_idx) return false;
    // The driver's suppression fields must be read after the used index is visible.
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (m_event_idx) {
        uint16_t used_event = load_u16_acquire(m_avail + 4 + 2 * m_size);
        return uint16_t(new_idx - used_event - 1) < uint16_t(new_idx - old_idx);
    }
    return !(load_u16_acquire(m_avail) & kAvailNoInterrupt);
}

} // namespace machina::hw::virtio
