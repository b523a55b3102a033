#include "target/riscv/hart_dump.h"

#include <fmt/format.h>

namespace machina::riscv {
namespace {

constexpr const char* kXNames[32] = {"zero", "ra", "sp",  "gp",  "tp", "t0", "t1", "t2",
                                     "s0",   "s1", "a0",  "a1",  "a2", "a3", "a4", "a5",
                                     "a6",   "a7", "s2",  "s3",  "s4", "s5", "s6", "s7",
                                     "s8",   "s9", "s10", "s11", "t3", "t4", "t5", "t6"};
constexpr const char* kFNames[32] = {"ft0", "ft1", "ft2",  "ft3",  "ft4", "ft5", "ft6",  "ft7",
                                     "fs0", "fs1", "fa0",  "fa1",  "fa2", "fa3", "fa4",  "fa5",
                                     "fa6", "fa7", "fs2",  "fs3",  "fs4", "fs5", "fs6",  "fs7",
                                     "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11"};

} // namespace

const char* x_reg_name(unsigned r) {
    return kXNames[r & 31];
}
const char* f_reg_name(unsigned r) {
    return kFNames[r & 31];
}

std::string dump_hart_state(const HartState& s, bool with_fp) {
    std::string out = fmt::format(" pc       {:016x}  instret {}\n", s.pc, s.instret);
    for (unsigned r = 0; r < 32; ++r) {
        out +=
            fmt::format(" x{:<2}/{:<4} {:016x}{}", r, kXNames[r], s.x[r], r % 4 == 3 ? "\n" : "");
    }
    if (with_fp) {
        for (unsigned r = 0; r < 32; ++r) {
            out += fmt::format(" f{:<2}/{:<4} {:016x}{}", r, kFNames[r], s.f[r],
                               r % 4 == 3 ? "\n" : "");
        }
        out += fmt::format(" fcsr     {:08x}\n", s.fcsr);
    }
    return out;
}

} // namespace machina::riscv
