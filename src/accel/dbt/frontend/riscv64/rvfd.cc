// F and D: loads, stores, moves, sign injection, and (in round-to-nearest-even) arithmetic,
// compares and the common conversions are native IR; the rest (other rounding modes, min/max,
// fclass, unsigned conversions, FMA without host FMA) call the interpreter's FP executor for that
// one instruction (exact IEEE results and fflags), as do the counter CSRs (zicsr.cc has the FP
// ones).
#include "accel/dbt/frontend/riscv64/visitor.h"

namespace machina::dbt::frontend {

using decoder::Fmt;
using decoder::Op;
using ir::Opcode;
using ir::Value;

namespace {
constexpr uint64_t kNanBox = 0xffffffff00000000ull;
} // namespace

bool visit_fd(InsnContext& c) {
    ir::Builder& ir = c.ir;
    auto addr = [&]() { return ir.op(Opcode::Add, c.rs1(), c.imm()); };
    switch (c.d.op) {
    case Op::Flw:
        ir.set_freg(c.d.rd, ir.op(Opcode::Or, ir.op(Opcode::Load32U, addr()), ir.c64(kNanBox)));
        return true;
    case Op::Fld: ir.set_freg(c.d.rd, ir.op(Opcode::Load64, addr())); return true;
    case Op::Fsw: ir.op(Opcode::Store32, addr(), ir.get_freg(c.d.rs2)); return true;
    case Op::Fsd: ir.op(Opcode::Store64, addr(), ir.get_freg(c.d.rs2)); return true;
    case Op::FmvXD: c.set_rd(ir.get_freg(c.d.rs1)); return true;
    case Op::FmvDX: ir.set_freg(c.d.rd, c.rs1()); return true;
    case Op::FmvXW: c.set_rd(c.sx(c.lo(ir.get_freg(c.d.rs1)))); return true;
    case Op::FmvWX:
        ir.set_freg(c.d.rd,
                    ir.op(Opcode::Or, ir.op(Opcode::Zext32, c.lo(c.rs1())), ir.c64(kNanBox)));
        return true;
    default: break;
    }
    // Arithmetic in round-to-nearest-even (static, or dynamic with frm checked at run time) is
    // native; other rounding modes go to the executor. `sp`: single precision.
    const bool rne = c.d.rm == 0 || c.d.rm == 7;
    auto fbin = [&](Opcode op, bool sp) {
        c.check_frm(c.d.rm);
        c.ir.set_freg(c.d.rd, ir.op(op, ir.get_freg(c.d.rs1), ir.get_freg(c.d.rs2), ir::kNoValue,
                                    sp ? ir::kFpSingle : 0));
    };
    constexpr uint64_t kSign = uint64_t(1) << 63;
    constexpr uint64_t kSignS = uint64_t(1) << 31;
    // A single operand as RISC-V reads it: itself when NaN-boxed, else the (boxed) canonical NaN.
    auto unboxed = [&](Value a) {
        Value boxed = ir.op(Opcode::Eq, ir.op(Opcode::Shr, a, ir.c64(32)), ir.c64(0xffffffff));
        return ir.op(Opcode::Select, boxed, a, ir.c64(kNanBox | 0x7fc00000));
    };
    switch (c.d.op) {
    case Op::FsgnjD: // fmv.d, fabs.d, fneg.d and friends: bit operations, no flags
    case Op::FsgnjnD:
    case Op::FsgnjxD: {
        Value a = ir.get_freg(c.d.rs1);
        Value b = ir.get_freg(c.d.rs2);
        Value r;
        if (c.d.op == Op::FsgnjxD) {
            r = ir.op(Opcode::Xor, a, ir.op(Opcode::And, b, ir.c64(kSign)));
        } else {
            Value sign = c.d.op == Op::FsgnjD ? b : ir.op(Opcode::Not, b);
            r = ir.op(Opcode::Or, ir.op(Opcode::And, a, ir.c64(~kSign)),
                      ir.op(Opcode::And, sign, ir.c64(kSign)));
        }
        ir.set_freg(c.d.rd, r);
        return true;
    }
    case Op::FsgnjS: // the same on unboxed singles; the box (upper ones) of `a` carries over
    case Op::FsgnjnS:
    case Op::FsgnjxS: {
        Value a = unboxed(ir.get_freg(c.d.rs1));
        Value b = c.d.rs2 == c.d.rs1 ? a : unboxed(ir.get_freg(c.d.rs2));
        Value r;
        if (c.d.op == Op::FsgnjxS) {
            r = ir.op(Opcode::Xor, a, ir.op(Opcode::And, b, ir.c64(kSignS)));
        } else {
            Value sign = c.d.op == Op::FsgnjS ? b : ir.op(Opcode::Not, b);
            r = ir.op(Opcode::Or, ir.op(Opcode::And, a, ir.c64(~kSignS)),
                      ir.op(Opcode::And, sign, ir.c64(kSignS)));
        }
        ir.set_freg(c.d.rd, r);
        return true;
    }
    case Op::FeqD:
    case Op::FltD:
    case Op::FleD:
    case Op::FeqS:
    case Op::FltS:
    case Op::FleS: {
        const bool sp = c.d.op == Op::FeqS || c.d.op == Op::FltS || c.d.op == Op::FleS;
        const uint64_t kind = (c.d.op == Op::FeqD || c.d.op == Op::FeqS)   ? 0
                              : (c.d.op == Op::FltD || c.d.op == Op::FltS) ? 1
                                                                           : 2;
        c.set_rd(ir.op(Opcode::FCmp, ir.get_freg(c.d.rs1), ir.get_freg(c.d.rs2), ir::kNoValue,
                       kind | (sp ? ir::kFpSingle : 0)));
        return true;
    }
    case Op::FcvtDL:
    case Op::FcvtDW:
    case Op::FcvtSL:
    case Op::FcvtSW: {
        // fcvt.d.w is exact in any rounding mode, but an invalid mode must still trap: only
        // static RNE or dynamic (checked) are native.
        if (!rne) break;
        const bool w = c.d.op == Op::FcvtDW || c.d.op == Op::FcvtSW;
        const bool sp = c.d.op == Op::FcvtSL || c.d.op == Op::FcvtSW;
        c.check_frm(c.d.rm);
        ir.set_freg(c.d.rd, ir.op(Opcode::FCvtFI, c.rs1(), ir::kNoValue, ir::kNoValue,
                                  (w ? 2 : 0) | (sp ? ir::kFpSingle : 0)));
        return true;
    }
    case Op::FcvtLD:
    case Op::FcvtWD:
    case Op::FcvtLS:
    case Op::FcvtWS: {
        if (!rne && c.d.rm != 1) break; // RNE, dynamic (checked) or static RTZ
        const bool w = c.d.op == Op::FcvtWD || c.d.op == Op::FcvtWS;
        const bool sp = c.d.op == Op::FcvtLS || c.d.op == Op::FcvtWS;
        const uint64_t flags = (w ? 2 : 0) | (c.d.rm == 1 ? 4 : 0) | (sp ? ir::kFpSingle : 0);
        c.check_frm(c.d.rm);
        c.set_rd(ir.op(Opcode::FCvtIF, ir.get_freg(c.d.rs1), ir::kNoValue, ir::kNoValue, flags));
        return true;
    }
    case Op::FcvtSD:
    case Op::FcvtDS:
        if (!rne) break;
        c.check_frm(c.d.rm);
        ir.set_freg(c.d.rd, ir.op(Opcode::FCvtFF, ir.get_freg(c.d.rs1), ir::kNoValue, ir::kNoValue,
                                  c.d.op == Op::FcvtSD ? ir::kFpSingle : 0));
        return true;
    default: break;
    }
    if (rne) {
        switch (c.d.op) {
        case Op::FaddD: fbin(Opcode::FAdd, false); return true;
        case Op::FsubD: fbin(Opcode::FSub, false); return true;
        case Op::FmulD: fbin(Opcode::FMul, false); return true;
        case Op::FdivD: fbin(Opcode::FDiv, false); return true;
        case Op::FaddS: fbin(Opcode::FAdd, true); return true;
        case Op::FsubS: fbin(Opcode::FSub, true); return true;
        case Op::FmulS: fbin(Opcode::FMul, true); return true;
        case Op::FdivS: fbin(Opcode::FDiv, true); return true;
        case Op::FsqrtD:
        case Op::FsqrtS:
            c.check_frm(c.d.rm);
            c.ir.set_freg(c.d.rd, ir.op(Opcode::FSqrt, ir.get_freg(c.d.rs1), ir::kNoValue,
                                        ir::kNoValue, c.d.op == Op::FsqrtS ? ir::kFpSingle : 0));
            return true;
        case Op::FmaddD:
        case Op::FmsubD:
        case Op::FnmsubD:
        case Op::FnmaddD:
        case Op::FmaddS:
        case Op::FmsubS:
        case Op::FnmsubS:
        case Op::FnmaddS: {
            if (!c.native_fma) break;
            const bool sp = c.d.op == Op::FmaddS || c.d.op == Op::FmsubS || c.d.op == Op::FnmsubS ||
                            c.d.op == Op::FnmaddS;
            const uint64_t variant = (c.d.op == Op::FmaddD || c.d.op == Op::FmaddS)     ? 0
                                     : (c.d.op == Op::FmsubD || c.d.op == Op::FmsubS)   ? 1
                                     : (c.d.op == Op::FnmsubD || c.d.op == Op::FnmsubS) ? 2
                                                                                        : 3;
            c.check_frm(c.d.rm);
            c.ir.set_freg(c.d.rd,
                          ir.op(Opcode::FMulAdd, ir.get_freg(c.d.rs1), ir.get_freg(c.d.rs2),
                                ir.get_freg(c.d.rs3), variant << 1 | (sp ? ir::kFpSingle : 0)));
            return true;
        }
        default: break;
        }
    }
    switch (decoder::op_info(c.d.op).fmt) {
    case Fmt::FR:
    case Fmt::FRrm:
    case Fmt::FR4:
    case Fmt::FR1rm:
    case Fmt::FCmp:
    case Fmt::FToX:
    case Fmt::XToF:
    case Fmt::FMvX:
    case Fmt::XMvF: ir.call_exec(c.d.raw); return true;
    case Fmt::Csr:
    case Fmt::CsrI:
        if (!visit_fcsr(c)) ir.call_exec(c.d.raw);
        return true;
    default: return false;
    }
}

} // namespace machina::dbt::frontend
