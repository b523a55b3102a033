#pragma once
// SnapshotOverlay: `-drive ...,snapshot=on`. The image is opened read-only; guest writes land in
// an in-memory copy-on-write overlay that disappears when machina exits.

#include <memory>
#include <unordered_map>
#include <vector>

#include "block/block_device.h"

namespace machina::block {

/// Copy-on-write overlay over a read-only base, in 4 KiB clusters.
class SnapshotOverlay final : public BlockDevice {
  public:
    /// Wraps `base`, which the overlay owns and never writes.
    explicit SnapshotOverlay(std::unique_ptr<BlockDevice> base) : m_base(std::move(base)) {}

    uint64_t size() const override { return m_base->size(); }
    bool read_only() const override { return false; }
    Result<void> read(uint64_t offset, void* dst, size_t len) override;
    Result<void> write(uint64_t offset, const void* src, size_t len) override;
    Result<void> flush() override { return ok(); }

    /// Number of clusters the guest has written (for tests and `info block`).
    size_t dirty_clusters() const { return m_clusters.size(); }

  private:
    static constexpr uint64_t kCluster = 4096;
    Result<std::vector<uint8_t>*> cluster_for_write(uint64_t index);

    std::unique_ptr<BlockDevice> m_base;
    std::unordered_map<uint64_t, std::vector<uint8_t>> m_clusters;
};

} // namespace machina::block
