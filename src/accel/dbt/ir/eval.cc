#include "accel/dbt/ir/eval.h"

#include <bit>

namespace machina::dbt::ir {

namespace {

template <typename U>
uint64_t eval_typed(Opcode op, U a, U b, U c, bool& ok) {
    using S = std::make_signed_t<U>;
    constexpr unsigned kBits = sizeof(U) * 8;
    constexpr U kSignMin = U(1) << (kBits - 1);
    const unsigned sh = unsigned(b) & (kBits - 1);
    switch (op) {
    case Opcode::Add: return U(a + b);
    case Opcode::Sub: return U(a - b);
    case Opcode::Mul: return U(a * b);
    case Opcode::And: return a & b;
    case Opcode::Or: return a | b;
    case Opcode::Xor: return a ^ b;
    case Opcode::Shl: return U(a << sh);
    case Opcode::Shr: return U(a >> sh);
    case Opcode::Sar: return U(S(a) >> sh);
    case Opcode::Rol: return std::rotl(a, int(sh));
    case Opcode::Ror: return std::rotr(a, int(sh));
    case Opcode::DivS:
        if (b == 0) return U(~U(0));
        if (a == kSignMin && S(b) == -1) return a;
        return U(S(a) / S(b));
    case Opcode::DivU: return b == 0 ? U(~U(0)) : U(a / b);
    case Opcode::RemS:
        if (b == 0) return a;
        if (a == kSignMin && S(b) == -1) return 0;
        return U(S(a) % S(b));
    case Opcode::RemU: return b == 0 ? a : U(a % b);
    case Opcode::MinS: return S(a) < S(b) ? a : b;
    case Opcode::MinU: return a < b ? a : b;
    case Opcode::MaxS: return S(a) > S(b) ? a : b;
    case Opcode::MaxU: return a > b ? a : b;
    case Opcode::Eq: return a == b;
    case Opcode::Ne: return a != b;
    case Opcode::LtS: return S(a) < S(b);
    case Opcode::LtU: return a < b;
    case Opcode::GeS: return S(a) >= S(b);
    case Opcode::GeU: return a >= b;
    case Opcode::Not: return U(~a);
    case Opcode::Sext8: return U(S(int8_t(a)));
    case Opcode::Sext16: return U(S(int16_t(a)));
    case Opcode::Zext16: return uint16_t(a);
    case Opcode::Clz: return U(std::countl_zero(a));
    case Opcode::Ctz: return U(std::countr_zero(a));
    case Opcode::Popcnt: return U(std::popcount(a));
    case Opcode::Bswap:
        if constexpr (sizeof(U) == 8)
            return __builtin_bswap64(a);
        else
            return __builtin_bswap32(a);
    case Opcode::OrcB: {
        U r = 0;
        for (unsigned i = 0; i < sizeof(U); ++i) {
            if ((a >> (8 * i)) & 0xff) r |= U(0xff) << (8 * i);
        }
        return r;
    }
    default:
        (void)c;
        ok = false;
        return 0;
    }
}

} // namespace

std::optional<uint64_t> evaluate(Opcode op, Type type, uint64_t a, uint64_t b, uint64_t c) {
    bool ok = true;
    uint64_t r = 0;
    switch (op) {
    case Opcode::Select: r = a != 0 ? b : c; break;
    case Opcode::Sext32: r = uint64_t(int64_t(int32_t(uint32_t(a)))); break;
    case Opcode::Zext32:
    case Opcode::Trunc32: r = uint32_t(a); break;
    case Opcode::MulHS: r = uint64_t((__int128(int64_t(a)) * __int128(int64_t(b))) >> 64); break;
    case Opcode::MulHU: r = uint64_t((unsigned __int128)a * b >> 64); break;
    case Opcode::MulHSU:
        r = uint64_t((__int128(int64_t(a)) * __int128((unsigned __int128)b)) >> 64);
        break;
    default:
        // Compares produce I64 but operate on their operands' type: callers pass the operand
        // type for them.
        if (type == Type::I32) {
            r = eval_typed<uint32_t>(op, uint32_t(a), uint32_t(b), uint32_t(c), ok);
        } else if (type == Type::I64) {
            r = eval_typed<uint64_t>(op, a, b, c, ok);
        } else {
            ok = false;
        }
    }
    if (!ok) return std::nullopt;
    return r;
}

} // namespace machina::dbt::ir
