#pragma once
// Shared state of the per-extension visitors (internal to the frontend).

#include "accel/dbt/decoder/riscv64/decoded_insn.h"
#include "accel/dbt/ir/builder.h"

namespace machina::dbt::frontend {

/// What a visitor sees for one instruction.
struct InsnContext {
    ir::Builder& ir;
    const decoder::DecodedInsn& d;
    uint64_t pc;             ///< this instruction
    bool ends_block = false; ///< set when the visitor placed a terminal
    bool retires = true;     ///< false when the terminal leaves before this instruction runs
    bool native_fma = false; ///< the backend may use host FMA for fmadd.d and friends
    /// In: a forward conditional branch may become a side exit (ExitIf) instead of the
    /// terminal. Out (side_exit): the visitor placed one and the block goes on.
    bool side_exit_ok = false;
    bool side_exit = false;
    /// In: a direct jump forward or a call (jal) to a target on page `follow_page` may continue
    /// the block there instead of ending it (only that page: the frontend reads no page the
    /// program has not run from yet, which may not be mapped). Out (follow): the visitor did
    /// so; the block goes on at `follow_pc`.
    bool follow_ok = false;
    uint64_t follow_page = 0;
    bool follow = false;
    uint64_t follow_pc = 0;
    /// In/out, per block: a CheckFrm ran since the block started or frm last changed, so
    /// dynamic-rounding FP operations need no other.
    bool* frm_checked = nullptr;

    uint64_t next_pc() const { return pc + d.length; }
    ir::Value rs1() { return ir.get_reg(d.rs1); }
    ir::Value rs2() { return ir.get_reg(d.rs2); }
    ir::Value imm() { return ir.c64(uint64_t(d.imm)); }
    void set_rd(ir::Value v) { ir.set_reg(d.rd, v); }
    /// Low 32 bits of a 64-bit value.
    ir::Value lo(ir::Value v) { return ir.op(ir::Opcode::Trunc32, v); }
    /// Before an FP operation with rounding mode `rm`: a dynamic one needs frm to be RNE.
    void check_frm(uint32_t rm) {
        if (rm != 7 || *frm_checked) return;
        ir.op(ir::Opcode::CheckFrm);
        *frm_checked = true;
    }
    /// Sign-extends an I32 result to a register value.
    ir::Value sx(ir::Value v) { return ir.op(ir::Opcode::Sext32, v); }
};

/// RV64I (including control flow, loads/stores, fence, ecall/ebreak, fence.i).
bool visit_rvi(InsnContext& c);
/// RV64M.
bool visit_rvm(InsnContext& c);
/// Zba, Zbb, Zbs.
bool visit_zb(InsnContext& c);
/// A: AMOs (LR/SC are left to the interpreter).
bool visit_rva(InsnContext& c);
/// F, D (memory and moves native, the rest through the FP executor) and Zicsr.
bool visit_fd(InsnContext& c);
/// Zicsr on fflags, frm and fcsr (user mode); false for any other CSR.
bool visit_fcsr(InsnContext& c);

} // namespace machina::dbt::frontend
