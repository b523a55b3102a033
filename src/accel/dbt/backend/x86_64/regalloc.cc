#include "accel/dbt/backend/x86_64/regalloc.h"

#include <algorithm>
#include <array>

namespace machina::dbt::backend {

namespace {

/// A compare whose only use is the Branch terminal: the emitter fuses it into cmp + jcc.
bool is_compare(ir::Opcode op) {
    return op >= ir::Opcode::Eq && op <= ir::Opcode::GeU;
}

} // namespace

Result<Allocation> allocate_registers(const ir::Block& block) {
    const uint32_t n = uint32_t(block.insts.size());
    Allocation out;
    out.loc.assign(n, Location{});
    out.last_use.assign(n, 0);
    out.aliased.assign(n, false);
    std::vector<uint32_t> uses(n, 0);
    for (uint32_t v = 0; v < n; ++v) {
        out.last_use[v] = v; // unused values die where they are born
        for (ir::Value a : block.insts[v].args) {
            if (a != ir::kNoValue) {
                out.last_use[a] = v;
                ++uses[a];
            }
        }
    }
    if (block.term.value != ir::kNoValue) {
        const ir::Value t = block.term.value;
        out.last_use[t] = n;
        if (block.term.kind == ir::TermKind::Branch && uses[t] == 0 &&
            is_compare(block.insts[t].op)) {
            out.fused_compare = t;
            for (ir::Value a : block.insts[t].args) {
                if (a != ir::kNoValue) out.last_use[a] = n;
            }
        }
    }

    // For each GetReg: the first later instruction that may change that guest register.
    std::vector<uint32_t> clobbered_at(n, n + 1);
    {
        std::array<uint32_t, 32> next_write;
        next_write.fill(n + 1);
        uint32_t next_call = n + 1;
        for (uint32_t v = n; v-- > 0;) {
            const ir::Inst& inst = block.insts[v];
            if (inst.op == ir::Opcode::GetReg)
                clobbered_at[v] = std::min(next_write[inst.imm], next_call);
            if (inst.op == ir::Opcode::SetReg) next_write[inst.imm] = v;
            if (ir::info(inst.op).flags & ir::kCall) next_call = v;
        }
    }
    auto can_stay_in_guest = [&](uint32_t v) {
        return block.insts[v].op == ir::Opcode::GetReg && out.last_use[v] < clobbered_at[v];
    };
    std::vector<uint32_t> alias_of(n, ir::kNoValue); // Trunc32 -> the value whose location it uses

    // expiring[i]: values whose last use is instruction i (freed before i + 1 defines).
    std::vector<std::vector<uint32_t>> expiring(n + 1);
    bool reg_free[16] = {};
    for (int r : hostreg::kAllocatable)
        reg_free[r] = true;
    std::vector<uint32_t> active; // values holding a register
    // Free stack slots and the instruction index since which each has been free: a value
    // spilled after the fact needs a slot that was free since its definition.
    struct FreeSlot {
        uint16_t slot;
        uint32_t since;
    };
    std::vector<FreeSlot> free_slots;
    for (uint32_t s = kSpillSlots; s-- > 0;)
        free_slots.push_back(FreeSlot{uint16_t(s), 0});

    for (uint32_t v = 0; v < n; ++v) {
        if (v > 0) {
            for (uint32_t dead : expiring[v - 1]) {
                const Location& l = out.loc[dead];
                if (l.kind == Location::Reg) {
                    reg_free[l.reg] = true;
                    std::erase(active, dead);
                }
                if (l.kind == Location::Slot) free_slots.push_back(FreeSlot{l.slot, v});
            }
        }
        const ir::Inst& inst = block.insts[v];
        if (inst.type == ir::Type::Void || v == out.fused_compare) continue;
        if (inst.op == ir::Opcode::Const) {
            out.loc[v].kind = Location::Const;
            continue;
        }
        if (inst.op == ir::Opcode::Trunc32) {
            uint32_t a = inst.args[0];
            while (alias_of[a] != ir::kNoValue)
                a = alias_of[a];
            const Location& la = out.loc[a];
            const uint32_t end = std::max(out.last_use[a], out.last_use[v]);
            const bool guest_ok = la.kind != Location::Guest || end < clobbered_at[a];
            if ((la.kind == Location::Reg || la.kind == Location::Slot ||
                 la.kind == Location::Guest) &&
                guest_ok) {
                if (end != out.last_use[a]) {
                    std::erase(expiring[out.last_use[a]], a);
                    out.last_use[a] = end;
                    expiring[end].push_back(a);
                }
                alias_of[v] = a;
                continue;
            }
        }
        Location loc;
        // Two-address form: a first operand dying here hands its register to the result (the
        // emitter reads every operand before writing the result, except Select).
        if (inst.op != ir::Opcode::Select && inst.args[0] != ir::kNoValue) {
            uint32_t a = inst.args[0];
            while (alias_of[a] != ir::kNoValue)
                a = alias_of[a];
            if (out.loc[a].kind == Location::Reg && out.last_use[a] == v) {
                loc = out.loc[a];
                std::erase(active, a);
                std::erase(expiring[v], a);
            }
        }
        for (int r : hostreg::kAllocatable) {
            if (loc.kind != Location::None) break;
            if (reg_free[r]) {
                reg_free[r] = false;
                loc.kind = Location::Reg;
                loc.reg = uint8_t(r);
                break;
            }
        }
        if (loc.kind == Location::None) {
            // All registers busy: the live value whose range ends last goes to a stack slot for
            // its whole life (values never move), and the others keep their registers.
            uint32_t victim = v;
            for (uint32_t u : active) {
                if (out.last_use[u] > out.last_use[victim]) victim = u;
            }
            Location slot_loc;
            if (can_stay_in_guest(victim)) {
                slot_loc.kind = Location::Guest;
                slot_loc.slot = uint16_t(block.insts[victim].imm);
            } else {
                auto fit = std::find_if(free_slots.begin(), free_slots.end(),
                                        [&](const FreeSlot& f) { return f.since <= victim; });
                if (fit == free_slots.end())
                    return Error::make("block {:#x}: out of spill slots", block.pc);
                slot_loc.kind = Location::Slot;
                slot_loc.slot = fit->slot;
                free_slots.erase(fit);
            }
            if (victim != v) {
                loc = out.loc[victim];
                out.loc[victim] = slot_loc;
                std::erase(active, victim);
            } else {
                loc = slot_loc;
            }
        }
        out.loc[v] = loc;
        if (loc.kind == Location::Reg) active.push_back(v);
        expiring[out.last_use[v]].push_back(v);
    }
    for (uint32_t v = 0; v < n; ++v) {
        if (alias_of[v] == ir::kNoValue) continue;
        uint32_t a = alias_of[v];
        while (alias_of[a] != ir::kNoValue)
            a = alias_of[a];
        out.loc[v] = out.loc[a];
        out.aliased[v] = true;
    }
    return out;
}

} // namespace machina::dbt::backend
