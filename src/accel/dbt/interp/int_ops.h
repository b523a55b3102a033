#pragma once
// Integer semantics that need more than one C++ operator: M-extension edge cases and Zb* bit
// manipulation. Pure functions on register values, shared by the interpreter and usable as
// translator helpers.

#include <bit>
#include <cstdint>

namespace machina::dbt::interp {

using u128 = unsigned __int128;
using i128 = __int128;

/// Sign-extends the low 32 bits.
constexpr uint64_t sext32(uint64_t v) {
    return uint64_t(int64_t(int32_t(uint32_t(v))));
}

/// High 64 bits of signed x signed.
inline uint64_t mulh(uint64_t a, uint64_t b) {
    return uint64_t((i128(int64_t(a)) * i128(int64_t(b))) >> 64);
}
/// High 64 bits of signed x unsigned.
inline uint64_t mulhsu(uint64_t a, uint64_t b) {
    return uint64_t((i128(int64_t(a)) * i128(b)) >> 64);
}
/// High 64 bits of unsigned x unsigned.
inline uint64_t mulhu(uint64_t a, uint64_t b) {
    return uint64_t((u128(a) * u128(b)) >> 64);
}

/// Signed division: x/0 = -1, INT_MIN/-1 = INT_MIN.
inline uint64_t div64(uint64_t a, uint64_t b) {
    if (b == 0) return ~uint64_t(0);
    if (int64_t(a) == INT64_MIN && int64_t(b) == -1) return a;
    return uint64_t(int64_t(a) / int64_t(b));
}
/// Unsigned division: x/0 = all ones.
inline uint64_t divu64(uint64_t a, uint64_t b) {
    return b == 0 ? ~uint64_t(0) : a / b;
}
/// Signed remainder: x%0 = x, INT_MIN%-1 = 0.
inline uint64_t rem64(uint64_t a, uint64_t b) {
    if (b == 0) return a;
    if (int64_t(a) == INT64_MIN && int64_t(b) == -1) return 0;
    return uint64_t(int64_t(a) % int64_t(b));
}
/// Unsigned remainder: x%0 = x.
inline uint64_t remu64(uint64_t a, uint64_t b) {
    return b == 0 ? a : a % b;
}

/// 32-bit signed division, result sign-extended.
inline uint64_t divw(uint64_t a, uint64_t b) {
    int32_t x = int32_t(a), y = int32_t(b);
    if (y == 0) return ~uint64_t(0);
    if (x == INT32_MIN && y == -1) return sext32(uint32_t(x));
    return sext32(uint32_t(x / y));
}
/// 32-bit unsigned division, result sign-extended.
inline uint64_t divuw(uint64_t a, uint64_t b) {
    uint32_t x = uint32_t(a), y = uint32_t(b);
    return y == 0 ? ~uint64_t(0) : sext32(x / y);
}
/// 32-bit signed remainder, result sign-extended.
inline uint64_t remw(uint64_t a, uint64_t b) {
    int32_t x = int32_t(a), y = int32_t(b);
    if (y == 0) return sext32(uint32_t(x));
    if (x == INT32_MIN && y == -1) return 0;
    return sext32(uint32_t(x % y));
}
/// 32-bit unsigned remainder, result sign-extended.
inline uint64_t remuw(uint64_t a, uint64_t b) {
    uint32_t x = uint32_t(a), y = uint32_t(b);
    return y == 0 ? sext32(x) : sext32(x % y);
}

/// orc.b: each byte becomes 0xff when non-zero, else 0x00.
inline uint64_t orc_b(uint64_t v) {
    uint64_t out = 0;
    for (unsigned i = 0; i < 64; i += 8) {
        if ((v >> i) & 0xff) out |= uint64_t(0xff) << i;
    }
    return out;
}

/// 32-bit rotate left, result sign-extended.
inline uint64_t rolw(uint64_t a, uint64_t b) {
    return sext32(std::rotl(uint32_t(a), int(b & 31)));
}
/// 32-bit rotate right, result sign-extended.
inline uint64_t rorw(uint64_t a, uint64_t b) {
    return sext32(std::rotr(uint32_t(a), int(b & 31)));
}

} // namespace machina::dbt::interp
