#pragma once
// run_block(): a reference run of a straight-line IR block on plain registers and memory, for
// the pass tests (a rewritten block must leave the same registers and memory as the original).

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

#include "accel/dbt/ir/block.h"
#include "accel/dbt/ir/eval.h"
#include "accel/dbt/ir/printer.h"

namespace machina::dbt::ir {

/// Runs block `b` (no calls or branches out) on registers `x` and memory `mem` (guest address
/// a is mem[a]; out-of-range accesses throw).
inline void run_block(const Block& b, std::array<uint64_t, 32>& x, std::vector<uint8_t>& mem) {
    std::vector<uint64_t> val(b.insts.size(), 0);
    for (size_t v = 0; v < b.insts.size(); ++v) {
        const Inst& in = b.insts[v];
        auto arg = [&](int k) { return in.args[k] == kNoValue ? 0 : val[in.args[k]]; };
        const uint64_t address = arg(0) + uint64_t(int64_t(access_disp(in.imm)));
        if (in.op == Opcode::Const) {
            val[v] = in.imm;
        } else if (in.op == Opcode::GetReg) {
            val[v] = x[in.imm];
        } else if (in.op == Opcode::SetReg) {
            x[in.imm] = arg(0);
        } else if (in.op == Opcode::Unretire) {
            // budget only: nothing architectural
        } else if (is_load(in.op)) {
            uint64_t w = 0;
            for (unsigned k = 0; k < access_size(in.op); ++k)
                w |= uint64_t(mem.at(address + k)) << (8 * k);
            const unsigned bits = 8 * access_size(in.op);
            const bool sign =
                in.op == Opcode::Load8S || in.op == Opcode::Load16S || in.op == Opcode::Load32S;
            val[v] = sign ? uint64_t(int64_t(w << (64 - bits)) >> (64 - bits)) : w;
        } else if (is_store(in.op)) {
            for (unsigned k = 0; k < access_size(in.op); ++k)
                mem.at(address + k) = uint8_t(arg(1) >> (8 * k));
        } else {
            const auto r = evaluate(in.op, in.type, arg(0), arg(1), arg(2));
            ASSERT_TRUE(r.has_value()) << "no reference for " << print(b);
            val[v] = *r;
        }
    }
}

} // namespace machina::dbt::ir
