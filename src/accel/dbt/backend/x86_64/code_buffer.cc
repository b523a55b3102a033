#include "accel/dbt/backend/x86_64/code_buffer.h"

#include <sys/mman.h>
#include <unistd.h>

#include "base/bits.h"
#include "base/unique_fd.h"

namespace machina::dbt::backend {

Result<CodeBuffer*> CodeBuffer::create(size_t size) {
    size = align_up(size, 4096);
    UniqueFd fd(memfd_create("machina-jit", MFD_CLOEXEC));
    if (!fd.valid()) return Error::from_errno("memfd_create for the code cache");
    if (ftruncate(fd.get(), off_t(size)) != 0)
        return Error::from_errno("sizing the code cache to {} bytes", size);
    void* rw = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
    if (rw == MAP_FAILED) return Error::from_errno("mapping the code cache (RW)");
    void* rx = mmap(nullptr, size, PROT_READ | PROT_EXEC, MAP_SHARED, fd.get(), 0);
    if (rx == MAP_FAILED) {
        auto err = Error::from_errno("mapping the code cache (RX)");
        munmap(rw, size);
        return err;
    }
    auto* buf = new CodeBuffer();
    buf->m_rw = static_cast<uint8_t*>(rw);
    buf->m_rx = static_cast<uint8_t*>(rx);
    buf->m_size = size;
    return buf;
}

CodeBuffer::~CodeBuffer() {
    if (m_rw) munmap(m_rw, m_size);
    if (m_rx) munmap(m_rx, m_size);
}

} // namespace machina::dbt::backend
