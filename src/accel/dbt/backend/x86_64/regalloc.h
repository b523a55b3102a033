#pragma once
// Register allocation for one IR block, done on the fly while the emitter walks the block.
//
// A block is straight-line code, so the allocator knows every future use of every value
// (analyze_uses). Values live in host registers as a cache: a value is loaded into a register at
// its first use worth caching and stays there while registers last; when they run out, the
// register whose value is needed furthest in the future is taken (Belady). An evicted value that
// still has a copy in memory (a stack slot, or HartState because a GetReg read it or a SetReg
// stored it and nothing has overwritten that register since) costs nothing to evict; any other
// value is stored to a stack slot first. GetReg emits nothing: its value is read from HartState
// by its first use. Constants get no register: the emitter folds them into immediates or
// rematerializes them. Trunc32 shares its operand's homes (32-bit consumers only read the low
// half), and so does a Zext32 of a 32-bit result the emitter computes with a 32-bit instruction
// (which clears the upper half already).

#include <cstdint>
#include <vector>

#include "accel/dbt/ir/block.h"

namespace machina::dbt::backend {

/// Host registers reserved by the ABI of translated code (xbyak register indices).
namespace hostreg {
constexpr int kRax = 0, kRcx = 1, kRdx = 2, kRbx = 3, kRsp = 4, kRbp = 5, kRsi = 6, kRdi = 7;
constexpr int kR8 = 8, kR9 = 9, kR10 = 10, kR11 = 11, kR12 = 12, kR13 = 13, kR14 = 14, kR15 = 15;
/// Registers the allocator hands out, in preference order (callee-saved ones last, so helper
/// calls have fewer registers to save).
constexpr int kAllocatable[] = {kRsi, kRdi, kR8, kR9, kR10, kR11, kRdx, kR12, kR13, kRbp};
/// True for registers a C call may clobber.
constexpr bool is_caller_saved(int r) {
    return r == kRax || r == kRcx || r == kRdx || r == kRsi || r == kRdi || (r >= kR8 && r <= kR11);
}
} // namespace hostreg

/// Stack slots in the shared frame of translated code.
constexpr uint32_t kSpillSlots = 256;

/// What the allocator knows about a block before emitting it: who uses each value, and when.
struct Allocation {
    /// Per value: the value whose homes it shares (a Trunc32 chain ends at its first non-Trunc32
    /// operand; a Zext32 of a clean 32-bit result shares that result's), else itself.
    std::vector<ir::Value> root;
    /// Uses of root value r are use_pos[use_start[r] .. use_start[r + 1]), in increasing order:
    /// the index of the using instruction, or insts.size() for the terminal.
    std::vector<uint32_t> use_start;
    std::vector<uint32_t> use_pos;
    /// Per root value: its last use (its own index when unused).
    std::vector<uint32_t> last_use;
    /// A compare used only by the Branch terminal: not materialized, the terminal emits
    /// cmp + jcc on its operands (kNoValue when there is none).
    ir::Value fused_compare = ir::kNoValue;
    /// Per value: shares its operand's homes (Trunc32, some Zext32): nothing to emit.
    std::vector<bool> aliased;
};

/// Computes the use lists of `block`.
Allocation analyze_uses(const ir::Block& block);

/// The allocator's state while the emitter walks a block: where each value is now. It decides;
/// the emitter emits the loads and stores its decisions imply.
class RegCache {
  public:
    /// Sentinel: no (further) use.
    static constexpr uint32_t kNever = 0xffffffffu;
    /// HartState qwords tracked as homes: x[0..31], pc, f[0..31].
    static constexpr int kGuestQwords = 65;

    RegCache(const ir::Block& block, const Allocation& alloc);

    /// Moves to instruction `pos` (insts.size() for the terminal): forgets values that are dead
    /// by now and pins the operands and the result of `pos` in their registers.
    void begin(uint32_t pos);
    /// The value whose homes `v` uses.
    ir::Value root(ir::Value v) const { return m_alloc.root[v]; }
    /// Host register holding root value `r`, or -1.
    int reg_of(ir::Value r) const { return m_reg[r]; }
    /// Stack slot holding root value `r`, or -1.
    int slot_of(ir::Value r) const { return m_slot[r]; }
    /// HartState qword holding root value `r`, or -1.
    int guest_of(ir::Value r) const { return m_guest[r]; }
    /// The first use of root value `r` after the current instruction, or kNever.
    uint32_t next_use(ir::Value r);
    /// The value in host register `reg`, or kNoValue.
    ir::Value value_in(int reg) const { return m_value_in[reg]; }
    /// A free allocatable register, or -1.
    int free_reg() const;
    /// The unpinned register whose value is needed furthest ahead (-1 if all are pinned), and
    /// when that is.
    int victim(uint32_t* next);
    /// True when loading root value `r` into a register now pays (it is used again later and a
    /// register is free, or holds something needed later than `r`).
    bool worth_caching(ir::Value r);
    /// Records that `reg` now holds root value `r` (and nothing else).
    void bind(ir::Value r, int reg);
    /// The register of root value `a`, which dies at the current instruction, now holds the
    /// result `v` (`a` still reads from it until the instruction is done).
    void hand_over(ir::Value a, ir::Value v);
    /// Keeps `reg` out of allocation for the whole block (it carries a guest register).
    void reserve(int reg) { m_reserved |= uint16_t(1u << reg); }
    /// True when `reg` was reserved.
    bool reserved(int reg) const { return (m_reserved & (1u << reg)) != 0; }
    /// Keeps `reg` out of allocation until the next begin() (the instruction clobbers it).
    void block(int reg) { m_blocked |= uint16_t(1u << reg); }
    /// Forgets what `reg` holds.
    void unbind(int reg);
    /// Gives root value `r` a stack slot; false when none is left.
    bool assign_slot(ir::Value r);
    /// A still-needed value whose only home is HartState qword `q`, about to be overwritten
    /// with root value `r` (the caller saves it first), or kNoValue.
    ir::Value only_home_at(int q, ir::Value r);
    /// Records that HartState qword `q` now holds root value `r` (kNoValue: something unknown).
    void set_guest(int q, ir::Value r);
    /// A live value whose only home is in HartState (the caller saves it before a call that may
    /// change guest registers), or kNoValue.
    ir::Value only_in_guest();
    /// After a call: HartState holds nothing known.
    void forget_guest();
    /// Deferred guest register writes: HartState qword `q` should hold root value `r`, which
    /// is in a register; the store is emitted when `r` leaves its register, when a later write
    /// to `q` makes it moot, or before anything that may observe HartState. A value with a
    /// pending write keeps its register after its last use.
    void set_pending(int q, ir::Value r);
    /// The value whose write to qword `q` is pending, or kNoValue.
    ir::Value pending_at(int q) const { return m_pending_value[q]; }
    /// The qword root value `r` has a pending write to, or -1.
    int pending_of(ir::Value r) const { return m_pending[r]; }
    /// Drops the pending write to `q` (done or moot).
    void clear_pending(int q);
    /// True when root value `r` is not needed any more (nor pending).
    bool dead(ir::Value r) const { return m_alloc.last_use[r] < m_pos && m_pending[r] < 0; }
    /// True when root value `r` has no copy outside its register.
    bool dirty(ir::Value r) const { return m_slot[r] < 0 && m_guest[r] < 0; }
    /// Current position.
    uint32_t pos() const { return m_pos; }

  private:
    bool pinned(ir::Value r) const;

    const ir::Block& m_block;
    const Allocation& m_alloc;
    uint32_t m_pos = 0;
    std::vector<int8_t> m_reg;
    std::vector<int16_t> m_slot;
    std::vector<int8_t> m_guest;
    std::vector<int8_t> m_pending;
    uint16_t m_blocked = 0;         ///< registers the current instruction clobbers
    uint16_t m_reserved = 0;        ///< registers out of allocation for the whole block
    std::vector<uint32_t> m_cursor; ///< per root: index into use_pos of its next use
    ir::Value m_value_in[16];
    ir::Value m_guest_value[kGuestQwords];
    ir::Value m_pending_value[kGuestQwords];
    std::vector<ir::Value> m_slotted; ///< values holding a slot
    std::vector<uint16_t> m_free_slots;
    ir::Value m_pin[4] = {ir::kNoValue, ir::kNoValue, ir::kNoValue, ir::kNoValue};
};

} // namespace machina::dbt::backend
