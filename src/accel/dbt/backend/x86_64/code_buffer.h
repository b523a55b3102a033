#pragma once
// CodeBuffer: executable memory with W^X through a dual mapping of one memfd: code is written
// through a read-write view and runs from a separate read-execute view at a fixed distance, so
// no page is ever writable and executable at once and chaining can patch jumps while other
// threads run.

#include <cstddef>
#include <cstdint>

#include "base/result.h"

namespace machina::dbt::backend {

/// A dual-mapped code region with a bump allocator.
class CodeBuffer {
  public:
    /// Maps `size` bytes (rounded up to pages) twice: RW and RX.
    static Result<CodeBuffer*> create(size_t size);
    ~CodeBuffer();
    CodeBuffer(const CodeBuffer&) = delete;
    CodeBuffer& operator=(const CodeBuffer&) = delete;

    /// Write view of the next free byte.
    uint8_t* write_cursor() { return m_rw + m_used; }
    /// Execute view of the next free byte.
    uintptr_t exec_cursor() const { return uintptr_t(m_rx) + m_used; }
    /// Bytes still free.
    size_t remaining() const { return m_size - m_used; }
    /// Marks `bytes` at the cursor as used (after writing them).
    void commit(size_t bytes) { m_used += bytes; }
    /// Frees everything after the first `keep` bytes (the trampolines).
    void reset(size_t keep) { m_used = keep; }
    /// Bytes in use.
    size_t used() const { return m_used; }

    /// The write view of an address in the execute view.
    uint8_t* to_writable(uintptr_t exec) const { return m_rw + (exec - uintptr_t(m_rx)); }
    /// True when `host_pc` lies in the execute view's used part.
    bool contains(uintptr_t host_pc) const {
        return host_pc >= uintptr_t(m_rx) && host_pc < uintptr_t(m_rx) + m_used;
    }
    /// Start of the execute view.
    uintptr_t exec_base() const { return uintptr_t(m_rx); }

  private:
    CodeBuffer() = default;
    uint8_t* m_rw = nullptr;
    uint8_t* m_rx = nullptr;
    size_t m_size = 0;
    size_t m_used = 0;
};

} // namespace machina::dbt::backend
