#include "accel/dbt/backend/x86_64/regalloc.h"

namespace machina::dbt::backend {

Result<Allocation> allocate_registers(const ir::Block& block) {
    const uint32_t n = uint32_t(block.insts.size());
    Allocation out;
    out.loc.assign(n, Location{});
    out.last_use.assign(n, 0);
    for (uint32_t v = 0; v < n; ++v) {
        out.last_use[v] = v; // unused values die where they are born
        for (ir::Value a : block.insts[v].args) {
            if (a != ir::kNoValue) out.last_use[a] = v;
        }
    }
    if (block.term.value != ir::kNoValue) out.last_use[block.term.value] = n;

    // expiring[i]: values whose last use is instruction i (freed before i + 1 defines).
    std::vector<std::vector<uint32_t>> expiring(n + 1);
    bool reg_free[16] = {};
    for (int r : hostreg::kAllocatable)
        reg_free[r] = true;
    std::vector<uint16_t> free_slots;
    for (uint32_t s = kSpillSlots; s-- > 0;)
        free_slots.push_back(uint16_t(s));

    for (uint32_t v = 0; v < n; ++v) {
        if (v > 0) {
            for (uint32_t dead : expiring[v - 1]) {
                const Location& l = out.loc[dead];
                if (l.kind == Location::Reg) reg_free[l.reg] = true;
                if (l.kind == Location::Slot) free_slots.push_back(l.slot);
            }
        }
        const ir::Inst& inst = block.insts[v];
        if (inst.type == ir::Type::Void) continue;
        if (inst.op == ir::Opcode::Const) {
            out.loc[v].kind = Location::Const;
            continue;
        }
        Location loc;
        for (int r : hostreg::kAllocatable) {
            if (reg_free[r]) {
                reg_free[r] = false;
                loc.kind = Location::Reg;
                loc.reg = uint8_t(r);
                break;
            }
        }
        if (loc.kind == Location::None) {
            if (free_slots.empty()) return Error::make("block {:#x}: out of spill slots", block.pc);
            loc.kind = Location::Slot;
            loc.slot = free_slots.back();
            free_slots.pop_back();
        }
        out.loc[v] = loc;
        expiring[out.last_use[v]].push_back(v);
    }
    return out;
}

} // namespace machina::dbt::backend
