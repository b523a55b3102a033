#include "accel/dbt/ir/passes/byte_access.h"

namespace machina::dbt::ir::passes {

void split_address(const Block& b, Value a, Value* base, uint64_t* offset) {
    const Inst& in = b.insts[a];
    if (in.op == Opcode::Add && in.type == Type::I64) {
        for (unsigned side = 0; side < 2; ++side) {
            if (is_const(b, in.args[side])) {
                *base = in.args[1 - side];
                *offset = b.insts[in.args[side]].imm;
                return;
            }
        }
    }
    *base = a;
    *offset = 0;
}

bool writes_memory(Opcode op) {
    return is_store(op) || op == Opcode::Amo || op == Opcode::Fence ||
           (info(op).flags & kCall) != 0;
}

Value append_renumbered(std::vector<Inst>& out, Inst in, const std::vector<Value>& new_index) {
    for (Value& a : in.args)
        if (a != kNoValue) a = new_index[a];
    out.push_back(in);
    return Value(out.size() - 1);
}

} // namespace machina::dbt::ir::passes
