#include "block/snapshot_overlay.h"

#include <algorithm>
#include <cstring>

#include "block/formats/raw.h"

namespace machina::block {

Result<void> SnapshotOverlay::read(uint64_t offset, void* dst, size_t len) {
    if (!range_ok(offset, len, size()))
        return Error::make("read of {} bytes at {:#x} is beyond the end of the disk", len, offset);
    auto* out = static_cast<uint8_t*>(dst);
    while (len > 0) {
        uint64_t index = offset / kCluster;
        uint64_t within = offset % kCluster;
        size_t chunk = size_t(std::min<uint64_t>(len, kCluster - within));
        auto it = m_clusters.find(index);
        if (it != m_clusters.end())
            std::memcpy(out, it->second.data() + within, chunk);
        else
            TRY(m_base->read(offset, out, chunk));
        out += chunk;
        offset += chunk;
        len -= chunk;
    }
    return ok();
}

Result<std::vector<uint8_t>*> SnapshotOverlay::cluster_for_write(uint64_t index) {
    auto it = m_clusters.find(index);
    if (it != m_clusters.end()) return &it->second;
    std::vector<uint8_t> data(kCluster, 0);
    uint64_t start = index * kCluster;
    uint64_t avail = std::min<uint64_t>(kCluster, size() - start);
    TRY(m_base->read(start, data.data(), size_t(avail)));
    return &m_clusters.emplace(index, std::move(data)).first->second;
}

Result<void> SnapshotOverlay::write(uint64_t offset, const void* src, size_t len) {
    if (!range_ok(offset, len, size()))
        return Error::make("write of {} bytes at {:#x} is beyond the end of the disk", len, offset);
    const auto* in = static_cast<const uint8_t*>(src);
    while (len > 0) {
        uint64_t index = offset / kCluster;
        uint64_t within = offset % kCluster;
        size_t chunk = size_t(std::min<uint64_t>(len, kCluster - within));
        std::vector<uint8_t>* cluster = TRY(cluster_for_write(index));
        std::memcpy(cluster->data() + within, in, chunk);
        in += chunk;
        offset += chunk;
        len -= chunk;
    }
    return ok();
}

} // namespace machina::block
