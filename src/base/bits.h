#pragma once
// Bit-field and integer helpers used by decoders, devices and loaders.

#include <bit>
#include <cstdint>
#include <type_traits>

namespace machina {

/// Bits [hi:lo] of `value`, shifted down to bit 0.
template <typename T>
constexpr T bits(T value, unsigned hi, unsigned lo) {
    using U = std::make_unsigned_t<T>;
    unsigned width = hi - lo + 1;
    U mask = width >= sizeof(T) * 8 ? U(~U(0)) : U((U(1) << width) - 1);
    return T((U(value) >> lo) & mask);
}

/// Bit `n` of `value` (0 or 1).
template <typename T>
constexpr T bit(T value, unsigned n) {
    return T((std::make_unsigned_t<T>(value) >> n) & 1);
}

/// Sign-extends the low `width` bits of `value` to 64 bits.
constexpr int64_t sign_extend(uint64_t value, unsigned width) {
    if (width >= 64) return int64_t(value);
    uint64_t shift = 64 - width;
    return int64_t(value << shift) >> shift;
}

/// True when `value` is a multiple of `align` (a power of two).
constexpr bool is_aligned(uint64_t value, uint64_t align) {
    return (value & (align - 1)) == 0;
}

/// Rounds `value` up to a multiple of `align` (a power of two).
constexpr uint64_t align_up(uint64_t value, uint64_t align) {
    return (value + align - 1) & ~(align - 1);
}

/// Rounds `value` down to a multiple of `align` (a power of two).
constexpr uint64_t align_down(uint64_t value, uint64_t align) {
    return value & ~(align - 1);
}

/// True when [a, a+alen) and [b, b+blen) share a byte. Lengths must be non-zero.
constexpr bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen) {
    return a <= b + (blen - 1) && b <= a + (alen - 1);
}

/// Adds without wrapping: false when a + b overflows 64 bits.
constexpr bool checked_add(uint64_t a, uint64_t b, uint64_t* out) {
    return !__builtin_add_overflow(a, b, out);
}

} // namespace machina
