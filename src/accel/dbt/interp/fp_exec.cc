#include "accel/dbt/interp/fp_exec.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "accel/dbt/interp/fp_round.h"
#include "accel/dbt/interp/int_ops.h"

namespace machina::dbt::interp {

using decoder::DecodedInsn;
using decoder::Op;
using namespace fp;

namespace {

constexpr uint32_t kCanonicalNanS = 0x7fc00000u;
constexpr uint64_t kCanonicalNanD = 0x7ff8000000000000ull;
constexpr uint64_t kBoxHigh = 0xffffffff00000000ull;

/// A single from an FP register: an improperly NaN-boxed value reads as the canonical NaN.
uint32_t unbox_bits(uint64_t reg) {
    return (reg & kBoxHigh) == kBoxHigh ? uint32_t(reg) : kCanonicalNanS;
}
float unbox(uint64_t reg) {
    return std::bit_cast<float>(unbox_bits(reg));
}
double as_double(uint64_t reg) {
    return std::bit_cast<double>(reg);
}

/// NaN-boxes a single result, canonicalizing NaNs.
uint64_t box(float v) {
    return kBoxHigh | (std::isnan(v) ? kCanonicalNanS : std::bit_cast<uint32_t>(v));
}
/// A double result, canonicalizing NaNs.
uint64_t bits_of(double v) {
    return std::isnan(v) ? kCanonicalNanD : std::bit_cast<uint64_t>(v);
}

bool is_snan(float v) {
    uint32_t b = std::bit_cast<uint32_t>(v);
    return (b & 0x7f800000u) == 0x7f800000u && (b & 0x007fffffu) != 0 && !(b & 0x00400000u);
}
bool is_snan(double v) {
    uint64_t b = std::bit_cast<uint64_t>(v);
    return (b & 0x7ff0000000000000ull) == 0x7ff0000000000000ull &&
           (b & 0x000fffffffffffffull) != 0 && !(b & 0x0008000000000000ull);
}

/// fmin/fmax with RISC-V rules: a single NaN operand yields the other, two yield the canonical
/// NaN, -0 < +0, and signalling NaNs raise NV.
template <typename T>
T min_max(T a, T b, bool is_max, uint32_t* flags) {
    if (is_snan(a) || is_snan(b)) *flags |= kNV;
    if (std::isnan(a) && std::isnan(b)) return std::numeric_limits<T>::quiet_NaN();
    if (std::isnan(a)) return b;
    if (std::isnan(b)) return a;
    if (a == 0 && b == 0 && std::signbit(a) != std::signbit(b)) {
        return (std::signbit(a) != is_max) ? a : b;
    }
    if (is_max) return a > b ? a : b;
    return a < b ? a : b;
}

/// feq (quiet) / flt, fle (signalling) comparisons.
template <typename T>
uint64_t compare(Op op, T a, T b, uint32_t* flags) {
    bool quiet = op == Op::FeqS || op == Op::FeqD;
    if (std::isnan(a) || std::isnan(b)) {
        if (!quiet || is_snan(a) || is_snan(b)) *flags |= kNV;
        return 0;
    }
    if (quiet) return a == b;
    if (op == Op::FltS || op == Op::FltD) return a < b;
    return a <= b;
}

/// fclass bit for a value.
template <typename T>
uint64_t classify(T v) {
    bool neg = std::signbit(v);
    switch (std::fpclassify(v)) {
    case FP_INFINITE: return neg ? 1u << 0 : 1u << 7;
    case FP_NORMAL: return neg ? 1u << 1 : 1u << 6;
    case FP_SUBNORMAL: return neg ? 1u << 2 : 1u << 5;
    case FP_ZERO: return neg ? 1u << 3 : 1u << 4;
    default: return is_snan(v) ? 1u << 8 : 1u << 9;
    }
}

/// fcvt.{w,wu,l,lu}.{s,d}: round to an integer in mode rm, saturate with NV when out of range
/// (NaN saturates to the maximum), NX when inexact. 32-bit results are sign-extended.
template <typename T>
uint64_t to_integer(T v, unsigned rm, bool is_signed, bool is64, uint32_t* flags) {
    double lo = is_signed ? (is64 ? -0x1p63 : -0x1p31) : 0.0;
    double hi = is_signed ? (is64 ? 0x1p63 : 0x1p31) : (is64 ? 0x1p64 : 0x1p32); // exclusive
    uint64_t max = is_signed ? (is64 ? uint64_t(INT64_MAX) : uint64_t(INT32_MAX))
                             : (is64 ? ~uint64_t(0) : sext32(UINT32_MAX));
    uint64_t min = is_signed ? (is64 ? uint64_t(INT64_MIN) : sext32(uint32_t(INT32_MIN))) : 0;
    if (std::isnan(v)) {
        *flags |= kNV;
        return max;
    }
    T r;
    switch (rm) {
    case kRtz: r = std::trunc(v); break;
    case kRdn: r = std::floor(v); break;
    case kRup: r = std::ceil(v); break;
    case kRmm: r = std::round(v); break;
    default: r = std::rint(v); break; // the host runs in RNE outside eval_in_mode
    }
    if (r < lo || r >= hi) {
        *flags |= kNV;
        return r < 0 ? min : max;
    }
    if (r != v) *flags |= kNX;
    if (is_signed) return is64 ? uint64_t(int64_t(r)) : sext32(uint32_t(int32_t(r)));
    return is64 ? uint64_t(r) : sext32(uint32_t(r));
}

/// The effective static rounding mode, or -1 when reserved.
int effective_rm(const DecodedInsn& d, uint32_t fcsr) {
    unsigned rm = d.rm == kDyn ? (fcsr >> 5) & 7 : d.rm;
    return rm <= kRmm ? int(rm) : -1;
}

constexpr auto kAdd = [](auto a, auto b) { return a + b; };
constexpr auto kSub = [](auto a, auto b) { return a - b; };
constexpr auto kMul = [](auto a, auto b) { return a * b; };
constexpr auto kDiv = [](auto a, auto b) { return a / b; };
constexpr auto kSqrt = [](auto a) { return std::sqrt(a); };
constexpr auto kFma = [](auto a, auto b, auto c) { return std::fma(a, b, c); };
constexpr auto kSame = [](auto a) { return a; };

/// Fused multiply-add family: the sign flips select fmadd/fmsub/fnmsub/fnmadd. inf x 0 is
/// invalid even when the addend is a quiet NaN.
template <typename T, typename W>
T fused(Op op, T a, T b, T c, unsigned rm, uint32_t* flags) {
    bool neg_product =
        op == Op::FnmsubS || op == Op::FnmaddS || op == Op::FnmsubD || op == Op::FnmaddD;
    bool neg_addend =
        op == Op::FmsubS || op == Op::FnmaddS || op == Op::FmsubD || op == Op::FnmaddD;
    if ((std::isinf(a) && b == 0) || (a == 0 && std::isinf(b))) {
        *flags |= kNV;
        return std::numeric_limits<T>::quiet_NaN();
    }
    if (neg_product) a = -a;
    if (neg_addend) c = -c;
    return round_op<T, W>(rm, flags, kFma, a, b, c);
}

} // namespace

bool fp_execute(riscv::HartState& s, const DecodedInsn& d) {
    int rm_or_bad = effective_rm(d, s.fcsr);
    const uint64_t ra = s.f[d.rs1], rb = s.f[d.rs2], rc = s.f[d.rs3];
    const uint64_t xa = s.x[d.rs1];
    uint32_t flags = s.fcsr & riscv::kFflagsMask; // accumulated in place
    uint64_t fd = 0;                              // new f[rd] (when writes_f)
    uint64_t xd = 0;                              // new x[rd] (when writes_x)
    bool writes_f = true;
    bool writes_x = false;
    auto rm = unsigned(rm_or_bad);

    switch (d.op) {
    // Everything that rounds needs a valid rounding mode.
    case Op::FaddS:
    case Op::FsubS:
    case Op::FmulS:
    case Op::FdivS:
    case Op::FaddD:
    case Op::FsubD:
    case Op::FmulD:
    case Op::FdivD:
    case Op::FsqrtS:
    case Op::FsqrtD:
    case Op::FmaddS:
    case Op::FmsubS:
    case Op::FnmsubS:
    case Op::FnmaddS:
    case Op::FmaddD:
    case Op::FmsubD:
    case Op::FnmsubD:
    case Op::FnmaddD:
    case Op::FcvtSD:
    case Op::FcvtDS:
    case Op::FcvtWS:
    case Op::FcvtWuS:
    case Op::FcvtLS:
    case Op::FcvtLuS:
    case Op::FcvtWD:
    case Op::FcvtWuD:
    case Op::FcvtLD:
    case Op::FcvtLuD:
    case Op::FcvtSW:
    case Op::FcvtSWu:
    case Op::FcvtSL:
    case Op::FcvtSLu:
    case Op::FcvtDW:
    case Op::FcvtDWu:
    case Op::FcvtDL:
    case Op::FcvtDLu:
        if (rm_or_bad < 0) return false;
        break;
    default: break;
    }

    switch (d.op) {
    case Op::FaddS:
        fd = box(round_op<float, double>(rm, &flags, kAdd, unbox(ra), unbox(rb)));
        break;
    case Op::FsubS:
        fd = box(round_op<float, double>(rm, &flags, kSub, unbox(ra), unbox(rb)));
        break;
    case Op::FmulS:
        fd = box(round_op<float, double>(rm, &flags, kMul, unbox(ra), unbox(rb)));
        break;
    case Op::FdivS:
        fd = box(round_op<float, double>(rm, &flags, kDiv, unbox(ra), unbox(rb)));
        break;
    case Op::FsqrtS: fd = box(round_op<float, double>(rm, &flags, kSqrt, unbox(ra))); break;
    case Op::FaddD:
        fd = bits_of(round_op<double, long double>(rm, &flags, kAdd, as_double(ra), as_double(rb)));
        break;
    case Op::FsubD:
        fd = bits_of(round_op<double, long double>(rm, &flags, kSub, as_double(ra), as_double(rb)));
        break;
    case Op::FmulD:
        fd = bits_of(round_op<double, long double>(rm, &flags, kMul, as_double(ra), as_double(rb)));
        break;
    case Op::FdivD:
        fd = bits_of(round_op<double, long double>(rm, &flags, kDiv, as_double(ra), as_double(rb)));
        break;
    case Op::FsqrtD:
        fd = bits_of(round_op<double, long double>(rm, &flags, kSqrt, as_double(ra)));
        break;
    case Op::FmaddS:
    case Op::FmsubS:
    case Op::FnmsubS:
    case Op::FnmaddS:
        fd = box(fused<float, double>(d.op, unbox(ra), unbox(rb), unbox(rc), rm, &flags));
        break;
    case Op::FmaddD:
    case Op::FmsubD:
    case Op::FnmsubD:
    case Op::FnmaddD:
        fd = bits_of(fused<double, long double>(d.op, as_double(ra), as_double(rb), as_double(rc),
                                                rm, &flags));
        break;
    // Sign injection and moves: raw bits, no canonicalization.
    case Op::FsgnjS:
    case Op::FsgnjnS:
    case Op::FsgnjxS: {
        uint32_t a = unbox_bits(ra), b = unbox_bits(rb);
        uint32_t sign = d.op == Op::FsgnjS ? b : d.op == Op::FsgnjnS ? ~b : (a ^ b);
        fd = kBoxHigh | (a & 0x7fffffffu) | (sign & 0x80000000u);
        break;
    }
    case Op::FsgnjD:
    case Op::FsgnjnD:
    case Op::FsgnjxD: {
        constexpr uint64_t kSign = 0x8000000000000000ull;
        uint64_t sign = d.op == Op::FsgnjD ? rb : d.op == Op::FsgnjnD ? ~rb : (ra ^ rb);
        fd = (ra & ~kSign) | (sign & kSign);
        break;
    }
    case Op::FminS:
    case Op::FmaxS: fd = box(min_max(unbox(ra), unbox(rb), d.op == Op::FmaxS, &flags)); break;
    case Op::FminD:
    case Op::FmaxD:
        fd = bits_of(min_max(as_double(ra), as_double(rb), d.op == Op::FmaxD, &flags));
        break;
    case Op::FcvtSD: fd = box(round_op<float, double>(rm, &flags, kSame, as_double(ra))); break;
    case Op::FcvtDS:
        fd = bits_of(round_op<double, long double>(rm, &flags, kSame, double(unbox(ra))));
        if (is_snan(unbox(ra))) flags |= kNV;
        break;
    case Op::FmvXW:
        writes_f = false;
        writes_x = true;
        xd = sext32(uint32_t(ra));
        break;
    case Op::FmvWX: fd = kBoxHigh | uint32_t(xa); break;
    case Op::FmvXD:
        writes_f = false;
        writes_x = true;
        xd = ra;
        break;
    case Op::FmvDX: fd = xa; break;
    case Op::FclassS:
        writes_f = false;
        writes_x = true;
        xd = classify(unbox(ra));
        break;
    case Op::FclassD:
        writes_f = false;
        writes_x = true;
        xd = classify(as_double(ra));
        break;
    case Op::FeqS:
    case Op::FltS:
    case Op::FleS:
        writes_f = false;
        writes_x = true;
        xd = compare(d.op, unbox(ra), unbox(rb), &flags);
        break;
    case Op::FeqD:
    case Op::FltD:
    case Op::FleD:
        writes_f = false;
        writes_x = true;
        xd = compare(d.op, as_double(ra), as_double(rb), &flags);
        break;
    case Op::FcvtWS:
    case Op::FcvtWuS:
    case Op::FcvtLS:
    case Op::FcvtLuS: {
        writes_f = false;
        writes_x = true;
        bool is_signed = d.op == Op::FcvtWS || d.op == Op::FcvtLS;
        bool is64 = d.op == Op::FcvtLS || d.op == Op::FcvtLuS;
        xd = to_integer(unbox(ra), rm, is_signed, is64, &flags);
        break;
    }
    case Op::FcvtWD:
    case Op::FcvtWuD:
    case Op::FcvtLD:
    case Op::FcvtLuD: {
        writes_f = false;
        writes_x = true;
        bool is_signed = d.op == Op::FcvtWD || d.op == Op::FcvtLD;
        bool is64 = d.op == Op::FcvtLD || d.op == Op::FcvtLuD;
        xd = to_integer(as_double(ra), rm, is_signed, is64, &flags);
        break;
    }
    case Op::FcvtSW: fd = box(round_op<float, long double>(rm, &flags, kSame, int32_t(xa))); break;
    case Op::FcvtSWu:
        fd = box(round_op<float, long double>(rm, &flags, kSame, uint32_t(xa)));
        break;
    case Op::FcvtSL: fd = box(round_op<float, long double>(rm, &flags, kSame, int64_t(xa))); break;
    case Op::FcvtSLu:
        fd = box(round_op<float, long double>(rm, &flags, kSame, uint64_t(xa)));
        break;
    case Op::FcvtDW:
        fd = bits_of(round_op<double, long double>(rm, &flags, kSame, int32_t(xa)));
        break;
    case Op::FcvtDWu:
        fd = bits_of(round_op<double, long double>(rm, &flags, kSame, uint32_t(xa)));
        break;
    case Op::FcvtDL:
        fd = bits_of(round_op<double, long double>(rm, &flags, kSame, int64_t(xa)));
        break;
    case Op::FcvtDLu:
        fd = bits_of(round_op<double, long double>(rm, &flags, kSame, uint64_t(xa)));
        break;
    default: return false;
    }
    if (writes_f) s.f[d.rd] = fd;
    if (writes_x && d.rd != 0) s.x[d.rd] = xd;
    s.fcsr = (s.fcsr & ~riscv::kFflagsMask) | (flags & riscv::kFflagsMask);
    return true;
}

} // namespace machina::dbt::interp
