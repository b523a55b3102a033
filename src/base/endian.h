#pragma once
// Little-endian loads and stores from byte buffers: guest-visible structures (ELF, virtio rings,
// boot headers, device trees) are read through these, never by casting pointers.

#include <bit>
#include <cstdint>
#include <cstring>

namespace machina {

static_assert(std::endian::native == std::endian::little, "machina hosts are little-endian");

/// Reverses the bytes of an unsigned integer (std::byteswap is C++23).
template <typename T>
constexpr T byte_swap(T v) {
    if constexpr (sizeof(T) == 1)
        return v;
    else if constexpr (sizeof(T) == 2)
        return T(__builtin_bswap16(uint16_t(v)));
    else if constexpr (sizeof(T) == 4)
        return T(__builtin_bswap32(uint32_t(v)));
    else
        return T(__builtin_bswap64(uint64_t(v)));
}

/// Reads a little-endian T from possibly unaligned memory.
template <typename T>
inline T load_le(const void* p) {
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
}

/// Writes a little-endian T to possibly unaligned memory.
template <typename T>
inline void store_le(void* p, T v) {
    std::memcpy(p, &v, sizeof(T));
}

/// Reads a big-endian T (device trees, some boot formats).
template <typename T>
inline T load_be(const void* p) {
    T v;
    std::memcpy(&v, p, sizeof(T));
    return byte_swap(v);
}

/// Writes a big-endian T.
template <typename T>
inline void store_be(void* p, T v) {
    v = byte_swap(v);
    std::memcpy(p, &v, sizeof(T));
}

} // namespace machina
