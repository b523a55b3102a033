#pragma once
// Builder: appends instructions to a Block with their types worked out, and sets terminals.

#include "accel/dbt/ir/block.h"

namespace machina::dbt::ir {

/// Appends typed instructions to one block.
class Builder {
  public:
    /// Builds into `block` (kept by reference; the builder owns nothing).
    explicit Builder(Block& block) : m_block(block) {}

    /// Sets the guest instruction that the next instructions belong to.
    void set_guest(uint64_t pc, uint16_t insn_index) {
        m_pc = pc;
        m_index = insn_index;
    }

    /// The type of value `v`.
    Type type_of(Value v) const { return m_block.insts[v].type; }

    /// A constant of `type` (I32 constants are truncated to 32 bits).
    Value konst(Type type, uint64_t value);
    /// A 64-bit constant.
    Value c64(uint64_t value) { return konst(Type::I64, value); }
    /// A 32-bit constant.
    Value c32(uint32_t value) { return konst(Type::I32, value); }

    /// Reads guest register x[reg].
    Value get_reg(unsigned reg);
    /// Writes guest register x[reg].
    void set_reg(unsigned reg, Value v);

    /// Any opcode with explicit operands; the result type follows the table's rule.
    Value op(Opcode opcode, Value a = kNoValue, Value b = kNoValue, Value c = kNoValue,
             uint64_t imm = 0);

    /// Runs the guest instruction at the current pc in the interpreter.
    void interp_step();
    /// Executes the guest instruction `raw` (at the current pc) with the interpreter's executors.
    void call_exec(uint32_t raw) { op(Opcode::CallExec, kNoValue, kNoValue, kNoValue, raw); }
    /// Reads FP register f[reg] (raw bits).
    Value get_freg(unsigned reg) { return op(Opcode::GetFReg, kNoValue, kNoValue, kNoValue, reg); }
    /// Writes FP register f[reg] (raw bits).
    void set_freg(unsigned reg, Value v) { op(Opcode::SetFReg, v, kNoValue, kNoValue, reg); }

    /// Side exit: leaves for guest pc `target` when `cond` != 0 (the current instruction
    /// retired); otherwise the block goes on.
    void exit_if(Value cond, uint64_t target) {
        op(Opcode::ExitIf, cond, kNoValue, kNoValue, target);
    }

    /// Terminal: jump to `pc`.
    void jump(uint64_t pc);
    /// Terminal: `cond` != 0 ? taken : not_taken.
    void branch(Value cond, uint64_t taken, uint64_t not_taken);
    /// Terminal: jump to the pc in `target`.
    void indirect(Value target);
    /// Terminal: leave with `reason` at `pc`.
    void exit(ExitReason reason, uint64_t pc, uint32_t insn = 0);

    /// The block being built.
    Block& block() { return m_block; }

  private:
    Value append(Inst inst);

    Block& m_block;
    uint64_t m_pc = 0;
    uint16_t m_index = 0;
};

} // namespace machina::dbt::ir
