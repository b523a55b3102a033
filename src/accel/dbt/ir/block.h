#pragma once
// An IR block: a linear list of SSA instructions (a value is the index of the instruction that
// defines it) and one terminal saying where control goes next.

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "accel/dbt/ir/opcode.h"

namespace machina::dbt::ir {

/// An SSA value: the index of its defining instruction in Block::insts.
using Value = uint32_t;

/// "No value" marker (unused operand slots, terminals without a value).
constexpr Value kNoValue = 0xffffffffu;

/// One IR instruction.
struct Inst {
    Opcode op = Opcode::Const;
    Type type = Type::Void;  ///< result type (Void when the op has none)
    uint16_t insn_index = 0; ///< which guest instruction of the block produced it
    std::array<Value, 3> args = {kNoValue, kNoValue, kNoValue};
    uint64_t imm = 0; ///< Const value, register number, or guest pc (InterpStep)
    uint64_t pc = 0;  ///< guest pc of the instruction that produced it
};

/// Why an Exit terminal leaves translated code.
enum class ExitReason : uint8_t {
    Ecall,   ///< ecall at pc (not retired)
    Ebreak,  ///< ebreak at pc (not retired)
    Illegal, ///< illegal instruction at pc (not retired); `insn` holds the encoding
    FenceI,  ///< fence.i retired; pc is the next instruction
    Fetch,   ///< instruction fetch fault at pc
    System,  ///< system mode: CSR access or privileged instruction at pc (not executed);
             ///< `insn` holds the encoding
};

/// Terminal kinds.
enum class TermKind : uint8_t {
    None,     ///< not set yet (the verifier rejects it)
    Jump,     ///< go to `target` (a known pc: chainable)
    Branch,   ///< `value` != 0 ? `target` : `fallthrough`
    Indirect, ///< go to the pc in `value`
    Exit,     ///< leave to the dispatcher with `reason` at `target`
};

/// How a block ends.
struct Terminal {
    TermKind kind = TermKind::None;
    Value value = kNoValue;   ///< Branch condition or Indirect target
    uint64_t target = 0;      ///< Jump/Branch-taken pc, or Exit pc
    uint64_t fallthrough = 0; ///< Branch not-taken pc
    ExitReason reason = ExitReason::Ecall;
    uint32_t insn = 0; ///< Illegal: the encoding
};

/// A translated region of guest code.
struct Block {
    uint64_t pc = 0;          ///< guest pc of the first instruction
    uint64_t end_pc = 0;      ///< guest pc just past the last instruction decoded
    uint32_t guest_insns = 0; ///< instructions retired when the terminal is reached
    std::vector<Inst> insts;  ///< the body
    /// Bytes of each guest instruction, indexed by Inst::insn_index (2 or 4).
    std::vector<uint8_t> insn_length;
    /// The guest code ranges [start, end) translated, in order: more than one when the frontend
    /// went on at the target of a direct jump or call (user mode).
    std::vector<std::pair<uint64_t, uint64_t>> segments;
    Terminal term; ///< the terminal

    /// Empties the block for a new translation at `start`, keeping its vectors' storage (the
    /// translators reuse one block, so translating allocates nothing once it has grown).
    void reset(uint64_t start) {
        pc = start;
        end_pc = 0;
        guest_insns = 0;
        insts.clear();
        insn_length.clear();
        segments.clear();
        term = Terminal{};
    }
};

} // namespace machina::dbt::ir
