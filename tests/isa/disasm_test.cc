// Disassembler text for a sample of every extension (expected strings follow GNU objdump,
// with canonical mnemonics for addi/slli/rori and absolute branch targets).
#include <gtest/gtest.h>

#include "accel/dbt/decoder/riscv64/decoder.h"
#include "accel/dbt/decoder/riscv64/disasm.h"

namespace machina::isa_test {
namespace {

using dbt::decoder::decode;
using dbt::decoder::disassemble;
using dbt::decoder::disassemble_raw;

struct DisCase {
    uint32_t raw;
    const char* text;
};

constexpr uint64_t kPc = 0x10000;

TEST(Disasm, Rv64iWithAliases) {
    const DisCase cases[] = {
        {0x00150513, "addi a0,a0,1"},
        {0xffb00513, "li a0,-5"},
        {0x00058513, "mv a0,a1"},
        {0x00000013, "nop"},
        {0xfff5c513, "not a0,a1"},
        {0x40b00533, "neg a0,a1"},
        {0x40b0053b, "negw a0,a1"},
        {0x0005851b, "sext.w a0,a1"},
        {0x0015b513, "seqz a0,a1"},
        {0x00b03533, "snez a0,a1"},
        {0x0005a533, "sltz a0,a1"},
        {0x00b02533, "sgtz a0,a1"},
        {0x00813083, "ld ra,8(sp)"},
        {0xfe113823, "sd ra,-16(sp)"},
        {0x0005c503, "lbu a0,0(a1)"},
        {0x04b50063, "beq a0,a1,0x10040"},
        {0xfe050ce3, "beqz a0,0xfff8"},
        {0x00051463, "bnez a0,0x10008"},
        {0x00a05463, "blez a0,0x10008"},
        {0x00055463, "bgez a0,0x10008"},
        {0x00054463, "bltz a0,0x10008"},
        {0x00a04463, "bgtz a0,0x10008"},
        {0x0100006f, "j 0x10010"},
        {0x010000ef, "jal 0x10010"},
        {0x010002ef, "jal t0,0x10010"},
        {0x00008067, "ret"},
        {0x00078067, "jr a5"},
        {0x000780e7, "jalr a5"},
        {0x008782e7, "jalr t0,8(a5)"},
        {0x12345537, "lui a0,0x12345"},
        {0xfffff517, "auipc a0,0xfffff"},
        {0x02051513, "slli a0,a0,0x20"},
        {0x40355513, "srai a0,a0,0x3"},
        {0x0035151b, "slliw a0,a0,0x3"},
        {0x0ff0000f, "fence"},
        {0x0310000f, "fence rw,w"},
        {0x00000073, "ecall"},
        {0x00100073, "ebreak"},
        {0x0000100f, "fence.i"},
    };
    for (const DisCase& c : cases) {
        EXPECT_EQ(disassemble(decode(c.raw), kPc), c.text) << std::hex << c.raw;
    }
    EXPECT_EQ(disassemble_raw(decode(0x00008067), kPc), "jalr zero,0(ra)");
    EXPECT_EQ(disassemble_raw(decode(0x0ff0000f), kPc), "fence iorw,iorw");
}

TEST(Disasm, MAndA) {
    const DisCase cases[] = {
        {0x02c58533, "mul a0,a1,a2"},
        {0x02c5f53b, "remuw a0,a1,a2"},
        {0x1405a52f, "lr.w.aq a0,(a1)"},
        {0x1ac5b52f, "sc.d.rl a0,a2,(a1)"},
        {0x06c5a52f, "amoadd.w.aqrl a0,a2,(a1)"},
        {0x08c5b52f, "amoswap.d a0,a2,(a1)"},
    };
    for (const DisCase& c : cases) {
        EXPECT_EQ(disassemble(decode(c.raw), kPc), c.text) << std::hex << c.raw;
    }
}

TEST(Disasm, FAndD) {
    const DisCase cases[] = {
        {0x00812507, "flw fa0,8(sp)"},           {0xfe813c27, "fsd fs0,-8(sp)"},
        {0x02c5f553, "fadd.d fa0,fa1,fa2"},      {0x00c59553, "fadd.s fa0,fa1,fa2,rtz"},
        {0x6ac5f543, "fmadd.d fa0,fa1,fa2,fa3"}, {0x68c58543, "fmadd.s fa0,fa1,fa2,fa3,rne"},
        {0x5a05f553, "fsqrt.d fa0,fa1"},         {0x22b58553, "fmv.d fa0,fa1"},
        {0x20b59553, "fneg.s fa0,fa1"},          {0x22b5a553, "fabs.d fa0,fa1"},
        {0x22c58553, "fsgnj.d fa0,fa1,fa2"},     {0x28c58553, "fmin.s fa0,fa1,fa2"},
        {0xa2c5a553, "feq.d a0,fa1,fa2"},        {0xc2051553, "fcvt.w.d a0,fa0,rtz"},
        {0xc2057553, "fcvt.w.d a0,fa0"},         {0xd2050553, "fcvt.d.w fa0,a0"},
        {0xd0257553, "fcvt.s.l fa0,a0"},         {0x4015f553, "fcvt.s.d fa0,fa1"},
        {0x42058553, "fcvt.d.s fa0,fa1"},        {0xe0050553, "fmv.x.w a0,fa0"},
        {0xf2050553, "fmv.d.x fa0,a0"},          {0xe2051553, "fclass.d a0,fa0"},
    };
    for (const DisCase& c : cases) {
        EXPECT_EQ(disassemble(decode(c.raw), kPc), c.text) << std::hex << c.raw;
    }
}

TEST(Disasm, ZicsrAndCsrNames) {
    const DisCase cases[] = {
        {0x00102573, "frflags a0"},          {0x00251073, "fsrm a0"},
        {0x003515f3, "fscsr a1,a0"},         {0xc0002573, "rdcycle a0"},
        {0xc0102573, "rdtime a0"},           {0xc0202573, "rdinstret a0"},
        {0x30052073, "csrs mstatus,a0"},     {0x30053073, "csrc mstatus,a0"},
        {0x0021d073, "csrwi frm,3"},         {0x8000e573, "csrrsi a0,0x800,1"},
        {0x0010f073, "csrci fflags,1"},      {0x30002573, "csrr a0,mstatus"},
        {0x30059573, "csrrw a0,mstatus,a1"},
    };
    for (const DisCase& c : cases) {
        EXPECT_EQ(disassemble(decode(c.raw), kPc), c.text) << std::hex << c.raw;
    }
}

TEST(Disasm, Zb) {
    const DisCase cases[] = {
        {0x08c5853b, "add.uw a0,a1,a2"}, {0x0805853b, "zext.w a0,a1"},
        {0x20c5c533, "sh2add a0,a1,a2"}, {0x0835951b, "slli.uw a0,a1,0x3"},
        {0x40c5f533, "andn a0,a1,a2"},   {0x60059513, "clz a0,a1"},
        {0x6025951b, "cpopw a0,a1"},     {0x60459513, "sext.b a0,a1"},
        {0x0805c53b, "zext.h a0,a1"},    {0x6075d513, "rori a0,a1,0x7"},
        {0x6075d51b, "roriw a0,a1,0x7"}, {0x2875d513, "orc.b a0,a1"},
        {0x6b85d513, "rev8 a0,a1"},      {0x0ac5e533, "max a0,a1,a2"},
        {0x28c59533, "bset a0,a1,a2"},   {0x4a15d513, "bexti a0,a1,0x21"},
    };
    for (const DisCase& c : cases) {
        EXPECT_EQ(disassemble(decode(c.raw), kPc), c.text) << std::hex << c.raw;
    }
}

TEST(Disasm, CompressedPrintsExpandedForm) {
    const DisCase cases[] = {
        {0x0505, "addi a0,a0,1"},  {0x4515, "li a0,5"},
        {0x852e, "mv a0,a1"},      {0x60a2, "ld ra,8(sp)"},
        {0xe406, "sd ra,8(sp)"},   {0xa021, "j 0x10008"},
        {0x8082, "ret"},           {0x0001, "nop"},
        {0x6505, "lui a0,0x1"},    {0x713d, "addi sp,sp,-32"},
        {0x0808, "addi a0,sp,16"}, {0xc111, "beqz a0,0x10004"},
        {0x9002, "ebreak"},        {0x2588, "fld fa0,8(a1)"},
    };
    for (const DisCase& c : cases) {
        auto d = decode(c.raw);
        EXPECT_EQ(d.length, 2);
        EXPECT_EQ(disassemble(d, kPc), c.text) << std::hex << c.raw;
    }
    EXPECT_STREQ(dbt::decoder::compressed_mnemonic(0x713d), "c.addi16sp");
}

TEST(Disasm, IllegalEncodings) {
    EXPECT_EQ(disassemble(decode(0xffffffff), kPc), ".insn 0xffffffff");
    EXPECT_EQ(disassemble(decode(0x0000), kPc), ".insn 0x0000");
}

} // namespace
} // namespace machina::isa_test
