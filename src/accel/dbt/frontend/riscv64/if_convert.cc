// If-conversion of short forward branches (user and system mode).
//
// RV64GC has no conditional move, so gcc compiles min/max, conditional increments and
// conditional moves into a branch over one to a few instructions:
//
//     bgeu a5, a4, 1f        (skip when a5 >= a4)
//     mv   a5, a4
//  1: ...
//
// (and if/else as `b<cc> L; then...; j J; L: else...; J:`). As a side exit, such a branch
// leaves the block whenever it is taken (every guest register
// written back, the target block entered through its chained jump); when it is unpredictable,
// half of the iterations of a loop leave it. Converted, the skipped instructions run anyway and
// every register they write takes Select(taken, value before, value after) where they join, so
// the block goes straight on. The instructions charged on entry but skipped go back to the
// budget (Unretire), which keeps instret and the budget exact. Only integer computation
// qualifies: it cannot fault, call out or change anything but the registers it writes.
#include "accel/dbt/frontend/riscv64/if_convert.h"

#include <algorithm>

namespace machina::dbt::frontend {

using decoder::Op;
using ir::Opcode;
using ir::Value;

bool is_pure_integer(Op op) {
    switch (op) {
    case Op::Lui:
    case Op::Auipc:
    case Op::Addi:
    case Op::Slti:
    case Op::Sltiu:
    case Op::Xori:
    case Op::Ori:
    case Op::Andi:
    case Op::Slli:
    case Op::Srli:
    case Op::Srai:
    case Op::Add:
    case Op::Sub:
    case Op::Sll:
    case Op::Slt:
    case Op::Sltu:
    case Op::Xor:
    case Op::Srl:
    case Op::Sra:
    case Op::Or:
    case Op::And:
    case Op::Addiw:
    case Op::Slliw:
    case Op::Srliw:
    case Op::Sraiw:
    case Op::Addw:
    case Op::Subw:
    case Op::Sllw:
    case Op::Srlw:
    case Op::Sraw:
    case Op::Mul:
    case Op::Mulw:
    case Op::AddUw:
    case Op::Sh1add:
    case Op::Sh2add:
    case Op::Sh3add:
    case Op::Sh1addUw:
    case Op::Sh2addUw:
    case Op::Sh3addUw:
    case Op::SlliUw:
    case Op::Andn:
    case Op::Orn:
    case Op::Xnor:
    case Op::Max:
    case Op::Maxu:
    case Op::Min:
    case Op::Minu:
    case Op::SextB:
    case Op::SextH:
    case Op::ZextH:
    case Op::Rol:
    case Op::Ror:
    case Op::Rolw:
    case Op::Rorw:
    case Op::Rori:
    case Op::Roriw:
    case Op::Bclr:
    case Op::Bclri:
    case Op::Bext:
    case Op::Bexti:
    case Op::Binv:
    case Op::Binvi:
    case Op::Bset:
    case Op::Bseti: return true;
    default: return false;
    }
}

namespace {

/// The compare that is 1 when branch `op` is taken.
Opcode taken_compare(Op op) {
    switch (op) {
    case Op::Beq: return Opcode::Eq;
    case Op::Bne: return Opcode::Ne;
    case Op::Blt: return Opcode::LtS;
    case Op::Bge: return Opcode::GeS;
    case Op::Bltu: return Opcode::LtU;
    case Op::Bgeu: return Opcode::GeU;
    default: UNREACHABLE();
    }
}

/// True when the instructions from `first` on are plain computation on guest registers.
bool only_computation(const ir::Block& block, size_t first) {
    for (size_t k = first; k < block.insts.size(); ++k) {
        const Opcode op = block.insts[k].op;
        if (op != Opcode::SetReg && ir::is_pinned(op)) return false;
        if (ir::info(op).flags & ir::kCall) return false;
    }
    return true;
}

} // namespace

bool emit_if_converted(ir::Builder& ir, const decoder::DecodedInsn& br, uint64_t pc,
                       const Hammock& body, unsigned* count) {
    ir::Block& block = ir.block();
    const size_t first_inst = block.insts.size();
    const size_t first_length = block.insn_length.size();
    const unsigned first_count = *count;
    auto roll_back = [&] {
        block.insts.resize(first_inst);
        block.insn_length.resize(first_length);
        *count = first_count;
        return false;
    };

    // The branch: its condition, and the registers either arm writes as they are before it.
    ir.set_guest(pc, uint16_t(*count));
    block.insn_length.push_back(br.length);
    ++*count;
    const Value taken = ir.op(taken_compare(br.op), ir.get_reg(br.rs1), ir.get_reg(br.rs2));
    unsigned written[Hammock::kMaxInsns];
    Value before[Hammock::kMaxInsns];
    Value then_value[Hammock::kMaxInsns];
    unsigned n_written = 0;
    for (unsigned k = 0; k < body.n; ++k) {
        const unsigned rd = body.insns[k].rd;
        if (k == body.jump || rd == 0 ||
            std::find(written, written + n_written, rd) != written + n_written)
            continue;
        written[n_written] = rd;
        before[n_written++] = ir.get_reg(rd);
    }

    // Both arms, translated as usual, one after the other: the fall-through arm (run when the
    // branch is not taken), then the diamond's jump, whose target is the join (nothing to
    // emit), then the taken arm, which starts from the registers as they were at the branch.
    for (unsigned k = 0; k < body.n; ++k) {
        const decoder::DecodedInsn& d = body.insns[k];
        ir.set_guest(body.pcs[k], uint16_t(*count));
        block.insn_length.push_back(d.length);
        ++*count;
        if (k == body.jump) {
            for (unsigned w = 0; w < n_written; ++w) {
                then_value[w] = ir.get_reg(written[w]);
                ir.set_reg(written[w], before[w]);
            }
            continue;
        }
        bool frm_checked = true; // (integer instructions never look at it)
        InsnContext c{ir, d, body.pcs[k]};
        c.frm_checked = &frm_checked;
        const size_t mark = block.insts.size();
        if (!visit_rvi(c) && !visit_rvm(c) && !visit_zb(c)) return roll_back();
        if (c.ends_block || c.side_exit || c.follow || !c.retires || !only_computation(block, mark))
            return roll_back();
    }

    // Where the paths join: each written register is its value from the path taken, and the
    // instructions of the path not taken (all charged on entry) go back to the budget.
    const bool diamond = body.jump < body.n;
    for (unsigned w = 0; w < n_written; ++w) {
        const Value last = ir.get_reg(written[w]); // after the arm translated last
        const Value if_taken = diamond ? last : before[w];
        const Value if_not_taken = diamond ? then_value[w] : last;
        ir.set_reg(written[w], ir.op(Opcode::Select, taken, if_taken, if_not_taken));
    }
    // Taken, the fall-through arm and the diamond's jump were skipped; not taken, the other arm.
    const unsigned fall_insns = diamond ? body.jump + 1 : body.n;
    const unsigned taken_insns = body.n - fall_insns;
    if (fall_insns != 0 || taken_insns != 0) {
        Value skipped = taken;
        if (taken_insns != 0 || fall_insns != 1)
            skipped = ir.op(Opcode::Select, taken, ir.c64(fall_insns), ir.c64(taken_insns));
        ir.op(Opcode::Unretire, skipped);
    }
    return true;
}

} // namespace machina::dbt::frontend
