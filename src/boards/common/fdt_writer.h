#pragma once
// FdtWriter: builds a flattened device tree with libfdt's sequential-write API, turning libfdt's
// error codes into Result errors that name the node or property being written.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace machina::boards {

/// Sequential device-tree writer. Nodes are begun and ended in order; properties go to the node
/// most recently begun. The first error sticks and is reported by finish().
class FdtWriter {
  public:
    /// Starts a tree in a buffer of `capacity` bytes; running out is reported by finish().
    explicit FdtWriter(size_t capacity = 64 * 1024);

    void begin_node(std::string_view name);
    void end_node();
    /// A property of 32-bit big-endian cells.
    void prop_u32(std::string_view name, std::initializer_list<uint32_t> cells);
    void prop_u32(std::string_view name, const std::vector<uint32_t>& cells);
    /// A property of one 64-bit value as two cells.
    void prop_u64(std::string_view name, uint64_t value);
    /// A `reg`-style property of (address, size) pairs, each two cells.
    void prop_reg64(std::string_view name,
                    std::initializer_list<std::pair<uint64_t, uint64_t>> regs);
    /// A string property.
    void prop_string(std::string_view name, std::string_view value);
    /// A string-list property ("a\0b\0").
    void prop_strings(std::string_view name, std::initializer_list<std::string_view> values);
    /// An empty (boolean) property.
    void prop_empty(std::string_view name);

    /// Allocates a fresh phandle.
    uint32_t new_phandle() { return ++m_last_phandle; }

    /// Completes the tree and returns the blob, or the first error met.
    Result<std::vector<uint8_t>> finish();

  private:
    void check(int rc, std::string_view what, std::string_view name);
    void prop_raw(std::string_view name, const void* data, size_t len);

    std::vector<uint8_t> m_buf;
    std::string m_error;
    uint32_t m_last_phandle = 0;
    int m_depth = 0;
};

} // namespace machina::boards
