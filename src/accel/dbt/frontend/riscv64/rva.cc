// A: AMOs are native (host locked instructions); LR/SC too, with the reservation (address and
// the value LR saw) kept in HartState as the interpreter keeps it, and SC a compare-and-swap
// against that value.
#include "accel/dbt/frontend/riscv64/visitor.h"

namespace machina::dbt::frontend {

using decoder::Op;
using ir::Opcode;

bool visit_rva(InsnContext& c) {
    uint64_t kind = 0;
    bool word = false;
    switch (c.d.op) {
    case Op::AmoswapW: word = true; [[fallthrough]];
    case Op::AmoswapD: kind = ir::kAmoSwap; break;
    case Op::AmoaddW: word = true; [[fallthrough]];
    case Op::AmoaddD: kind = ir::kAmoAdd; break;
    case Op::AmoxorW: word = true; [[fallthrough]];
    case Op::AmoxorD: kind = ir::kAmoXor; break;
    case Op::AmoandW: word = true; [[fallthrough]];
    case Op::AmoandD: kind = ir::kAmoAnd; break;
    case Op::AmoorW: word = true; [[fallthrough]];
    case Op::AmoorD: kind = ir::kAmoOr; break;
    case Op::AmominW: word = true; [[fallthrough]];
    case Op::AmominD: kind = ir::kAmoMin; break;
    case Op::AmomaxW: word = true; [[fallthrough]];
    case Op::AmomaxD: kind = ir::kAmoMax; break;
    case Op::AmominuW: word = true; [[fallthrough]];
    case Op::AmominuD: kind = ir::kAmoMinU; break;
    case Op::AmomaxuW: word = true; [[fallthrough]];
    case Op::AmomaxuD: kind = ir::kAmoMaxU; break;
    case Op::LrW: word = true; [[fallthrough]];
    case Op::LrD: kind = ir::kAmoLr; break;
    case Op::ScW: word = true; [[fallthrough]];
    case Op::ScD: kind = ir::kAmoSc; break;
    default: return false;
    }
    c.set_rd(
        c.ir.op(Opcode::Amo, c.rs1(), c.rs2(), ir::kNoValue, kind | (word ? ir::kAmoWord : 0)));
    return true;
}

} // namespace machina::dbt::frontend
