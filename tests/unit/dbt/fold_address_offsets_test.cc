// passes::fold_address_offsets: base + 12-bit constant addresses become displacements of the
// access; other addresses stay, and additions something else uses stay too.
#include <gtest/gtest.h>

#include "accel/dbt/ir/builder.h"
#include "accel/dbt/ir/passes/passes.h"
#include "accel/dbt/ir/printer.h"
#include "accel/dbt/ir/verifier.h"
#include "ir_count.h"

namespace machina::dbt::ir {
namespace {

TEST(FoldAddressOffsets, TwelveBitOffsetsMoveIntoTheAccess) {
    Block b;
    Builder ir(b);
    ir.set_guest(0x1000, 0);
    const Value base = ir.get_reg(10);
    ir.set_reg(11, ir.op(Opcode::Load64, ir.op(Opcode::Add, base, ir.c64(8))));
    ir.op(Opcode::Store32, ir.op(Opcode::Add, ir.c64(uint64_t(-2048)), base), ir.get_reg(12));
    ir.set_reg(13, ir.op(Opcode::Load8U, ir.op(Opcode::Add, base, ir.c64(2048)))); // too far
    const Value kept = ir.op(Opcode::Add, base, ir.c64(16));
    ir.set_reg(14, ir.op(Opcode::Load16S, kept));
    ir.set_reg(10, kept); // addi a0, a0, 16 after the load: the sum is needed anyway
    ir.jump(0x1010);
    passes::fold_address_offsets(b);
    ASSERT_TRUE(verify(b).ok()) << print(b);
    std::vector<int32_t> disps;
    for (const Inst& in : b.insts) {
        if (access_size(in.op) == 0) continue;
        disps.push_back(access_disp(in.imm));
        const Opcode base_op = b.insts[in.args[0]].op;
        if (disps.back() != 0) {
            EXPECT_EQ(base_op, Opcode::GetReg) << print(b);
        }
    }
    EXPECT_EQ(disps, (std::vector<int32_t>{8, -2048, 0, 16})) << print(b);
    // The additions of 8 and -2048 are gone; 2048 (not folded) and 16 (written to x10) stay.
    EXPECT_EQ(count_op(b, Opcode::Add), 2u) << print(b);
}

TEST(FoldAddressOffsets, LeavesFusedLoadFlagsAndThirtyTwoBitAdditionsAlone) {
    Block b;
    Builder ir(b);
    ir.set_guest(0x1000, 0);
    const Value base = ir.get_reg(10);
    ir.set_reg(11, ir.op(Opcode::Load32U, ir.op(Opcode::Add, base, ir.c64(4)), kNoValue, kNoValue,
                         kFusedLoad));
    // An I32 sum is not an address (the frontend's addresses are 64-bit): untouched.
    const Value lo = ir.op(Opcode::Trunc32, base);
    ir.set_reg(12, ir.op(Opcode::Zext32, ir.op(Opcode::Add, lo, ir.c32(4))));
    ir.jump(0x1008);
    passes::fold_address_offsets(b);
    ASSERT_TRUE(verify(b).ok()) << print(b);
    for (const Inst& in : b.insts) {
        if (in.op != Opcode::Load32U) continue;
        EXPECT_EQ(access_disp(in.imm), 4);
        EXPECT_EQ(in.imm & 0xffffffffu, kFusedLoad);
    }
    EXPECT_EQ(count_op(b, Opcode::Add), 1u) << print(b);
}

} // namespace
} // namespace machina::dbt::ir
