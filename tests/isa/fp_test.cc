// F and D: NaN boxing and canonical NaNs, signalling NaNs, min/max, conversions, rounding
// modes, exception flags, fused multiply-add.
#include <cmath>

#include "isa/fp_helpers.h"

namespace machina::isa_test {
namespace {

using dbt::interp::ExitKind;

TEST(FpBoxing, ImproperlyBoxedSingleReadsAsCanonicalNan) {
    FP(r, "fadd.s fa0, fa1, fa2", {.fa1 = 0x000000003f800000ull, .fa2 = S(1.0f)});
    EXPECT_EQ(r.fa0, kCanonS);
    EXPECT_EQ(r.fflags, 0u); // a canonical quiet NaN input raises nothing
    FP(r2, "fsgnj.s fa0, fa1, fa2", {.fa1 = 0x123456783f800000ull, .fa2 = S(-1.0f)});
    EXPECT_EQ(r2.fa0, 0xffffffffffc00000ull); // canonical NaN with the sign of fa2
    FP(r3, "fclass.s a0, fa1", {.fa1 = 0x3f800000ull});
    EXPECT_EQ(r3.a0, 1u << 9);
}

TEST(FpBoxing, LoadsMovesAndSinglesAreBoxed) {
    Sandbox sb;
    sb.write<uint32_t>(Sandbox::kData, 0x40490fdbu);
    RUN_TO_ECALL(sb, R"(
        li t0, 0x80000
        flw fa0, 0(t0)
        fmv.x.w a0, fa0
        li t1, 0x80000000
        fmv.w.x fa1, t1
        fmv.x.w a1, fa1         # sign-extends bit 31
        fsw fa1, 4(t0)
        fmv.d.x fa2, t1
        fmv.x.d a2, fa2
        fcvt.d.s fa3, fa0
        fcvt.s.d fa4, fa3
        ecall)");
    EXPECT_EQ(sb.state.f[10], 0xffffffff40490fdbull);
    EXPECT_EQ(sb.x(riscv::kA0), 0x40490fdbu);
    EXPECT_EQ(sb.state.f[11], 0xffffffff80000000ull);
    EXPECT_EQ(sb.x(riscv::kA1), 0xffffffff80000000ull);
    EXPECT_EQ(sb.read<uint32_t>(Sandbox::kData + 4), 0x80000000u);
    EXPECT_EQ(sb.x(riscv::kA2), 0x80000000u);
    EXPECT_EQ(sb.state.f[14], 0xffffffff40490fdbull);
    EXPECT_EQ(sb.state.fcsr, 0u);
}

TEST(FpNan, ResultsAreCanonical) {
    FP(r, "fdiv.s fa0, fa1, fa2", {.fa1 = S(0.0f), .fa2 = S(0.0f)});
    EXPECT_EQ(r.fa0, kCanonS);
    EXPECT_EQ(r.fflags, kNV);
    FP(r2, "fadd.d fa0, fa1, fa2", {.fa1 = 0x7ff8000000000123ull, .fa2 = D(1.0)});
    EXPECT_EQ(r2.fa0, kCanonD); // payload dropped
    EXPECT_EQ(r2.fflags, 0u);
    FP(r3, "fmul.s fa0, fa1, fa2", {.fa1 = Sbits(0xffc12345u), .fa2 = S(2.0f)});
    EXPECT_EQ(r3.fa0, kCanonS);
    FP(r4, "fsqrt.d fa0, fa1", {.fa1 = D(-1.0)});
    EXPECT_EQ(r4.fa0, kCanonD);
    EXPECT_EQ(r4.fflags, kNV);
    FP(r5, "fcvt.d.s fa0, fa1", {.fa1 = Sbits(0x7f800001u)});
    EXPECT_EQ(r5.fa0, kCanonD);
    EXPECT_EQ(r5.fflags, kNV);
    FP(r6, "fcvt.s.d fa0, fa1", {.fa1 = 0xfff0000000000001ull});
    EXPECT_EQ(r6.fa0, kCanonS);
    EXPECT_EQ(r6.fflags, kNV);
}

TEST(FpNan, SignallingNanRaisesInvalid) {
    FP(r, "fadd.s fa0, fa1, fa2", {.fa1 = Sbits(0x7f800001u), .fa2 = S(1.0f)});
    EXPECT_EQ(r.fa0, kCanonS);
    EXPECT_EQ(r.fflags, kNV);
    FP(q, "feq.s a0, fa1, fa2", {.fa1 = Sbits(0x7fc00000u), .fa2 = S(1.0f)});
    EXPECT_EQ(q.a0, 0u);
    EXPECT_EQ(q.fflags, 0u); // feq is quiet
    FP(q2, "feq.d a0, fa1, fa2", {.fa1 = 0x7ff0000000000001ull, .fa2 = D(1.0)});
    EXPECT_EQ(q2.fflags, kNV);
    FP(l, "flt.s a0, fa1, fa2", {.fa1 = Sbits(0x7fc00000u), .fa2 = S(1.0f)});
    EXPECT_EQ(l.a0, 0u);
    EXPECT_EQ(l.fflags, kNV); // flt/fle signal on any NaN
    FP(le, "fle.d a0, fa1, fa2", {.fa1 = D(-0.0), .fa2 = D(0.0)});
    EXPECT_EQ(le.a0, 1u);
    FP(lt, "flt.d a0, fa1, fa2", {.fa1 = D(-0.0), .fa2 = D(0.0)});
    EXPECT_EQ(lt.a0, 0u);
}

TEST(FpMinMax, SignedZerosAndNans) {
    FP(a, "fmin.s fa0, fa1, fa2", {.fa1 = S(0.0f), .fa2 = S(-0.0f)});
    EXPECT_EQ(a.fa0, S(-0.0f));
    FP(b, "fmax.s fa0, fa1, fa2", {.fa1 = S(-0.0f), .fa2 = S(0.0f)});
    EXPECT_EQ(b.fa0, S(0.0f));
    FP(c, "fmin.d fa0, fa1, fa2", {.fa1 = D(-0.0), .fa2 = D(0.0)});
    EXPECT_EQ(c.fa0, D(-0.0));
    FP(d, "fmax.d fa0, fa1, fa2", {.fa1 = D(0.0), .fa2 = D(-0.0)});
    EXPECT_EQ(d.fa0, D(0.0));
    FP(e, "fmin.d fa0, fa1, fa2", {.fa1 = kCanonD, .fa2 = D(3.0)});
    EXPECT_EQ(e.fa0, D(3.0));
    EXPECT_EQ(e.fflags, 0u);
    FP(f, "fmax.s fa0, fa1, fa2", {.fa1 = S(2.0f), .fa2 = Sbits(0x7f800001u)});
    EXPECT_EQ(f.fa0, S(2.0f));
    EXPECT_EQ(f.fflags, kNV);
    FP(g, "fmax.d fa0, fa1, fa2", {.fa1 = 0x7ff0000000000001ull, .fa2 = kCanonD});
    EXPECT_EQ(g.fa0, kCanonD);
    EXPECT_EQ(g.fflags, kNV);
    FP(h, "fmin.s fa0, fa1, fa2", {.fa1 = S(-5.0f), .fa2 = S(3.0f)});
    EXPECT_EQ(h.fa0, S(-5.0f));
}

TEST(FpConvert, ToIntegerSaturatesWithInvalid) {
    struct Case {
        const char* insn;
        uint64_t in;
        uint64_t out;
        uint32_t flags;
    };
    const Case cases[] = {
        {"fcvt.w.s a0, fa1, rtz", Sbits(0x7fc00000u), 0x7fffffffu, kNV},
        {"fcvt.w.s a0, fa1, rtz", S(INFINITY), 0x7fffffffu, kNV},
        {"fcvt.w.s a0, fa1, rtz", S(-INFINITY), 0xffffffff80000000ull, kNV},
        {"fcvt.w.s a0, fa1, rtz", S(3e9f), 0x7fffffffu, kNV},
        {"fcvt.w.s a0, fa1, rtz", S(-2147483648.0f), 0xffffffff80000000ull, 0},
        {"fcvt.w.s a0, fa1, rtz", S(-1.5f), uint64_t(-1), kNX},
        {"fcvt.wu.s a0, fa1, rtz", S(-1.0f), 0, kNV},
        {"fcvt.wu.s a0, fa1, rtz", S(-0.5f), 0, kNX},
        {"fcvt.wu.s a0, fa1, rtz", Sbits(0x7fc00000u), ~uint64_t(0), kNV},
        {"fcvt.wu.d a0, fa1, rtz", D(4294967295.0), ~uint64_t(0), 0},
        {"fcvt.wu.d a0, fa1, rtz", D(4294967296.0), ~uint64_t(0), kNV},
        {"fcvt.l.d a0, fa1, rtz", D(0x1p63), 0x7fffffffffffffffull, kNV},
        {"fcvt.l.d a0, fa1, rtz", D(-0x1p63), 0x8000000000000000ull, 0},
        {"fcvt.l.d a0, fa1, rtz", kCanonD, 0x7fffffffffffffffull, kNV},
        {"fcvt.lu.d a0, fa1, rtz", D(-0.0), 0, 0},
        {"fcvt.lu.d a0, fa1, rtz", D(0x1p64), ~uint64_t(0), kNV},
        {"fcvt.lu.s a0, fa1, rtz", S(-INFINITY), 0, kNV},
        {"fcvt.l.s a0, fa1, rtz", S(-0x1p40f), uint64_t(-(int64_t(1) << 40)), 0},
    };
    for (const Case& c : cases) {
        FP(r, c.insn, {.fa1 = c.in});
        EXPECT_EQ(r.a0, c.out) << c.insn << " of 0x" << std::hex << c.in;
        EXPECT_EQ(r.fflags, c.flags) << c.insn << " of 0x" << std::hex << c.in;
    }
}

TEST(FpRounding, EachModeOnTiesToInteger) {
    struct Case {
        const char* mode;
        int64_t pos; // result for 2.5
        int64_t neg; // result for -2.5
    };
    const Case cases[] = {
        {"rne", 2, -2}, {"rtz", 2, -2}, {"rdn", 2, -3}, {"rup", 3, -2}, {"rmm", 3, -3}};
    for (const Case& c : cases) {
        FP(p, std::string("fcvt.l.d a0, fa1, ") + c.mode, {.fa1 = D(2.5)});
        EXPECT_EQ(int64_t(p.a0), c.pos) << c.mode;
        EXPECT_EQ(p.fflags, kNX) << c.mode;
        FP(n, std::string("fcvt.w.s a0, fa1, ") + c.mode, {.fa1 = S(-2.5f)});
        EXPECT_EQ(int64_t(n.a0), c.neg) << c.mode;
    }
}

TEST(FpRounding, EachModeOnArithmetic) {
    // 1 + 2^-24 is a tie between 1 and 1 + 2^-23 in single precision.
    const float up = 1.0f + 0x1p-23f;
    struct Case {
        const char* mode;
        float pos;
        float neg;
    };
    const Case cases[] = {{"rne", 1.0f, -1.0f},
                          {"rtz", 1.0f, -1.0f},
                          {"rdn", 1.0f, -up},
                          {"rup", up, -1.0f},
                          {"rmm", up, -up}};
    for (const Case& c : cases) {
        FP(p, std::string("fadd.s fa0, fa1, fa2, ") + c.mode, {.fa1 = S(1.0f), .fa2 = S(0x1p-24f)});
        EXPECT_EQ(p.fa0, S(c.pos)) << c.mode;
        EXPECT_EQ(p.fflags, kNX) << c.mode;
        FP(n, std::string("fsub.s fa0, fa1, fa2, ") + c.mode,
           {.fa1 = S(-1.0f), .fa2 = S(0x1p-24f)});
        EXPECT_EQ(n.fa0, S(c.neg)) << c.mode;
    }
    // Not a tie: 1 + 0.75 ulp rounds up under both RNE and RMM, down under RTZ.
    FP(a, "fadd.d fa0, fa1, fa2, rmm", {.fa1 = D(1.0), .fa2 = D(0x1.8p-53)});
    EXPECT_EQ(a.fa0, D(1.0 + 0x1p-52));
    FP(b, "fadd.d fa0, fa1, fa2, rmm", {.fa1 = D(1.0), .fa2 = D(0x1p-53)});
    EXPECT_EQ(b.fa0, D(1.0 + 0x1p-52)); // tie away
    FP(c, "fadd.d fa0, fa1, fa2, rne", {.fa1 = D(1.0), .fa2 = D(0x1p-53)});
    EXPECT_EQ(c.fa0, D(1.0)); // tie to even
    FP(d, "fmul.d fa0, fa1, fa2, rmm", {.fa1 = D(1.0 + 0x1p-52), .fa2 = D(1.0 + 0x1p-52)});
    EXPECT_EQ(d.fa0, D(1.0 + 0x1p-51)); // 1 + 2^-51 + 2^-104: not a tie
    FP(e, "fsqrt.d fa0, fa1, rdn", {.fa1 = D(2.0)});
    FP(f, "fsqrt.d fa0, fa1, rup", {.fa1 = D(2.0)});
    EXPECT_EQ(f.fa0, e.fa0 + 1);
}

TEST(FpRounding, DynamicModeFromFrmAndIllegalModes) {
    FP(a, "fadd.s fa0, fa1, fa2", {.fa1 = S(1.0f), .fa2 = S(0x1p-24f), .frm = 3});
    EXPECT_EQ(a.fa0, S(1.0f + 0x1p-23f));
    FP(b, "fcvt.w.d a0, fa1", {.fa1 = D(-2.5), .frm = 4});
    EXPECT_EQ(int64_t(b.a0), -3);
    for (uint32_t frm : {5u, 6u, 7u}) {
        bool skipped = false;
        FpOut r = run_fp("fadd.s fa0, fa1, fa2", {.fa1 = S(1.0f), .frm = frm}, &skipped);
        if (skipped) GTEST_SKIP() << "riscv64-linux-gnu binutils not installed";
        EXPECT_EQ(r.kind, ExitKind::IllegalInstruction) << frm;
        EXPECT_EQ(r.fa0, 0u);
    }
    // Static rm 5 and 6 are reserved encodings.
    for (uint32_t word : {0x00b5d553u, 0x00b5e553u}) {
        Sandbox sb;
        sb.put_words({word});
        auto e = sb.run();
        EXPECT_EQ(e.kind, ExitKind::IllegalInstruction);
        EXPECT_EQ(e.insn, word);
    }
    // Operations without a rounding mode do not care about frm.
    FP(c, "fsgnj.d fa0, fa1, fa2", {.fa1 = D(1.0), .fa2 = D(-1.0), .frm = 6});
    EXPECT_EQ(c.fa0, D(-1.0));
}

TEST(FpFlags, DivideByZeroInexactOverflowUnderflow) {
    FP(a, "fdiv.d fa0, fa1, fa2", {.fa1 = D(1.0), .fa2 = D(0.0)});
    EXPECT_EQ(a.fa0, D(INFINITY));
    EXPECT_EQ(a.fflags, kDZ);
    FP(b, "fdiv.s fa0, fa1, fa2", {.fa1 = S(1.0f), .fa2 = S(3.0f)});
    EXPECT_EQ(b.fflags, kNX);
    FP(c, "fmul.s fa0, fa1, fa2", {.fa1 = S(0x1p100f), .fa2 = S(0x1p100f)});
    EXPECT_EQ(c.fa0, S(INFINITY));
    EXPECT_EQ(c.fflags, kOF | kNX);
    FP(c2, "fmul.s fa0, fa1, fa2, rtz", {.fa1 = S(0x1p100f), .fa2 = S(0x1p100f)});
    EXPECT_EQ(c2.fa0, Sbits(0x7f7fffffu)); // max finite under RTZ
    FP(d, "fmul.s fa0, fa1, fa2", {.fa1 = S(0x1p-100f), .fa2 = S(0x1p-100f)});
    EXPECT_EQ(d.fa0, S(0.0f));
    EXPECT_EQ(d.fflags, kUF | kNX);
    FP(e, "fmul.d fa0, fa1, fa2", {.fa1 = D(0x1p-1000), .fa2 = D(0x1p-30)});
    EXPECT_EQ(e.fa0, D(0x1p-1030)); // exact subnormal: no underflow
    EXPECT_EQ(e.fflags, 0u);
    FP(f, "fcvt.s.d fa0, fa1", {.fa1 = D(1e300)});
    EXPECT_EQ(f.fa0, S(INFINITY));
    EXPECT_EQ(f.fflags, kOF | kNX);
}

TEST(FpFlags, TininessIsDetectedAfterRounding) {
    // (1 - 2^-27)(1 + 2^-27) 2^-1022 = 2^-1022 (1 - 2^-54): tiny before rounding, but rounds to
    // the smallest normal even with an unbounded exponent, so RISC-V raises only NX.
    FP(a, "fmul.d fa0, fa1, fa2", {.fa1 = D(1.0 - 0x1p-27), .fa2 = D(0x1p-1022 * (1.0 + 0x1p-27))});
    EXPECT_EQ(a.fa0, D(0x1p-1022));
    EXPECT_EQ(a.fflags, kNX);
    FP(b, "fmul.s fa0, fa1, fa2",
       {.fa1 = S(1.0f - 0x1p-13f), .fa2 = S(0x1p-126f * (1.0f + 0x1p-13f))});
    EXPECT_EQ(b.fa0, S(0x1p-126f));
    EXPECT_EQ(b.fflags, kNX);
    // Rounded down to a subnormal: underflow.
    FP(c, "fmul.d fa0, fa1, fa2, rtz",
       {.fa1 = D(1.0 - 0x1p-27), .fa2 = D(0x1p-1022 * (1.0 + 0x1p-27))});
    EXPECT_EQ(c.fflags, kUF | kNX);
}

TEST(FpFlags, AccumulateAcrossInstructions) {
    Sandbox sb;
    sb.state.f[1] = D(1.0);
    sb.state.f[2] = D(0.0);
    sb.state.f[3] = D(3.0);
    RUN_TO_ECALL(sb, R"(
        fdiv.d ft4, ft1, ft2
        fdiv.d ft5, ft1, ft3
        frflags a0
        fsflags a1, zero
        frflags a2
        ecall)");
    EXPECT_EQ(sb.x(riscv::kA0), uint64_t(kDZ | kNX));
    EXPECT_EQ(sb.x(riscv::kA1), uint64_t(kDZ | kNX));
    EXPECT_EQ(sb.x(riscv::kA2), 0u);
}

TEST(FpFma, SingleRoundingAndSigns) {
    const double a = 1.0 + 0x1p-30, b = 1.0 - 0x1p-30;
    FP(r, "fmadd.d fa0, fa1, fa2, fa3", {.fa1 = D(a), .fa2 = D(b), .fa3 = D(-1.0)});
    EXPECT_EQ(r.fa0, D(-0x1p-60)); // a*b rounded first would give 0
    EXPECT_EQ(r.fflags, 0u);
    FP(s, "fmsub.d fa0, fa1, fa2, fa3", {.fa1 = D(a), .fa2 = D(b), .fa3 = D(1.0)});
    EXPECT_EQ(s.fa0, D(-0x1p-60));
    FP(t, "fnmsub.d fa0, fa1, fa2, fa3", {.fa1 = D(a), .fa2 = D(b), .fa3 = D(1.0)});
    EXPECT_EQ(t.fa0, D(0x1p-60));
    FP(u, "fnmadd.s fa0, fa1, fa2, fa3", {.fa1 = S(2.0f), .fa2 = S(3.0f), .fa3 = S(1.0f)});
    EXPECT_EQ(u.fa0, S(-7.0f));
    FP(v, "fmadd.s fa0, fa1, fa2, fa3",
       {.fa1 = S(INFINITY), .fa2 = S(0.0f), .fa3 = Sbits(0x7fc00000u)});
    EXPECT_EQ(v.fa0, kCanonS);
    EXPECT_EQ(v.fflags, kNV); // inf*0 is invalid even with a quiet NaN addend
    FP(w, "fmadd.s fa0, fa1, fa2, fa3, rmm",
       {.fa1 = S(1.0f + 0x1p-12f), .fa2 = S(1.0f + 0x1p-12f), .fa3 = S(-0x1p-24f)});
    // (1 + 2^-12)^2 - 2^-24 = 1 + 2^-11: exact
    EXPECT_EQ(w.fa0, S(1.0f + 0x1p-11f));
    EXPECT_EQ(w.fflags, 0u);
}

TEST(FpConvert, IntegerToFloatRounding) {
    FP(a, "fcvt.s.l fa0, a1", {.a1 = (uint64_t(1) << 24) + 1});
    EXPECT_EQ(a.fa0, S(16777216.0f)); // tie to even
    EXPECT_EQ(a.fflags, kNX);
    FP(b, "fcvt.s.l fa0, a1, rmm", {.a1 = (uint64_t(1) << 24) + 1});
    EXPECT_EQ(b.fa0, S(16777218.0f)); // tie away
    FP(c, "fcvt.s.lu fa0, a1", {.a1 = ~uint64_t(0)});
    EXPECT_EQ(c.fa0, S(0x1p64f));
    EXPECT_EQ(c.fflags, kNX);
    FP(d, "fcvt.d.w fa0, a1", {.a1 = 0xffffffff80000000ull});
    EXPECT_EQ(d.fa0, D(-2147483648.0));
    EXPECT_EQ(d.fflags, 0u);
    FP(e, "fcvt.d.wu fa0, a1", {.a1 = 0xffffffffffffffffull});
    EXPECT_EQ(e.fa0, D(4294967295.0));
    FP(f, "fcvt.d.lu fa0, a1, rdn", {.a1 = ~uint64_t(0)});
    EXPECT_EQ(f.fa0, D(0x1.fffffffffffffp63));
    FP(g, "fcvt.s.w fa0, a1, rup", {.a1 = 0x7fffffff});
    EXPECT_EQ(g.fa0, S(0x1p31f));
}

TEST(FpClass, EveryClass) {
    struct Case {
        const char* insn;
        uint64_t in;
        unsigned bit;
    };
    const Case cases[] = {
        {"fclass.s a0, fa1", S(-INFINITY), 0},
        {"fclass.s a0, fa1", S(-1.0f), 1},
        {"fclass.s a0, fa1", Sbits(0x80000001u), 2},
        {"fclass.s a0, fa1", S(-0.0f), 3},
        {"fclass.s a0, fa1", S(0.0f), 4},
        {"fclass.s a0, fa1", Sbits(0x00000001u), 5},
        {"fclass.s a0, fa1", S(1.0f), 6},
        {"fclass.s a0, fa1", S(INFINITY), 7},
        {"fclass.s a0, fa1", Sbits(0x7f800001u), 8},
        {"fclass.s a0, fa1", Sbits(0x7fc00000u), 9},
        {"fclass.d a0, fa1", D(-INFINITY), 0},
        {"fclass.d a0, fa1", 0x0000000000000001ull, 5},
        {"fclass.d a0, fa1", 0x7ff0000000000001ull, 8},
        {"fclass.d a0, fa1", kCanonD, 9},
    };
    for (const Case& c : cases) {
        FP(r, c.insn, {.fa1 = c.in});
        EXPECT_EQ(r.a0, uint64_t(1) << c.bit) << c.insn << " 0x" << std::hex << c.in;
    }
}

TEST(FpSign, InjectionKeepsPayloads) {
    FP(a, "fsgnjn.d fa0, fa1, fa2", {.fa1 = 0x7ff0000000000001ull, .fa2 = D(1.0)});
    EXPECT_EQ(a.fa0, 0xfff0000000000001ull); // fneg of an sNaN keeps it, raises nothing
    EXPECT_EQ(a.fflags, 0u);
    FP(b, "fsgnjx.s fa0, fa1, fa2", {.fa1 = S(-2.0f), .fa2 = S(-3.0f)});
    EXPECT_EQ(b.fa0, S(2.0f));
    FP(c, "fabs.d fa0, fa1", {.fa1 = D(-4.0)});
    EXPECT_EQ(c.fa0, D(4.0));
}

} // namespace
} // namespace machina::isa_test
