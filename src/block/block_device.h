#pragma once
// BlockDevice: a disk image as devices see it — byte-addressed reads and writes of whole sectors.
// Formats (raw, later qcow2) implement it; I/O engines stay inside the format implementations.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"

namespace machina::block {

/// Sector size that guests address disks in.
constexpr uint64_t kSectorSize = 512;

/// A disk image opened for a guest device.
class BlockDevice {
  public:
    virtual ~BlockDevice() = default;
    /// Size in bytes (a multiple of kSectorSize; a trailing partial sector is not exposed).
    virtual uint64_t size() const = 0;
    /// True when writes are refused.
    virtual bool read_only() const = 0;
    /// Reads `len` bytes at `offset`; the range must lie inside size().
    virtual Result<void> read(uint64_t offset, void* dst, size_t len) = 0;
    /// Writes `len` bytes at `offset`; fails on a read-only device or outside size().
    virtual Result<void> write(uint64_t offset, const void* src, size_t len) = 0;
    /// Makes completed writes durable.
    virtual Result<void> flush() = 0;
};

/// Options of `-drive` that concern the image itself.
struct DriveOptions {
    std::string path;
    std::string format = "raw";
    bool read_only = false;
    bool snapshot = false; ///< writes go to a temporary in-memory overlay, never to the file
};

/// Opens an image as `-drive` describes it. Errors name the file and what is wrong with it.
Result<std::unique_ptr<BlockDevice>> open_drive(const DriveOptions& options);

} // namespace machina::block
