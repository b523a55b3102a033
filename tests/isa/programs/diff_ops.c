// Differential test program: runs each F/D/M/Zb instruction on a deterministic stream of
// inputs (special values mixed with random bits) under a random rounding mode, and writes the
// records {result, fflags} to stdout. Built freestanding so that the same binary runs under
// qemu-riscv64 (the reference) and in machina's interpreter sandbox.
typedef unsigned long u64;

#define CASES 1000
#define MAX_OPS 128

static u64 out[MAX_OPS * CASES * 2];
static u64 n_out;
static u64 seed = 0x9e3779b97f4a7c15ul;

static u64 rnd(void) {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return seed;
}

static const u64 kSpecialD[] = {
    0x0000000000000000ul, 0x8000000000000000ul, 0x3ff0000000000000ul, 0xbff0000000000000ul,
    0x7ff0000000000000ul, 0xfff0000000000000ul, 0x7ff8000000000000ul, 0x7ff0000000000001ul,
    0x7ff8000000000123ul, 0x0000000000000001ul, 0x000fffffffffffful,  0x0010000000000000ul,
    0x7fefffffffffffful,  0x43e0000000000000ul, 0xc3e0000000000000ul, 0x41e0000000000000ul,
    0x41dfffffffc00000ul, 0x4000000000000000ul, 0x3fe0000000000000ul, 0x4004000000000000ul,
    0xc004000000000000ul, 0x3ff0000000000001ul, 0x3ca0000000000000ul, 0x0008000000000000ul,
};
static const unsigned kSpecialS[] = {
    0x00000000u, 0x80000000u, 0x3f800000u, 0xbf800000u, 0x7f800000u, 0xff800000u,
    0x7fc00000u, 0x7f800001u, 0x7fc01234u, 0x00000001u, 0x007fffffu, 0x00800000u,
    0x7f7fffffu, 0x5f000000u, 0xdf000000u, 0x4f000000u, 0xcf000000u, 0x40200000u,
    0xc0200000u, 0x3f000000u, 0x3fc00000u, 0x33800000u, 0x4b800001u, 0x00400000u,
};
static const u64 kSpecialX[] = {
    0, 1, 2, 3, ~0ul, 0x8000000000000000ul, 0x7ffffffffffffffful, 0x80000000ul, 0x7ffffffful,
    0xffffffff80000000ul, 0x1000001ul, 0x20000000000001ul, 0xfffffffful, 63, 64, 31, 32,
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static u64 pick_d(void) {
    u64 r = rnd();
    switch (r & 3) {
    case 0: return kSpecialD[(r >> 8) % COUNT(kSpecialD)];
    case 1: return (rnd() & 0x800fffffffffffful) | (((r >> 8) % 80 + 0x3c8ul) << 52); // near 1
    case 2: return (rnd() & 0x800fffffffffffful) | (((r >> 8) % 120) << 52);          // tiny
    default: return rnd();
    }
}

static u64 pick_s(void) {
    u64 r = rnd();
    unsigned v;
    switch (r & 3) {
    case 0: v = kSpecialS[(r >> 8) % COUNT(kSpecialS)]; break;
    case 1: v = ((unsigned)rnd() & 0x807fffffu) | ((unsigned)((r >> 8) % 40 + 107) << 23); break;
    case 2: v = ((unsigned)rnd() & 0x807fffffu) | ((unsigned)((r >> 8) % 30) << 23); break;
    default: v = (unsigned)rnd(); break;
    }
    if ((r >> 40) % 32 == 0) return (u64)v; // improperly NaN-boxed
    return 0xffffffff00000000ul | v;
}

static u64 pick_x(void) {
    u64 r = rnd();
    if (r & 1) return kSpecialX[(r >> 8) % COUNT(kSpecialX)];
    if (r & 2) return (u64)(long)(int)rnd();
    return rnd();
}

static void record(u64 result, u64 flags) {
    out[n_out++] = result;
    out[n_out++] = flags;
}

// Sets frm, clears fflags, runs BODY, then records RES and fflags.
#define RUN(BODY, RES)                                                                            \
    do {                                                                                          \
        u64 res_, flags_;                                                                         \
        __asm__ volatile("csrw frm, %0\n csrw fflags, zero" ::"r"(rnd() % 5));                    \
        BODY;                                                                                     \
        __asm__ volatile("csrr %0, fflags" : "=r"(flags_));                                       \
        record(RES, flags_);                                                                      \
    } while (0)

#define F3(insn, pick)                                                                            \
    for (int i = 0; i < CASES; ++i) {                                                             \
        u64 a = pick(), b = pick(), r;                                                            \
        RUN(__asm__ volatile("fmv.d.x f1, %1\n fmv.d.x f2, %2\n" insn " f0, f1, f2\n"             \
                             "fmv.x.d %0, f0"                                                     \
                             : "=r"(r)                                                            \
                             : "r"(a), "r"(b)                                                     \
                             : "f0", "f1", "f2"),                                                 \
            r);                                                                                   \
    }
#define F4(insn, pick)                                                                            \
    for (int i = 0; i < CASES; ++i) {                                                             \
        u64 a = pick(), b = pick(), c = pick(), r;                                                \
        RUN(__asm__ volatile("fmv.d.x f1, %1\n fmv.d.x f2, %2\n fmv.d.x f3, %3\n" insn            \
                             " f0, f1, f2, f3\n fmv.x.d %0, f0"                                   \
                             : "=r"(r)                                                            \
                             : "r"(a), "r"(b), "r"(c)                                             \
                             : "f0", "f1", "f2", "f3"),                                           \
            r);                                                                                   \
    }
#define F2(insn, pick)                                                                            \
    for (int i = 0; i < CASES; ++i) {                                                             \
        u64 a = pick(), r;                                                                        \
        RUN(__asm__ volatile("fmv.d.x f1, %1\n" insn " f0, f1\n fmv.x.d %0, f0"                   \
                             : "=r"(r)                                                            \
                             : "r"(a)                                                             \
                             : "f0", "f1"),                                                       \
            r);                                                                                   \
    }
#define FCMP(insn, pick)                                                                          \
    for (int i = 0; i < CASES; ++i) {                                                             \
        u64 a = pick(), b = (i & 3) ? pick() : a, r;                                              \
        RUN(__asm__ volatile("fmv.d.x f1, %1\n fmv.d.x f2, %2\n" insn " %0, f1, f2"               \
                             : "=r"(r)                                                            \
                             : "r"(a), "r"(b)                                                     \
                             : "f1", "f2"),                                                       \
            r);                                                                                   \
    }
#define FTOX(insn, pick)                                                                          \
    for (int i = 0; i < CASES; ++i) {                                                             \
        u64 a = pick(), r;                                                                        \
        RUN(__asm__ volatile("fmv.d.x f1, %1\n" insn " %0, f1" : "=r"(r) : "r"(a) : "f1"), r);    \
    }
#define XTOF(insn)                                                                                \
    for (int i = 0; i < CASES; ++i) {                                                             \
        u64 a = pick_x(), r;                                                                      \
        RUN(__asm__ volatile(insn " f0, %1\n fmv.x.d %0, f0" : "=r"(r) : "r"(a) : "f0"), r);      \
    }
#define X3(insn)                                                                                  \
    for (int i = 0; i < CASES; ++i) {                                                             \
        u64 a = pick_x(), b = pick_x(), r;                                                        \
        RUN(__asm__ volatile(insn " %0, %1, %2" : "=r"(r) : "r"(a), "r"(b)), r);                  \
    }
#define X2(insn)                                                                                  \
    for (int i = 0; i < CASES; ++i) {                                                             \
        u64 a = pick_x(), r;                                                                      \
        RUN(__asm__ volatile(insn " %0, %1" : "=r"(r) : "r"(a)), r);                              \
    }

// ctzw is left out: qemu-riscv64 7.2 returns 63 instead of 32 for 0x8000000000000000 (the low
// word is zero, so the spec says 32); zb_test covers ctzw.
static void run_all(void) {
    F3("fadd.s", pick_s) F3("fsub.s", pick_s) F3("fmul.s", pick_s) F3("fdiv.s", pick_s)
    F3("fmin.s", pick_s) F3("fmax.s", pick_s) F3("fsgnj.s", pick_s) F3("fsgnjn.s", pick_s)
    F3("fsgnjx.s", pick_s)
    F3("fadd.d", pick_d) F3("fsub.d", pick_d) F3("fmul.d", pick_d) F3("fdiv.d", pick_d)
    F3("fmin.d", pick_d) F3("fmax.d", pick_d) F3("fsgnj.d", pick_d) F3("fsgnjn.d", pick_d)
    F3("fsgnjx.d", pick_d)
    F4("fmadd.s", pick_s) F4("fmsub.s", pick_s) F4("fnmsub.s", pick_s) F4("fnmadd.s", pick_s)
    F4("fmadd.d", pick_d) F4("fmsub.d", pick_d) F4("fnmsub.d", pick_d) F4("fnmadd.d", pick_d)
    F2("fsqrt.s", pick_s) F2("fsqrt.d", pick_d) F2("fcvt.s.d", pick_d) F2("fcvt.d.s", pick_s)
    FCMP("feq.s", pick_s) FCMP("flt.s", pick_s) FCMP("fle.s", pick_s)
    FCMP("feq.d", pick_d) FCMP("flt.d", pick_d) FCMP("fle.d", pick_d)
    FTOX("fcvt.w.s", pick_s) FTOX("fcvt.wu.s", pick_s) FTOX("fcvt.l.s", pick_s)
    FTOX("fcvt.lu.s", pick_s) FTOX("fcvt.w.d", pick_d) FTOX("fcvt.wu.d", pick_d)
    FTOX("fcvt.l.d", pick_d) FTOX("fcvt.lu.d", pick_d) FTOX("fclass.s", pick_s)
    FTOX("fclass.d", pick_d) FTOX("fmv.x.w", pick_s) FTOX("fmv.x.d", pick_d)
    XTOF("fcvt.s.w") XTOF("fcvt.s.wu") XTOF("fcvt.s.l") XTOF("fcvt.s.lu")
    XTOF("fcvt.d.w") XTOF("fcvt.d.wu") XTOF("fcvt.d.l") XTOF("fcvt.d.lu")
    XTOF("fmv.w.x") XTOF("fmv.d.x")
    X3("mulh") X3("mulhsu") X3("mulhu") X3("div") X3("divu") X3("rem") X3("remu")
    X3("mulw") X3("divw") X3("divuw") X3("remw") X3("remuw")
    X3("sll") X3("srl") X3("sra") X3("sllw") X3("srlw") X3("sraw")
    X3("add.uw") X3("sh1add.uw") X3("sh3add") X3("andn") X3("orn") X3("xnor")
    X3("min") X3("minu") X3("max") X3("maxu") X3("rol") X3("ror") X3("rolw") X3("rorw")
    X3("bclr") X3("bext") X3("binv") X3("bset")
    X2("clz") X2("ctz") X2("cpop") X2("clzw") X2("cpopw") X2("sext.b")
    X2("sext.h") X2("zext.h") X2("orc.b") X2("rev8")
}

static long sys3(long n, long a, long b, long c) {
    register long a0 __asm__("a0") = a;
    register long a1 __asm__("a1") = b;
    register long a2 __asm__("a2") = c;
    register long a7 __asm__("a7") = n;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
    return a0;
}

void _start(void) {
    run_all();
    const char* p = (const char*)out;
    long left = (long)(n_out * sizeof(u64));
    while (left > 0) {
        long n = sys3(64, 1, (long)p, left);
        if (n <= 0) sys3(93, 1, 0, 0);
        p += n;
        left -= n;
    }
    sys3(93, 0, 0, 0);
    for (;;) {
    }
}
