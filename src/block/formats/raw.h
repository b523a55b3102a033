#pragma once
// Raw disk images: the file's bytes are the disk's bytes.

#include "base/unique_fd.h"
#include "block/block_device.h"

namespace machina::block {

/// A raw image file accessed with pread/pwrite.
class RawImage final : public BlockDevice {
  public:
    /// Opens `path` read-write (or read-only). Rejects directories and files smaller than a sector.
    static Result<std::unique_ptr<RawImage>> open(const std::string& path, bool read_only);

    uint64_t size() const override { return m_size; }
    bool read_only() const override { return m_read_only; }
    Result<void> read(uint64_t offset, void* dst, size_t len) override;
    Result<void> write(uint64_t offset, const void* src, size_t len) override;
    Result<void> flush() override;

  private:
    RawImage(UniqueFd fd, uint64_t size, bool read_only, std::string path)
        : m_fd(std::move(fd)), m_size(size), m_read_only(read_only), m_path(std::move(path)) {}

    UniqueFd m_fd;
    uint64_t m_size;
    bool m_read_only;
    std::string m_path;
};

/// Checks that [offset, offset+len) lies within a device of `size` bytes.
bool range_ok(uint64_t offset, uint64_t len, uint64_t size);

} // namespace machina::block
