#pragma once
// Host-FPU evaluation of one IEEE operation under a RISC-V rounding mode, with the exception
// flags it raised in RISC-V fflags form. RNE/RTZ/RDN/RUP map to the host modes; RMM (ties
// away from zero) has no host mode: it is RNE except on exact ties that RNE resolved toward
// zero, which are detected by recomputing in a wider format (a tie is an exact midpoint, and
// midpoints are representable in the wider format).
//
// x86 SSE detects tininess after rounding and raises underflow only when the result is also
// inexact, as RISC-V requires. This file must be compiled with -frounding-math.

#include <cfenv>
#include <cmath>
#include <cstdint>
#include <limits>

namespace machina::dbt::interp::fp {

constexpr uint32_t kNV = 0x10; ///< invalid operation
constexpr uint32_t kDZ = 0x08; ///< divide by zero
constexpr uint32_t kOF = 0x04; ///< overflow
constexpr uint32_t kUF = 0x02; ///< underflow
constexpr uint32_t kNX = 0x01; ///< inexact

/// RISC-V rounding modes.
enum Rm : unsigned { kRne = 0, kRtz = 1, kRdn = 2, kRup = 3, kRmm = 4, kDyn = 7 };

/// Keeps the compiler from moving a value's computation across fenv calls.
template <typename T>
inline T barrier(T v) {
    asm volatile("" : "+m"(v));
    return v;
}

/// Host exception flags as fflags.
inline uint32_t host_flags() {
    int e = std::fetestexcept(FE_ALL_EXCEPT);
    return (e & FE_INVALID ? kNV : 0) | (e & FE_DIVBYZERO ? kDZ : 0) | (e & FE_OVERFLOW ? kOF : 0) |
           (e & FE_UNDERFLOW ? kUF : 0) | (e & FE_INEXACT ? kNX : 0);
}

/// The host rounding mode of a static RISC-V mode (not RMM).
inline int host_mode(unsigned rm) {
    switch (rm) {
    case kRtz: return FE_TOWARDZERO;
    case kRdn: return FE_DOWNWARD;
    case kRup: return FE_UPWARD;
    default: return FE_TONEAREST;
    }
}

/// Evaluates fn() under host rounding mode `mode`; *flags = the exceptions it raised.
template <typename R, typename Fn>
R eval_in_mode(int mode, uint32_t* flags, Fn fn) {
    std::feclearexcept(FE_ALL_EXCEPT);
    if (mode != FE_TONEAREST) std::fesetround(mode);
    R r = barrier(R(fn()));
    *flags = host_flags();
    if (mode != FE_TONEAREST) std::fesetround(FE_TONEAREST);
    return r;
}

/// Computes T(op(args...)) under RISC-V rounding mode rm (0-4). W is a wider type in which
/// op(W(args)...) is either exact or certainly not a tie of T (used only for RMM).
template <typename T, typename W, typename Op, typename... Args>
T round_op(unsigned rm, uint32_t* flags, Op op, Args... args) {
    if (rm != kRmm) {
        return eval_in_mode<T>(host_mode(rm), flags, [&] { return op(barrier(args)...); });
    }
    uint32_t f_ne = 0;
    T rne = eval_in_mode<T>(FE_TONEAREST, &f_ne, [&] { return op(barrier(args)...); });
    *flags = f_ne;
    if (!(f_ne & kNX) || std::isnan(rne) || std::isinf(rne)) return rne;
    uint32_t f_tz = 0;
    T rtz = eval_in_mode<T>(FE_TOWARDZERO, &f_tz, [&] { return op(barrier(args)...); });
    if (rne != rtz || std::signbit(rne) != std::signbit(rtz)) return rne; // RNE went away
    T inf = std::numeric_limits<T>::infinity();
    T away = std::nextafter(rtz, std::signbit(rtz) ? -inf : inf);
    if (std::isinf(away)) return rne;
    uint32_t f_w = 0;
    W mid = eval_in_mode<W>(FE_TONEAREST, &f_w, [&] { return (W(rtz) + W(away)) / 2; });
    W wide = eval_in_mode<W>(FE_TONEAREST, &f_w, [&] { return op(barrier(W(args))...); });
    if (!(f_w & kNX) && wide == mid) return away; // exact tie: away from zero
    return rne;
}

} // namespace machina::dbt::interp::fp
