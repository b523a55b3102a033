#pragma once
// Linear-scan register allocation over one IR block. A block is straight-line code, so a value
// lives from its definition to its last use (the terminal counts as a use after the last
// instruction). Constants get no register: the emitter folds them into immediates or
// rematerializes them into a scratch register. When no register is free, the live value whose
// range ends last is spilled for its whole life: a guest register read that nothing overwrites
// while it lives simply stays in HartState, anything else gets a stack slot of the shared frame.
// Trunc32 shares its operand's location (32-bit consumers only read the low half).

#include <cstdint>
#include <vector>

#include "accel/dbt/ir/block.h"
#include "base/result.h"

namespace machina::dbt::backend {

/// Host registers reserved by the ABI of translated code (xbyak register indices).
namespace hostreg {
constexpr int kRax = 0, kRcx = 1, kRdx = 2, kRbx = 3, kRsp = 4, kRbp = 5, kRsi = 6, kRdi = 7;
constexpr int kR8 = 8, kR9 = 9, kR10 = 10, kR11 = 11, kR12 = 12, kR13 = 13, kR14 = 14, kR15 = 15;
/// Registers the allocator hands out, in preference order.
constexpr int kAllocatable[] = {kRsi, kRdi, kR8, kR9, kR10, kR11, kR12, kR13};
/// True for registers a C call may clobber.
constexpr bool is_caller_saved(int r) {
    return r == kRax || r == kRcx || r == kRdx || r == kRsi || r == kRdi || (r >= kR8 && r <= kR11);
}
} // namespace hostreg

/// Stack slots in the shared frame of translated code.
constexpr uint32_t kSpillSlots = 256;

/// Where a value lives.
struct Location {
    enum Kind : uint8_t {
        None,
        Reg,   ///< host register `reg`
        Slot,  ///< stack slot `slot`
        Const, ///< an immediate (the instruction's imm)
        Guest, ///< still in HartState::x[`slot`]: a GetReg nobody overwrites while it lives
    } kind = None;
    uint8_t reg = 0;   ///< host register index (Reg)
    uint16_t slot = 0; ///< stack slot (Slot) or guest register (Guest)
};

/// The allocation of one block.
struct Allocation {
    std::vector<Location> loc;      ///< per value
    std::vector<uint32_t> last_use; ///< per value: index of the last instruction using it
                                    ///< (insts.size() for the terminal)
    /// A compare used only by the Branch terminal: not materialized, the terminal emits
    /// cmp + jcc on its operands (kNoValue when there is none).
    ir::Value fused_compare = ir::kNoValue;
    /// Per value: shares its operand's location (Trunc32): nothing to emit.
    std::vector<bool> aliased;
};

/// Allocates every value of `block`; fails only when the spill slots run out.
Result<Allocation> allocate_registers(const ir::Block& block);

} // namespace machina::dbt::backend
