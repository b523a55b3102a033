// F and D: loads, stores and moves between register files are native IR; arithmetic,
// conversions and compares call the interpreter's FP executor for that one instruction (exact
// IEEE results and fflags), as do the Zicsr instructions.
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
    // Double arithmetic in round-to-nearest-even (static, or dynamic with frm checked at run
    // time) is native; other rounding modes go to the executor.
    const bool rne = c.d.rm == 0 || c.d.rm == 7;
    const uint64_t dyn = c.d.rm == 7 ? 1 : 0;
    auto fbin = [&](Opcode op) {
        c.ir.set_freg(c.d.rd,
                      ir.op(op, ir.get_freg(c.d.rs1), ir.get_freg(c.d.rs2), ir::kNoValue, dyn));
    };
    constexpr uint64_t kSign = uint64_t(1) << 63;
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
    case Op::FeqD:
    case Op::FltD:
    case Op::FleD: {
        const uint64_t kind = c.d.op == Op::FeqD ? 0 : c.d.op == Op::FltD ? 1 : 2;
        c.set_rd(
            ir.op(Opcode::FCmpD, ir.get_freg(c.d.rs1), ir.get_freg(c.d.rs2), ir::kNoValue, kind));
        return true;
    }
    case Op::FcvtDL:
    case Op::FcvtDW:
        // fcvt.d.w is exact in any rounding mode, but an invalid mode must still trap: only
        // static RNE or dynamic (checked) are native.
        if (!rne) break;
        ir.set_freg(c.d.rd, ir.op(Opcode::FCvtDL, c.rs1(), ir::kNoValue, ir::kNoValue,
                                  dyn | (c.d.op == Op::FcvtDW ? 2 : 0)));
        return true;
    case Op::FcvtLD:
    case Op::FcvtWD: {
        if (!rne && c.d.rm != 1) break; // RNE, dynamic (checked) or static RTZ
        const uint64_t flags = dyn | (c.d.op == Op::FcvtWD ? 2 : 0) | (c.d.rm == 1 ? 4 : 0);
        c.set_rd(ir.op(Opcode::FCvtLD, ir.get_freg(c.d.rs1), ir::kNoValue, ir::kNoValue, flags));
        return true;
    }
    default: break;
    }
    if (rne) {
        switch (c.d.op) {
        case Op::FaddD: fbin(Opcode::FAddD); return true;
        case Op::FsubD: fbin(Opcode::FSubD); return true;
        case Op::FmulD: fbin(Opcode::FMulD); return true;
        case Op::FdivD: fbin(Opcode::FDivD); return true;
        case Op::FsqrtD:
            c.ir.set_freg(c.d.rd, ir.op(Opcode::FSqrtD, ir.get_freg(c.d.rs1), ir::kNoValue,
                                        ir::kNoValue, dyn));
            return true;
        case Op::FmaddD:
        case Op::FmsubD:
        case Op::FnmsubD:
        case Op::FnmaddD: {
            if (!c.native_fma) break;
            const uint64_t variant = c.d.op == Op::FmaddD    ? 0
                                     : c.d.op == Op::FmsubD  ? 1
                                     : c.d.op == Op::FnmsubD ? 2
                                                             : 3;
            c.ir.set_freg(c.d.rd,
                          ir.op(Opcode::FMulAddD, ir.get_freg(c.d.rs1), ir.get_freg(c.d.rs2),
                                ir.get_freg(c.d.rs3), dyn | variant << 1));
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
    case Fmt::XMvF:
    case Fmt::Csr:
    case Fmt::CsrI: ir.call_exec(c.d.raw); return true;
    default: return false;
    }
}

} // namespace machina::dbt::frontend
