// Integer arithmetic, shifts, multiply/divide, compares, selects and bit operations.
#include <bit>

#include "accel/dbt/backend/x86_64/emitter.h"

namespace machina::dbt::backend {

using namespace Xbyak;
using ir::Opcode;
using ir::Value;

void Emitter::emit_alu2(Value v) {
    const ir::Inst& in = m_block.insts[v];
    const bool w = in.type == ir::Type::I32;
    const Value a = in.args[0], b = in.args[1];
    Reg64 d = def(v);
    const Reg32e dd = sized(d, w);
    // A constant added to a value that stays live in another register: one lea, no copy (a
    // value needed again later is loaded into its own register first, as mov_val would).
    const bool add_imm = (in.op == Opcode::Add || in.op == Opcode::Sub) && fits_imm(b, w);
    int ra = m_cache.reg_of(m_cache.root(a));
    if (add_imm && ra < 0 && !is_const(a) && m_cache.worth_caching(m_cache.root(a)))
        ra = use_reg(a).getIdx();
    if (add_imm && ra >= 0 && ra != d.getIdx()) {
        const int64_t c = int64_t(int32_t(uint32_t(cval(b))));
        const int64_t disp = in.op == Opcode::Add ? c : -c;
        if (disp == int64_t(int32_t(disp))) {
            lea(dd, ptr[reg(ra) + int32_t(disp)]);
            finish(v, d);
            return;
        }
    }
    mov_val(d, a);
    auto op_ri = [&](uint32_t imm) {
        switch (in.op) {
        case Opcode::Add: add(dd, imm); break;
        case Opcode::Sub: sub(dd, imm); break;
        case Opcode::And: and_(dd, imm); break;
        case Opcode::Or: or_(dd, imm); break;
        case Opcode::Xor:
            if (imm == 0xffffffffu)
                not_(dd); // sign-extended -1 in both widths
            else
                xor_(dd, imm);
            break;
        case Opcode::Mul: imul(dd, dd, int(imm)); break;
        default: UNREACHABLE();
        }
    };
    auto op_rm = [&](const Operand& src) {
        switch (in.op) {
        case Opcode::Add: add(dd, src); break;
        case Opcode::Sub: sub(dd, src); break;
        case Opcode::And: and_(dd, src); break;
        case Opcode::Or: or_(dd, src); break;
        case Opcode::Xor: xor_(dd, src); break;
        case Opcode::Mul: imul(dd, src); break;
        default: UNREACHABLE();
        }
    };
    if (fits_imm(b, w)) {
        op_ri(uint32_t(cval(b)));
    } else if (read_in_place(b)) {
        op_rm(mem_of(b, w));
    } else {
        op_rm(sized(use(b, rcx), w));
    }
    finish(v, d);
}

void Emitter::emit_shift(Value v) {
    const ir::Inst& in = m_block.insts[v];
    const bool w = in.type == ir::Type::I32;
    const Value a = in.args[0], b = in.args[1];
    Reg64 d = def(v);
    const Reg32e dd = sized(d, w);
    if (is_const(b)) {
        const uint8_t amount = uint8_t(cval(b) & (w ? 31 : 63));
        if (in.op == Opcode::Ror && m_features.bmi2) {
            rorx(dd, sized(use(a, rax), w), amount);
            finish(v, d);
            return;
        }
        mov_val(d, a);
        switch (in.op) {
        case Opcode::Shl: shl(dd, amount); break;
        case Opcode::Shr: shr(dd, amount); break;
        case Opcode::Sar: sar(dd, amount); break;
        case Opcode::Rol: rol(dd, amount); break;
        case Opcode::Ror: ror(dd, amount); break;
        default: UNREACHABLE();
        }
        finish(v, d);
        return;
    }
    if (m_features.bmi2 && (in.op == Opcode::Shl || in.op == Opcode::Shr || in.op == Opcode::Sar)) {
        const Reg32e ra = sized(use(a, rax), w);
        const Reg32e rb = sized(use(b, rcx), w);
        switch (in.op) {
        case Opcode::Shl: shlx(dd, ra, rb); break;
        case Opcode::Shr: shrx(dd, ra, rb); break;
        default: sarx(dd, ra, rb); break;
        }
        finish(v, d);
        return;
    }
    mov_val(rcx, b);
    mov_val(d, a);
    switch (in.op) {
    case Opcode::Shl: shl(dd, cl); break;
    case Opcode::Shr: shr(dd, cl); break;
    case Opcode::Sar: sar(dd, cl); break;
    case Opcode::Rol: rol(dd, cl); break;
    case Opcode::Ror: ror(dd, cl); break;
    default: UNREACHABLE();
    }
    // A count of 0 leaves the register as it was, upper half included: I32 operands may carry
    // garbage there (Trunc32 shares its operand's register), so zero-extend explicitly.
    if (w) mov(dd, dd);
    finish(v, d);
}

void Emitter::udiv_by_const(uint64_t d) {
    // rcx = rcx / d (unsigned 64-bit, d >= 1); clobbers rax and rdx. For d not a power of two
    // (Granlund and Montgomery, "Division by invariant integers using multiplication", 4.1):
    // l = ceil(log2 d), m = floor(2^64 (2^l - d) / d) + 1, t = mulhi(m, n),
    // q = (t + ((n - t) >> 1)) >> (l - 1).
    if ((d & (d - 1)) == 0) {
        if (d > 1) shr(rcx, std::countr_zero(d));
        return;
    }
    const int l = 64 - std::countl_zero(d - 1);
    const uint64_t excess = l == 64 ? uint64_t(0) - d : (uint64_t(1) << l) - d; // 2^l - d < d
    const uint64_t m = uint64_t(((static_cast<unsigned __int128>(excess) << 64) / d) + 1);
    mov(rax, m);
    mul(rcx);
    sub(rcx, rdx);
    shr(rcx, 1);
    add(rcx, rdx);
    shr(rcx, l - 1);
}

void Emitter::emit_divrem_const(Value v) {
    // Division by a non-zero constant: a multiply instead of div/idiv. 32-bit operations run on
    // the sign- or zero-extended operand (exact, MIN / -1 included), keeping the low half.
    const ir::Inst& in = m_block.insts[v];
    const bool w = in.type == ir::Type::I32;
    const bool is_signed = in.op == Opcode::DivS || in.op == Opcode::RemS;
    const bool is_rem = in.op == Opcode::RemS || in.op == Opcode::RemU;
    const Value a = in.args[0];
    const uint64_t raw = cval(in.args[1]);
    const uint64_t c = !w          ? raw
                       : is_signed ? uint64_t(int64_t(int32_t(raw)))
                                   : uint64_t(uint32_t(raw));
    reserve_rdx();
    auto load_dividend = [&](const Reg64& r) { // extended to 64 bits
        mov_val(r, a);
        if (w && is_signed) movsxd(r, r.cvt32());
        if (w && !is_signed) mov(r.cvt32(), r.cvt32());
    };
    load_dividend(rcx);
    if (is_signed) {
        const bool negative = int64_t(c) < 0;
        mov(rax, rcx); // |x| (MIN stays 2^63 as an unsigned value)
        sar(rax, 63);
        xor_(rcx, rax);
        sub(rcx, rax);
        udiv_by_const(negative ? uint64_t(0) - c : c);
        load_dividend(rax); // quotient sign: sign(x) ^ sign(c)
        sar(rax, 63);
        if (negative) not_(rax);
        xor_(rcx, rax);
        sub(rcx, rax);
    } else {
        udiv_by_const(c);
    }
    Reg64 result = rcx;
    if (is_rem) { // x - q * c
        if (c == uint64_t(int64_t(int32_t(c)))) {
            imul(rcx, rcx, int32_t(c));
        } else {
            mov(rdx, c);
            imul(rcx, rdx);
        }
        load_dividend(rax);
        sub(rax, rcx);
        result = rax;
    }
    Reg64 d = def(v);
    if (w)
        mov(d.cvt32(), result.cvt32());
    else
        mov(d, result);
    finish(v, d);
}

void Emitter::emit_divrem(Value v) {
    // RISC-V: x / 0 = all ones, x % 0 = x; MIN / -1 = MIN, MIN % -1 = 0. x86 traps on both, so
    // they are tested first.
    const ir::Inst& in = m_block.insts[v];
    const bool w = in.type == ir::Type::I32;
    const bool is_signed = in.op == Opcode::DivS || in.op == Opcode::RemS;
    const bool is_rem = in.op == Opcode::RemS || in.op == Opcode::RemU;
    reserve_rdx();
    if (is_const(in.args[1]) && (w ? uint32_t(cval(in.args[1])) : cval(in.args[1])) != 0)
        return emit_divrem_const(v);
    mov_val(rax, in.args[0]);
    mov_val(rcx, in.args[1]);
    const Reg32e rax_w = sized(rax, w), rcx_w = sized(rcx, w), rdx_w = sized(rdx, w);
    Label by_zero, overflow, go, done;
    test(rcx_w, rcx_w);
    jz(by_zero, T_NEAR);
    if (is_signed) {
        cmp(rcx_w, -1);
        jne(go);
        if (w) {
            cmp(eax, 0x80000000u);
        } else {
            mov(rdx, uint64_t(1) << 63);
            cmp(rax, rdx);
        }
        je(overflow, T_NEAR);
        L(go);
        if (w)
            cdq();
        else
            cqo();
        idiv(rcx_w);
    } else {
        xor_(edx, edx);
        div(rcx_w);
    }
    if (is_rem) mov(rax_w, rdx_w);
    jmp(done, T_NEAR);
    L(by_zero);
    if (!is_rem) mov(rax, w ? uint64_t(0xffffffffu) : ~uint64_t(0)); // remainder: rax = dividend
    if (is_signed) {
        jmp(done, T_NEAR);
        L(overflow);
        if (is_rem) xor_(eax, eax); // quotient: rax = dividend
    }
    L(done);
    Reg64 d = def(v);
    if (d.getIdx() != rax.getIdx()) mov(d, rax);
    finish(v, d);
}

void Emitter::emit_mulh(Value v) {
    const ir::Inst& in = m_block.insts[v];
    const Value a = in.args[0], b = in.args[1];
    reserve_rdx();
    mov_val(rax, a);
    // Always a register: returning an Xbyak::Address through Operand would slice it.
    auto operand_b = [&](const Reg64& scratch) -> Reg64 { return use(b, scratch); };
    switch (in.op) {
    case Opcode::MulHS: imul(operand_b(rcx)); break;
    case Opcode::MulHU: mul(operand_b(rcx)); break;
    default: {
        // signed a x unsigned b = unsigned product - (a < 0 ? b << 64 : 0).
        mul(operand_b(rcx));
        mov_val(rcx, a);
        sar(rcx, 63);
        and_(rcx, operand_b(rax));
        sub(rdx, rcx);
        break;
    }
    }
    Reg64 d = def(v);
    mov(d, rdx);
    finish(v, d);
}

void Emitter::emit_compare_flags(Value v) {
    const ir::Inst& in = m_block.insts[v];
    const Value a = in.args[0], b = in.args[1];
    const bool w = m_block.insts[a].type == ir::Type::I32;
    const Reg32e ra = sized(use(a, rax), w);
    if (fits_imm(b, w) && uint32_t(cval(b)) == 0) {
        test(ra, ra); // the same flags as cmp ra, 0
    } else if (fits_imm(b, w)) {
        cmp(ra, uint32_t(cval(b)));
    } else if (read_in_place(b)) {
        cmp(ra, mem_of(b, w));
    } else {
        cmp(ra, sized(use(b, rcx), w));
    }
}

void Emitter::emit_compare(Value v) {
    const ir::Inst& in = m_block.insts[v];
    emit_compare_flags(v);
    switch (in.op) {
    case Opcode::Eq: sete(al); break;
    case Opcode::Ne: setne(al); break;
    case Opcode::LtS: setl(al); break;
    case Opcode::LtU: setb(al); break;
    case Opcode::GeS: setge(al); break;
    case Opcode::GeU: setae(al); break;
    default: UNREACHABLE();
    }
    Reg64 d = def(v);
    movzx(d.cvt32(), al);
    finish(v, d);
}

void Emitter::jump_if_false(Value compare, const Label& target) {
    emit_compare_flags(compare);
    switch (m_block.insts[compare].op) {
    case Opcode::Eq: jne(target, T_NEAR); break;
    case Opcode::Ne: je(target, T_NEAR); break;
    case Opcode::LtS: jge(target, T_NEAR); break;
    case Opcode::LtU: jae(target, T_NEAR); break;
    case Opcode::GeS: jl(target, T_NEAR); break;
    case Opcode::GeU: jb(target, T_NEAR); break;
    default: UNREACHABLE();
    }
}

void Emitter::emit_select(Value v) {
    const ir::Inst& in = m_block.insts[v];
    const bool w = in.type == ir::Type::I32;
    Reg64 d = def(v);
    mov_val(d, in.args[2]);
    const Reg64 c = use(in.args[0], rax);
    // Every operand is loaded before the test: materializing a constant may clobber flags.
    const bool in_place = read_in_place(in.args[1]);
    const Reg64 t = in_place ? rcx : use(in.args[1], rcx);
    test(c, c);
    if (in_place) {
        cmovnz(sized(d, w), mem_of(in.args[1], w));
    } else {
        cmovnz(sized(d, w), sized(t, w));
    }
    finish(v, d);
}

void Emitter::emit_minmax(Value v) {
    const ir::Inst& in = m_block.insts[v];
    const bool w = in.type == ir::Type::I32;
    Reg64 d = def(v);
    mov_val(d, in.args[0]);
    const Reg32e rb = sized(use(in.args[1], rcx), w);
    const Reg32e dd = sized(d, w);
    cmp(dd, rb);
    switch (in.op) {
    case Opcode::MinS: cmovg(dd, rb); break;
    case Opcode::MinU: cmova(dd, rb); break;
    case Opcode::MaxS: cmovl(dd, rb); break;
    case Opcode::MaxU: cmovb(dd, rb); break;
    default: UNREACHABLE();
    }
    finish(v, d);
}

void Emitter::emit_bitcount(Value v) {
    const ir::Inst& in = m_block.insts[v];
    const bool w = in.type == ir::Type::I32;
    const unsigned width = w ? 32 : 64;
    if (in.op == Opcode::Popcnt && !m_features.popcnt) reserve_rdx(); // the SWAR count uses it
    const Reg32e ra = sized(use(in.args[0], rax), w);
    Reg64 d = def(v);
    const Reg32e dd = sized(d, w);
    switch (in.op) {
    case Opcode::Clz:
        if (m_features.lzcnt) {
            lzcnt(dd, ra);
        } else { // bsr gives the top bit's index; 0 -> (2w-1) ^ (w-1) = w
            mov(ecx, 2 * width - 1);
            bsr(dd, ra);
            cmovz(dd, sized(rcx, w));
            xor_(dd, width - 1);
        }
        break;
    case Opcode::Ctz:
        if (m_features.bmi1) {
            tzcnt(dd, ra);
        } else {
            mov(ecx, width);
            bsf(dd, ra);
            cmovz(dd, sized(rcx, w));
        }
        break;
    default: // Popcnt
        if (m_features.popcnt) {
            popcnt(dd, ra);
        } else { // SWAR count on the zero-extended 64-bit value
            if (w)
                mov(eax, ra.cvt32());
            else
                mov(rax, ra.cvt64());
            mov(rcx, rax);
            shr(rcx, 1);
            mov(rdx, 0x5555555555555555ull);
            and_(rcx, rdx);
            sub(rax, rcx);
            mov(rdx, 0x3333333333333333ull);
            mov(rcx, rax);
            shr(rcx, 2);
            and_(rax, rdx);
            and_(rcx, rdx);
            add(rax, rcx);
            mov(rcx, rax);
            shr(rcx, 4);
            add(rax, rcx);
            mov(rdx, 0x0f0f0f0f0f0f0f0full);
            and_(rax, rdx);
            mov(rdx, 0x0101010101010101ull);
            imul(rax, rdx);
            shr(rax, 56);
            mov(d, rax);
        }
        break;
    }
    finish(v, d);
}

void Emitter::emit_unary(Value v) {
    const ir::Inst& in = m_block.insts[v];
    const bool w = in.type == ir::Type::I32;
    const Value a = in.args[0];
    Reg64 d = def(v);
    const Reg32e dd = sized(d, w);
    switch (in.op) {
    case Opcode::Not:
        mov_val(d, a);
        not_(dd);
        break;
    case Opcode::Bswap:
        mov_val(d, a);
        bswap(dd);
        break;
    case Opcode::Sext8:
        if (read_in_place(a))
            movsx(dd, byte[home_exp(a)]);
        else
            movsx(dd, use(a, rax).cvt8());
        break;
    case Opcode::Sext16:
        if (read_in_place(a))
            movsx(dd, word[home_exp(a)]);
        else
            movsx(dd, use(a, rax).cvt16());
        break;
    case Opcode::Zext16:
        if (read_in_place(a))
            movzx(d.cvt32(), word[home_exp(a)]);
        else
            movzx(d.cvt32(), use(a, rax).cvt16());
        break;
    case Opcode::Sext32:
        if (read_in_place(a))
            movsxd(d, dword[home_exp(a)]);
        else
            movsxd(d, use(a, rax).cvt32());
        break;
    case Opcode::Zext32:
    case Opcode::Trunc32:
        if (read_in_place(a))
            mov(d.cvt32(), dword[home_exp(a)]);
        else
            mov(d.cvt32(), use(a, rax).cvt32());
        break;
    case Opcode::OrcB: // bytes equal to zero -> 0xff, then invert
        movq(xmm0, use(a, rax));
        pxor(xmm1, xmm1);
        pcmpeqb(xmm0, xmm1);
        movq(d, xmm0);
        not_(dd);
        break;
    default: UNREACHABLE();
    }
    finish(v, d);
}

} // namespace machina::dbt::backend
