#include "hw/virtio/blk/virtio_blk.h"

#include <cstring>
#include <vector>

#include "base/endian.h"
#include "base/log.h"
#include "hw/virtio/virtio_constants.h"

namespace machina::hw::virtio {
namespace {

// Feature bits (§5.2.3).
constexpr uint64_t kBlkSegMax = 1ull << 2;
constexpr uint64_t kBlkReadOnly = 1ull << 5;
constexpr uint64_t kBlkBlkSize = 1ull << 6;
constexpr uint64_t kBlkFlush = 1ull << 9;

// Request types and status values (§5.2.6).
constexpr uint32_t kTypeIn = 0;
constexpr uint32_t kTypeOut = 1;
constexpr uint32_t kTypeFlush = 4;
constexpr uint32_t kTypeGetId = 8;
constexpr uint8_t kStatusOk = 0;
constexpr uint8_t kStatusIoErr = 1;
constexpr uint8_t kStatusUnsupported = 2;

constexpr uint32_t kHeaderSize = 16;
constexpr uint32_t kIdBytes = 20;
constexpr uint32_t kSegMax = 254;

} // namespace

VirtioBlk::VirtioBlk(std::unique_ptr<block::BlockDevice> disk, std::string serial)
    : m_disk(std::move(disk)), m_serial(std::move(serial)) {
    store_le<uint64_t>(m_config + 0, m_disk->size() / block::kSectorSize); // capacity
    store_le<uint32_t>(m_config + 12, kSegMax);                            // seg_max
    store_le<uint32_t>(m_config + 20, uint32_t(block::kSectorSize));       // blk_size
}

uint32_t VirtioBlk::device_id() const {
    return kDeviceBlock;
}

uint64_t VirtioBlk::device_features() const {
    return kBlkSegMax | kBlkBlkSize | kBlkFlush | (m_disk->read_only() ? kBlkReadOnly : 0);
}

uint64_t VirtioBlk::read_config(uint32_t offset, unsigned size) {
    uint64_t v = 0;
    std::memcpy(&v, m_config + offset, size);
    return v;
}

void VirtioBlk::process_queue(unsigned index) {
    drain_queue(index, [this](const DescriptorChain& chain) { return handle_request(chain); });
}

uint32_t VirtioBlk::handle_request(const DescriptorChain& chain) {
    uint8_t header[kHeaderSize];
    if (chain.readable_bytes < kHeaderSize || chain.writable_bytes < 1) {
        mark_broken(Error::make("request without a header or a status byte"));
        return 0;
    }
    chain.read(0, header, kHeaderSize);
    uint32_t type = load_le<uint32_t>(header);
    uint64_t sector = load_le<uint64_t>(header + 8);
    uint64_t status_offset = chain.writable_bytes - 1;
    uint8_t status = kStatusOk;
    uint32_t written = 0;

    auto byte_offset = [&](uint64_t len, uint64_t* out) {
        if (sector > m_disk->size() / block::kSectorSize) return false;
        *out = sector * block::kSectorSize;
        return len <= m_disk->size() - *out;
    };

    switch (type) {
    case kTypeIn: {
        uint64_t len = status_offset, offset = 0;
        if (len % block::kSectorSize != 0 || !byte_offset(len, &offset)) {
            status = kStatusIoErr;
            break;
        }
        std::vector<uint8_t> buf(len);
        if (auto r = m_disk->read(offset, buf.data(), len); !r) {
            log::warn("virtio-blk: {}", r.error().message);
            status = kStatusIoErr;
            break;
        }
        written = uint32_t(chain.write(0, buf.data(), len));
        break;
    }
    case kTypeOut: {
        uint64_t len = chain.readable_bytes - kHeaderSize, offset = 0;
        if (m_disk->read_only() || len % block::kSectorSize != 0 || !byte_offset(len, &offset)) {
            status = kStatusIoErr;
            break;
        }
        std::vector<uint8_t> buf(len);
        chain.read(kHeaderSize, buf.data(), len);
        if (auto r = m_disk->write(offset, buf.data(), len); !r) {
            log::warn("virtio-blk: {}", r.error().message);
            status = kStatusIoErr;
        }
        break;
    }
    case kTypeFlush:
        if (auto r = m_disk->flush(); !r) {
            log::warn("virtio-blk: {}", r.error().message);
            status = kStatusIoErr;
        }
        break;
    case kTypeGetId: {
        char id[kIdBytes] = {};
        std::memcpy(id, m_serial.data(), std::min<size_t>(m_serial.size(), kIdBytes));
        written = uint32_t(chain.write(0, id, std::min<uint64_t>(kIdBytes, status_offset)));
        break;
    }
    default:
        log::cat(log::kUnimp, "virtio-blk: request type {} unsupported\n", type);
        status = kStatusUnsupported;
        break;
    }
    chain.write(status_offset, &status, 1);
    return written + 1;
}

} // namespace machina::hw::virtio
