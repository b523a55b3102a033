#pragma once
// Helpers shared by the parser fuzz targets and by the seed generator (fuzz_seeds.cc), so that a
// seed and the harness agree on how the input bytes are laid out.

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace machina::fuzz {

/// Reads an input front to back; past the end every read yields zeros (so any input is valid).
class ByteReader {
  public:
    ByteReader(const uint8_t* data, size_t size) : m_data(data), m_size(size) {}

    /// Bytes not consumed yet.
    size_t left() const { return m_size - m_pos; }
    /// Next byte (0 at the end).
    uint8_t u8() { return m_pos < m_size ? m_data[m_pos++] : 0; }
    /// Next little-endian 16/32/64-bit value.
    uint16_t u16() { return uint16_t(u8() | (u8() << 8)); }
    uint32_t u32() { return u16() | (uint32_t(u16()) << 16); }
    uint64_t u64() { return u32() | (uint64_t(u32()) << 32); }
    /// Up to `n` next bytes.
    std::vector<uint8_t> bytes(size_t n) {
        n = std::min(n, left());
        std::vector<uint8_t> out(m_data + m_pos, m_data + m_pos + n);
        m_pos += n;
        return out;
    }
    /// Everything not consumed yet.
    std::vector<uint8_t> rest() { return bytes(left()); }

  private:
    const uint8_t* m_data;
    size_t m_size;
    size_t m_pos = 0;
};

/// With MACHINA_FUZZ_VERBOSE set, prints what `step` returned (to check that seeds get as far as
/// they are meant to); silent otherwise, as thousands of inputs a second pass through.
template <typename T>
void report(const char* step, const Result<T>& r) {
    static const bool verbose = std::getenv("MACHINA_FUZZ_VERBOSE") != nullptr;
    if (verbose) std::fprintf(stderr, "%s: %s\n", step, r ? "ok" : r.error().message.c_str());
}

/// Appends little-endian values to a seed (the writer side of ByteReader).
struct ByteWriter {
    std::vector<uint8_t> out;
    void u8(uint8_t v) { out.push_back(v); }
    void u16(uint16_t v) {
        u8(uint8_t(v));
        u8(uint8_t(v >> 8));
    }
    void u32(uint32_t v) {
        u16(uint16_t(v));
        u16(uint16_t(v >> 16));
    }
    void u64(uint64_t v) {
        u32(uint32_t(v));
        u32(uint32_t(v >> 32));
    }
    void bytes(const std::vector<uint8_t>& b) { out.insert(out.end(), b.begin(), b.end()); }
};

/// An in-memory file (memfd) whose /proc/self/fd path the loaders can open like a real file;
/// created once per process and rewritten for every input.
class ScratchFile {
  public:
    explicit ScratchFile(const char* name) : m_fd(::memfd_create(name, MFD_CLOEXEC)) {
        if (m_fd < 0) std::abort();
        m_path = "/proc/self/fd/" + std::to_string(m_fd);
    }
    ~ScratchFile() { ::close(m_fd); }
    ScratchFile(const ScratchFile&) = delete;
    ScratchFile& operator=(const ScratchFile&) = delete;

    /// Replaces the file's contents with `bytes` and returns its path.
    const std::string& write(const uint8_t* data, size_t size) {
        if (::ftruncate(m_fd, 0) != 0) std::abort();
        if (size && ::pwrite(m_fd, data, size, 0) != ssize_t(size)) std::abort();
        return m_path;
    }
    int fd() const { return m_fd; }

  private:
    int m_fd;
    std::string m_path;
};

} // namespace machina::fuzz
