// Differential test against QEMU on random straight-line programs: thousands of random legal
// instructions (32-bit and compressed; integer, M, A, F, D, Zicsr on fflags, Zb*) over random
// register values and a random memory buffer. The program dumps every register, fcsr and the
// buffer; qemu-riscv64 (run explicitly, the reference) and the interpreter must agree byte for
// byte. Memory operands are steered into the buffer: 32-bit ones through s11, compressed ones
// through s0 and sp (all three point at the buffer's middle and are never written).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "accel/dbt/decoder/riscv64/decoder.h"
#include "accel/dbt/decoder/riscv64/disasm.h"
#include "isa/assembler.h"

namespace machina::isa_test {
namespace {

using dbt::decoder::decode;
using dbt::decoder::DecodedInsn;
using dbt::decoder::Fmt;
using dbt::decoder::Op;
using dbt::decoder::op_info;

constexpr unsigned kBufQuads = 514;    ///< buffer: [mid - 2056, mid + 2056)
constexpr unsigned kRegsOffset = 4120; ///< register dump offset from the buffer start
constexpr unsigned kDumpSize = kRegsOffset + 8 * 65;

unsigned access_width(Op op) {
    switch (op) {
    case Op::Lb:
    case Op::Lbu:
    case Op::Sb: return 1;
    case Op::Lh:
    case Op::Lhu:
    case Op::Sh: return 2;
    case Op::Lw:
    case Op::Lwu:
    case Op::Sw:
    case Op::Flw:
    case Op::Fsw: return 4;
    default: return 8;
    }
}

bool writes_x(Fmt fmt) {
    switch (fmt) {
    case Fmt::R:
    case Fmt::R2:
    case Fmt::I:
    case Fmt::Sh:
    case Fmt::Ld:
    case Fmt::U:
    case Fmt::J:
    case Fmt::Jalr:
    case Fmt::Csr:
    case Fmt::CsrI:
    case Fmt::Amo:
    case Fmt::Lr:
    case Fmt::FCmp:
    case Fmt::FToX:
    case Fmt::FMvX: return true;
    default: return false;
    }
}

/// LR/SC width allowed in the current program: an SC of another width than its LR is
/// implementation-defined (QEMU stores, then reports failure), so each program uses one width.
bool g_lr_sc_double = false;

bool allowed(const DecodedInsn& d) {
    if ((d.op == Op::LrW || d.op == Op::ScW) && g_lr_sc_double) return false;
    if ((d.op == Op::LrD || d.op == Op::ScD) && !g_lr_sc_double) return false;
    switch (d.op) {
    case Op::Illegal:
    case Op::Jal:
    case Op::Jalr:
    case Op::Beq:
    case Op::Bne:
    case Op::Blt:
    case Op::Bge:
    case Op::Bltu:
    case Op::Bgeu:
    case Op::Ecall:
    case Op::Ebreak:
    case Op::FenceI:
    case Op::Mret: // privileged: illegal in user mode
    case Op::Sret:
    case Op::Wfi:
    case Op::SfenceVma: return false;
    default: break;
    }
    Fmt fmt = op_info(d.op).fmt;
    if ((fmt == Fmt::Csr || fmt == Fmt::CsrI) && d.csr != 0x001) return false; // fflags only
    if (writes_x(fmt) && (d.rd == 2 || d.rd == 8 || d.rd == 27)) return false;
    return true;
}

/// A random legal 32-bit instruction with memory operands steered to s11, or 0. A table row
/// is picked uniformly, then its free bits are filled at random.
uint32_t random_wide(std::mt19937_64& rng) {
    // User-mode rows only: system.inc is last in all_insns.inc and starts with mret.
    auto op = Op(1 + rng() % (unsigned(Op::Mret) - 1));
    const auto& info = op_info(op);
    uint32_t w = info.match | (uint32_t(rng()) & ~info.mask);
    DecodedInsn d = decode(w);
    if (d.op == Op::Illegal) return 0;
    Fmt fmt = op_info(d.op).fmt;
    if (fmt == Fmt::Ld || fmt == Fmt::FLd || fmt == Fmt::St || fmt == Fmt::FSt || fmt == Fmt::Amo ||
        fmt == Fmt::Lr) {
        w = (w & ~(0x1fu << 15)) | 27u << 15; // rs1 = s11
        int64_t imm = d.imm & ~int64_t(access_width(d.op) - 1);
        auto u = uint32_t(imm);
        if (fmt == Fmt::Ld || fmt == Fmt::FLd) w = (w & 0x000fffffu) | (u & 0xfff) << 20;
        if (fmt == Fmt::St || fmt == Fmt::FSt) {
            w = (w & 0x01fff07fu) | (u & 0x1f) << 7 | ((u >> 5) & 0x7f) << 25;
        }
    }
    return allowed(decode(w)) ? w : 0;
}

/// A random legal compressed instruction (uniform over table rows) with memory operands
/// steered to s0/sp, or 0.
uint32_t random_compressed(std::mt19937_64& rng) {
    size_t rows = 0;
    const auto* row = dbt::decoder::compressed_rows(&rows);
    row += rng() % rows;
    uint32_t c = row->match | (uint32_t(rng()) & ~uint32_t(row->mask) & 0xffff);
    if ((c & 3) == 0 && (c >> 13) != 0) c &= ~(7u << 7); // c.lw/ld/fld/sw/sd/fsd: rs1' = s0
    DecodedInsn d = decode(c);
    return allowed(d) ? c : 0;
}

uint64_t random_value(std::mt19937_64& rng) {
    static const uint64_t kSpecial[] = {0,
                                        1,
                                        ~0ull,
                                        0x8000000000000000ull,
                                        0x7fffffffffffffffull,
                                        0xffffffff80000000ull,
                                        0x7fffffff,
                                        0x3ff0000000000000ull,
                                        0xffffffff3f800000ull,
                                        0x7ff0000000000001ull,
                                        0xffffffff7f800001ull,
                                        0x0000000000000001ull};
    uint64_t r = rng();
    if (r % 3 == 0) return kSpecial[(r >> 8) % std::size(kSpecial)];
    if (r % 3 == 1) return uint64_t(int64_t(int32_t(rng())));
    return rng();
}

std::string hex(uint64_t v) {
    char b[24];
    std::snprintf(b, sizeof b, "0x%llx", (unsigned long long)v);
    return b;
}

/// Assembly text of one random program, and its body's instruction words (for diagnostics).
/// Register and buffer values come from their own generator, so that the program with `count`
/// instructions is a prefix of the one with more (used to bisect a mismatch).
std::string make_program(uint64_t seed, unsigned count, std::vector<uint32_t>* body) {
    std::mt19937_64 rng(seed);
    std::mt19937_64 values(seed * 7919 + 1);
    g_lr_sc_double = seed % 2 == 0;
    std::string s = ".globl _start\n.text\n_start:\n";
    s += "lla s11, buf\naddi s11, s11, 2047\naddi s11, s11, 9\nmv s0, s11\nmv sp, s11\n";
    for (unsigned f = 0; f < 32; ++f) {
        s += "li t0, " + hex(random_value(values)) + "\nfmv.d.x f" + std::to_string(f) + ", t0\n";
    }
    for (unsigned r = 1; r < 32; ++r) {
        if (r == 2 || r == 8 || r == 27) continue;
        s += "li x" + std::to_string(r) + ", " + hex(random_value(values)) + "\n";
    }
    while (body->size() < count) {
        bool compressed = rng() % 3 == 0;
        uint32_t w = compressed ? random_compressed(rng) : random_wide(rng);
        if (w == 0) continue;
        body->push_back(w);
        char line[32];
        std::snprintf(line, sizeof line, ".insn 0x%0*x\n", compressed ? 4 : 8, w);
        s += line;
    }
    s += "addi s11, s11, 2047\n";
    for (unsigned r = 0; r < 32; ++r) {
        s += "sd x" + std::to_string(r) + ", " + std::to_string(17 + 8 * r) + "(s11)\n";
    }
    for (unsigned f = 0; f < 32; ++f) {
        s += "fsd f" + std::to_string(f) + ", " + std::to_string(17 + 256 + 8 * f) + "(s11)\n";
    }
    s += "frcsr t0\nsd t0, " + std::to_string(17 + 512) + "(s11)\n";
    s += "li a7, 64\nli a0, 1\nlla a1, buf\nli a2, " + std::to_string(kDumpSize) + "\necall\n";
    s += "li a7, 93\nli a0, 0\necall\n";
    s += ".data\n.balign 8\nbuf:\n";
    for (unsigned i = 0; i < kBufQuads; ++i)
        s += ".quad " + hex(values()) + "\n";
    s += ".zero 1024\n";
    return s;
}

std::string describe_offset(size_t off) {
    if (off < kRegsOffset) return "buffer byte " + std::to_string(off);
    size_t slot = (off - kRegsOffset) / 8;
    if (slot < 32) return std::string("x") + std::to_string(slot);
    if (slot < 64) return std::string("f") + std::to_string(slot - 32);
    return "fcsr";
}

/// Builds and runs the program of `count` instructions in both; returns the differences
/// (empty when they agree) or sets *error.
std::vector<std::string> differences(uint64_t seed, unsigned count, std::vector<uint32_t>* body,
                                     std::string* error) {
    body->clear();
    std::string src = make_program(seed, count, body);
    char dir_template[] = "/tmp/machina-rand-XXXXXX";
    if (mkdtemp(dir_template) == nullptr) {
        *error = "mkdtemp failed";
        return {};
    }
    std::string dir = dir_template;
    std::ofstream(dir + "/p.s") << src;
    int status = 0;
    run_capture("cd " + dir +
                    " && riscv64-linux-gnu-as -march=rv64gc_zba_zbb_zbs -mno-relax -o p.o p.s"
                    " && riscv64-linux-gnu-ld --no-relax -Ttext=0x10000 -o p p.o",
                &status);
    std::string expected = status == 0 ? run_capture("qemu-riscv64 " + dir + "/p", &status) : "";
    std::ifstream in(dir + "/p", std::ios::binary);
    std::stringstream image;
    image << in.rdbuf();
    if (status != 0) {
        *error = "building or running the program under qemu failed (kept in " + dir + ")";
        return {};
    }
    std::system(("rm -rf " + dir).c_str());
    std::string actual;
    if (!run_in_interpreter(image.str(), 8 << 20, &actual, error)) return {};
    std::vector<std::string> diffs;
    if (actual.size() != expected.size()) diffs.push_back("output sizes differ");
    for (size_t off = 0; off + 8 <= expected.size() && off + 8 <= actual.size(); off += 8) {
        if (std::memcmp(actual.data() + off, expected.data() + off, 8) == 0) continue;
        uint64_t a, e;
        std::memcpy(&a, actual.data() + off, 8);
        std::memcpy(&e, expected.data() + off, 8);
        diffs.push_back(describe_offset(off) + ": qemu " + hex(e) + ", machina " + hex(a));
    }
    return diffs;
}

TEST(RandomPrograms, MatchQemu) {
    if (!have_cross_binutils()) GTEST_SKIP() << "riscv64-linux-gnu binutils not installed";
    if (!on_path("qemu-riscv64")) GTEST_SKIP() << "qemu-riscv64 (the reference) not installed";
    constexpr unsigned kCount = 4000;
    for (uint64_t seed = 1; seed <= 40; ++seed) {
        std::vector<uint32_t> body;
        std::string error;
        auto diffs = differences(seed, kCount, &body, &error);
        ASSERT_TRUE(error.empty()) << "seed " << seed << ": " << error;
        if (diffs.empty()) continue;
        // Bisect to the first instruction after which the states differ.
        unsigned lo = 0, hi = kCount; // prefix lo agrees, prefix hi differs
        std::vector<std::string> first = diffs;
        while (hi - lo > 1) {
            unsigned mid = (lo + hi) / 2;
            auto d = differences(seed, mid, &body, &error);
            ASSERT_TRUE(error.empty()) << error;
            if (d.empty()) {
                lo = mid;
            } else {
                hi = mid;
                first = d;
            }
        }
        differences(seed, hi, &body, &error);
        uint32_t w = body[hi - 1];
        std::string text = dbt::decoder::disassemble_raw(decode(w), 0);
        std::string context;
        for (unsigned i = hi > 8 ? hi - 8 : 0; i < hi; ++i) {
            context += "\n  #" + std::to_string(i) + " " +
                       dbt::decoder::disassemble_raw(decode(body[i]), 0);
        }
        ADD_FAILURE() << "seed " << seed << ": instruction #" << hi - 1 << " 0x" << std::hex << w
                      << " (" << text << ") diverges: " << first.front()
                      << (first.size() > 1 ? "; " + first[1] : "") << context;
    }
}

} // namespace
} // namespace machina::isa_test
