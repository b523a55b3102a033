// Address offsets into the access: Load(Add(b, c)) becomes Load(b) with displacement c. The
// backend addresses [base + b + c] in one host instruction and checks the guest address range
// once per base value and block (covering every displacement used with it), instead of adding
// and comparing at every access.
#include "accel/dbt/ir/passes/passes.h"

namespace machina::dbt::ir::passes {

namespace {
/// Largest displacement folded: a RISC-V load or store immediate (12 bits, signed).
constexpr int64_t kMaxDisp = 2048;

/// The constant of `inst` when it is a Const, sign-extended from its type.
bool const_value(const Inst& inst, int64_t* value) {
    if (inst.op != Opcode::Const) return false;
    *value = inst.type == Type::I32 ? int64_t(int32_t(uint32_t(inst.imm))) : int64_t(inst.imm);
    return true;
}
} // namespace

void fold_address_offsets(Block& block) {
    bool folded = false;
    for (Inst& inst : block.insts) {
        if (!is_load(inst.op) && !is_store(inst.op)) continue;
        if (access_disp(inst.imm) != 0) continue; // (never: the pass runs once)
        const Inst& addr = block.insts[inst.args[0]];
        if (addr.op != Opcode::Add || addr.type != Type::I64) continue;
        for (unsigned side = 0; side < 2; ++side) {
            int64_t c = 0;
            if (!const_value(block.insts[addr.args[side]], &c) || c < -kMaxDisp || c >= kMaxDisp)
                continue;
            inst.imm = with_access_disp(inst.imm, int32_t(c));
            inst.args[0] = addr.args[1 - side];
            folded = true;
            break;
        }
    }
    if (folded) eliminate_dead_code(block); // the additions nothing else uses
}

} // namespace machina::dbt::ir::passes
