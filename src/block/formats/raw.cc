#include "block/formats/raw.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace machina::block {

bool range_ok(uint64_t offset, uint64_t len, uint64_t size) {
    return offset <= size && len <= size - offset;
}

Result<std::unique_ptr<RawImage>> RawImage::open(const std::string& path, bool read_only) {
    UniqueFd fd(::open(path.c_str(), (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC));
    if (!fd) return Error::from_errno("cannot open disk image '{}'", path);
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) return Error::from_errno("cannot stat disk image '{}'", path);
    uint64_t size = 0;
    if (S_ISREG(st.st_mode)) {
        size = uint64_t(st.st_size);
    } else if (S_ISBLK(st.st_mode)) {
        off_t end = ::lseek(fd.get(), 0, SEEK_END);
        if (end < 0) return Error::from_errno("cannot size block device '{}'", path);
        size = uint64_t(end);
    } else {
        return Error::make("disk image '{}' is not a regular file or block device", path);
    }
    size -= size % kSectorSize;
    if (size == 0) return Error::make("disk image '{}' is smaller than one sector", path);
    return std::unique_ptr<RawImage>(new RawImage(std::move(fd), size, read_only, path));
}

Result<void> RawImage::read(uint64_t offset, void* dst, size_t len) {
    if (!range_ok(offset, len, m_size))
        return Error::make("read of {} bytes at {:#x} is beyond the end of '{}'", len, offset,
                           m_path);
    auto* out = static_cast<uint8_t*>(dst);
    while (len > 0) {
        ssize_t n = ::pread(m_fd.get(), out, len, off_t(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Error::from_errno("read from '{}' at {:#x}", m_path, offset);
        if (n == 0) return Error::make("'{}' shrank while in use", m_path);
        out += n;
        offset += uint64_t(n);
        len -= size_t(n);
    }
    return ok();
}

Result<void> RawImage::write(uint64_t offset, const void* src, size_t len) {
    if (m_read_only) return Error::make("'{}' is read-only", m_path);
    if (!range_ok(offset, len, m_size))
        return Error::make("write of {} bytes at {:#x} is beyond the end of '{}'", len, offset,
                           m_path);
    const auto* in = static_cast<const uint8_t*>(src);
    while (len > 0) {
        ssize_t n = ::pwrite(m_fd.get(), in, len, off_t(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Error::from_errno("write to '{}' at {:#x}", m_path, offset);
        in += n;
        offset += uint64_t(n);
        len -= size_t(n);
    }
    return ok();
}

Result<void> RawImage::flush() {
    if (m_read_only) return ok();
    if (::fdatasync(m_fd.get()) != 0) return Error::from_errno("flushing '{}'", m_path);
    return ok();
}

} // namespace machina::block
