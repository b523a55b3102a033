// Floating point: printf of many double/float results (exact IEEE operations only, so native
// and emulated runs must agree bit for bit), conversions, fma, sqrt, and results that depend on
// the rounding mode, plus the exception flags.
#include <fenv.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile double vd[] = {1.0, 3.0, -7.25, 0.1, 1e300, 1e-300, 123456789.0, 2.5, -2.5, 0.0};
static volatile float vf[] = {1.0f, 3.0f, -7.25f, 0.1f, 1e30f, 1e-30f, 16777217.0f, 2.5f, -2.5f};
#define ND (sizeof vd / sizeof vd[0])
#define NF (sizeof vf / sizeof vf[0])

static uint64_t bits_d(double d) {
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}
static uint32_t bits_f(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static void arithmetic(const char* mode) {
    printf("== rounding %s\n", mode);
    for (size_t i = 0; i + 1 < ND; ++i) {
        double a = vd[i], b = vd[i + 1];
        printf("d %a %a: + %a - %a * %a / %a sqrt %a fma %a\n", a, b, a + b, a - b, a * b,
               b != 0 ? a / b : 0.0, sqrt(fabs(a)), fma(a, b, a));
    }
    for (size_t i = 0; i + 1 < NF; ++i) {
        float a = vf[i], b = vf[i + 1];
        printf("f %a %a: + %a - %a * %a / %a sqrt %a fma %a\n", (double)a, (double)b,
               (double)(a + b), (double)(a - b), (double)(a * b), (double)(a / b),
               (double)sqrtf(fabsf(a)), (double)fmaf(a, b, a));
    }
    // Operands from volatile memory: no compiler may fold these in its own rounding mode.
    volatile double one = 1.0, three = 3.0;
    volatile float onef = 1.0f, threef = 3.0f;
    volatile double third = one / three;
    volatile float fthird = onef / threef;
    printf("1/3 = %.20f (%016llx), float %.12f (%08x)\n", third,
           (unsigned long long)bits_d(third), (double)fthird, bits_f(fthird));
    volatile double h1 = 2.5, h2 = -2.5, h3 = 3.5, h4 = -0.5, h5 = 1.5, h6 = -1.5, h7 = -3.5;
    printf("rint: %g %g %g %g; lrint %ld %ld\n", rint(h1), rint(h2), rint(h3), rint(h4),
           lrint(h1), lrint(h7));
    printf("nearbyint %g %g, float->int %d %d\n", nearbyint(h5), nearbyint(h6),
           (int)vf[2], (int)(vd[1] * vd[4] / 1e299));
    volatile double big = 1e16;
    printf("1e16+1 = %.17g, 1e16+3 = %.17g\n", big + 1.0, big + 3.0);
    printf("double->float %a %a\n", (double)(float)vd[3], (double)(float)vd[6]);
    volatile double p1 = 2.675, p2 = 1.005, p3 = 0.5, p4 = 1.5, p5 = 123456.5;
    printf("printf rounding: %.2f %.2f %.0f %.0f %.3e\n", p1, p2, p3, p4, p5);
}

static void flags(void) {
    feclearexcept(FE_ALL_EXCEPT);
    volatile double z = 0.0, one = 1.0, tiny = DBL_MIN;
    volatile double r = one / z;
    printf("1/0 = %g divbyzero=%d\n", r, fetestexcept(FE_DIVBYZERO) != 0);
    feclearexcept(FE_ALL_EXCEPT);
    r = z / z;
    printf("0/0 isnan=%d invalid=%d\n", isnan(r), fetestexcept(FE_INVALID) != 0);
    feclearexcept(FE_ALL_EXCEPT);
    r = one / 3.0;
    printf("1/3 inexact=%d\n", fetestexcept(FE_INEXACT) != 0);
    feclearexcept(FE_ALL_EXCEPT);
    r = tiny * tiny;
    printf("underflow=%d overflow=%d\n", fetestexcept(FE_UNDERFLOW) != 0,
           fetestexcept(FE_OVERFLOW) != 0);
    feclearexcept(FE_ALL_EXCEPT);
    r = DBL_MAX * 2.0;
    printf("inf=%d overflow=%d\n", isinf(r), fetestexcept(FE_OVERFLOW) != 0);
}

int main(void) {
    struct {
        int mode;
        const char* name;
    } modes[] = {{FE_TONEAREST, "nearest"},
                 {FE_UPWARD, "upward"},
                 {FE_DOWNWARD, "downward"},
                 {FE_TOWARDZERO, "toward zero"}};
    for (size_t i = 0; i < 4; ++i) {
        fesetround(modes[i].mode);
        arithmetic(modes[i].name);
    }
    fesetround(FE_TONEAREST);
    flags();
    double sum = 0;
    for (int i = 1; i <= 1000; ++i) sum += 1.0 / i;
    printf("harmonic(1000) = %.17g\n", sum);
    printf("strtod %a %a\n", strtod("0.1", NULL), strtod("2.2250738585072011e-308", NULL));
    // fmin/fmax of signed zeros is unspecified in C (x86 and RISC-V differ): avoid it.
    volatile double m1 = -1.5, m2 = 2.0, m3 = 3.0, mz = -0.0;
    printf("fmin/fmax %g %g copysign %g\n", fmin(m1, m2), fmax(m3, m2), copysign(m3, mz));
    return 0;
}
