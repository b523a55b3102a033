#include "block/block_device.h"
#include "block/formats/raw.h"
#include "block/snapshot_overlay.h"

namespace machina::block {

Result<std::unique_ptr<BlockDevice>> open_drive(const DriveOptions& options) {
    if (options.path.empty()) return Error::make("-drive needs file=PATH");
    if (options.format != "raw")
        return Error::make("-drive file={}: format '{}' is not supported (supported: raw)",
                           options.path, options.format);
    bool base_read_only = options.read_only || options.snapshot;
    std::unique_ptr<BlockDevice> image{TRY(RawImage::open(options.path, base_read_only))};
    if (options.snapshot && !options.read_only)
        return std::unique_ptr<BlockDevice>(new SnapshotOverlay(std::move(image)));
    return image;
}

} // namespace machina::block
