#include "accel/dbt/ir/passes/byte_access.h"

namespace machina::dbt::ir::passes {

void split_address(const Block& b, Value a, Value* base, uint64_t* offset) {
    // Through a few levels of `+ constant`, either side: a5 = 8 + s1 + 16 followed by lbu
    // 0(a5) ... lbu 7(a5) gives s1 + 24 ... s1 + 31 whichever way the sum was built.
    uint64_t sum = 0;
    for (int depth = 0; depth < 4; ++depth) {
        const Inst& in = b.insts[a];
        if (in.op != Opcode::Add || in.type != Type::I64) break;
        const int side = is_const(b, in.args[1]) ? 1 : is_const(b, in.args[0]) ? 0 : -1;
        if (side < 0) break;
        sum += b.insts[in.args[side]].imm;
        a = in.args[1 - side];
    }
    *base = a;
    *offset = sum;
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
