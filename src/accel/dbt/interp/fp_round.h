#pragma once
// Host-FPU evaluation of one IEEE operation under a RISC-V rounding mode, with the exception
// flags it raised in RISC-V fflags form. RNE/RTZ/RDN/RUP map to the host modes; RMM (ties
// away from zero) has no host mode: it is RNE except on exact ties that RNE resolved toward
// zero, which are detected by recomputing in a wider format (a tie is an exact midpoint, and
// midpoints are representable in the wider format).
//
// x86-64 only: float/double run on SSE. SSE detects tininess after rounding and raises underflow
// only when the result is also inexact, as RISC-V requires. This file must be compiled with
// -frounding-math.

#include <cfenv>
#include <cmath>
#include <cstdint>
#include <limits>

#include <xmmintrin.h>

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

/// Evaluates fn() under host rounding mode `mode` with the x87/SSE fenv interface (used for
/// long double, the wide format of the RMM tie check); *flags = the exceptions it raised.
template <typename R, typename Fn>
R eval_in_mode_fenv(int mode, uint32_t* flags, Fn fn) {
    std::feclearexcept(FE_ALL_EXCEPT);
    if (mode != FE_TONEAREST) std::fesetround(mode);
    R r = barrier(R(fn()));
    *flags = host_flags();
    if (mode != FE_TONEAREST) std::fesetround(FE_TONEAREST);
    return r;
}

/// MXCSR rounding-control bits for a host fenv mode.
inline unsigned mxcsr_rc(int mode) {
    switch (mode) {
    case FE_DOWNWARD: return 1u << 13;
    case FE_UPWARD: return 2u << 13;
    case FE_TOWARDZERO: return 3u << 13;
    default: return 0;
    }
}

/// Evaluates fn() under host rounding mode `mode`; *flags = the exceptions it raised. float and
/// double arithmetic runs on SSE, so the fast path programs MXCSR directly (clear flags, set
/// rounding control, no DAZ/FTZ), which is far cheaper than the fenv calls that also touch the
/// x87 unit.
template <typename R, typename Fn>
R eval_in_mode(int mode, uint32_t* flags, Fn fn) {
    if constexpr (sizeof(R) > sizeof(double)) {
        return eval_in_mode_fenv<R>(mode, flags, fn);
    } else {
        constexpr unsigned kFlagBits = 0x3f, kRcBits = 3u << 13, kDaz = 1u << 6, kFtz = 1u << 15;
        unsigned saved = _mm_getcsr();
        unsigned base = saved & ~(kFlagBits | kRcBits | kDaz | kFtz);
        _mm_setcsr(base | mxcsr_rc(mode));
        R r = barrier(R(fn()));
        unsigned after = _mm_getcsr();
        if (mode != FE_TONEAREST) _mm_setcsr(base);
        *flags = (after & 0x01 ? kNV : 0) | (after & 0x04 ? kDZ : 0) | (after & 0x08 ? kOF : 0) |
                 (after & 0x10 ? kUF : 0) | (after & 0x20 ? kNX : 0);
        return r;
    }
}

/// MXCSR flag bits for RISC-V fflags.
inline unsigned mxcsr_flags(uint32_t fflags) {
    return (fflags & kNV ? 0x01u : 0) | (fflags & kDZ ? 0x04u : 0) | (fflags & kOF ? 0x08u : 0) |
           (fflags & kUF ? 0x10u : 0) | (fflags & kNX ? 0x20u : 0);
}

/// Like eval_in_mode for float/double, but *fflags is the guest's accumulated fflags on entry and
/// on exit. MXCSR's sticky flags then play the role of the guest's: when MXCSR already holds
/// exactly the guest flags and rounding mode (the steady state of back-to-back FP instructions
/// in RNE), no MXCSR write is needed at all.
template <typename R, typename Fn>
R eval_accumulate(int mode, uint32_t* fflags, Fn fn) {
    static_assert(sizeof(R) <= sizeof(double));
    constexpr unsigned kDenormalFlag = 0x02;
    constexpr unsigned kFlagBits = 0x3f, kRcBits = 3u << 13, kDaz = 1u << 6, kFtz = 1u << 15;
    unsigned current = _mm_getcsr();
    unsigned base = current & ~(kFlagBits | kRcBits | kDaz | kFtz);
    unsigned want = base | mxcsr_rc(mode) | mxcsr_flags(*fflags);
    if ((current & ~kDenormalFlag) != want) _mm_setcsr(want);
    R r = barrier(R(fn()));
    unsigned after = _mm_getcsr();
    *fflags = (after & 0x01 ? kNV : 0) | (after & 0x04 ? kDZ : 0) | (after & 0x08 ? kOF : 0) |
              (after & 0x10 ? kUF : 0) | (after & 0x20 ? kNX : 0);
    if (mode != FE_TONEAREST) _mm_setcsr(base | (after & kFlagBits)); // host code runs in RNE
    return r;
}

/// Computes T(op(args...)) under RISC-V rounding mode rm (0-4), OR-ing the exceptions it
/// raises into *fflags. W is a wider type in which op(W(args)...) is either exact or certainly
/// not a tie of T (used only for RMM).
template <typename T, typename W, typename Op, typename... Args>
T round_op(unsigned rm, uint32_t* fflags, Op op, Args... args) {
    if (rm != kRmm) {
        return eval_accumulate<T>(host_mode(rm), fflags, [&] { return op(barrier(args)...); });
    }
    uint32_t f_ne = 0;
    T rne = eval_in_mode<T>(FE_TONEAREST, &f_ne, [&] { return op(barrier(args)...); });
    *fflags |= f_ne;
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
