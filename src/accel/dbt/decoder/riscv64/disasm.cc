#include "accel/dbt/decoder/riscv64/disasm.h"

#include <cstring>

#include <fmt/format.h>

#include "target/riscv/csr.h"
#include "target/riscv/hart_dump.h"

namespace machina::dbt::decoder {
namespace {

constexpr const char* kRmNames[8] = {"rne", "rtz", "rdn", "rup", "rmm", "rm5", "rm6", "dyn"};

std::string csr_text(uint16_t csr) {
    const char* name = riscv::csr_name(csr);
    return name ? std::string(name) : fmt::format("0x{:x}", csr);
}

std::string target(const DecodedInsn& d, uint64_t pc) {
    return fmt::format("0x{:x}", pc + uint64_t(d.imm));
}

std::string fence_set(unsigned bits) {
    std::string s;
    if (bits & 8) s += 'i';
    if (bits & 4) s += 'o';
    if (bits & 2) s += 'r';
    if (bits & 1) s += 'w';
    return s.empty() ? "0" : s;
}

/// ",rtz" when the rounding mode is worth printing.
std::string rm_suffix(const DecodedInsn& d) {
    bool exact = d.op == Op::FcvtDS || d.op == Op::FcvtDW || d.op == Op::FcvtDWu;
    if (d.rm == 7 || (exact && d.rm == 0)) return "";
    return std::string(",") + kRmNames[d.rm & 7];
}

std::string amo_mnemonic(const DecodedInsn& d) {
    std::string m = mnemonic(d.op);
    if (d.aq && d.rl) return m + ".aqrl";
    if (d.aq) return m + ".aq";
    if (d.rl) return m + ".rl";
    return m;
}

std::string with(const char* m, const std::string& operands) {
    return operands.empty() ? std::string(m) : std::string(m) + " " + operands;
}

/// Aliases objdump prints by default; empty when none applies.
std::string alias(const DecodedInsn& d, uint64_t pc) {
    const char* rd = riscv::x_reg_name(d.rd);
    const char* rs1 = riscv::x_reg_name(d.rs1);
    const char* rs2 = riscv::x_reg_name(d.rs2);
    switch (d.op) {
    case Op::Addi:
        if (d.rd == 0 && d.rs1 == 0 && d.imm == 0) return "nop";
        if (d.rs1 == 0) return fmt::format("li {},{}", rd, d.imm);
        if (d.imm == 0) return fmt::format("mv {},{}", rd, rs1);
        break;
    case Op::Add:
        if (d.rs1 == 0) return fmt::format("mv {},{}", rd, rs2);
        break;
    case Op::Xori:
        if (d.imm == -1) return fmt::format("not {},{}", rd, rs1);
        break;
    case Op::Sub:
        if (d.rs1 == 0) return fmt::format("neg {},{}", rd, rs2);
        break;
    case Op::Subw:
        if (d.rs1 == 0) return fmt::format("negw {},{}", rd, rs2);
        break;
    case Op::Addiw:
        if (d.imm == 0) return fmt::format("sext.w {},{}", rd, rs1);
        break;
    case Op::Sltiu:
        if (d.imm == 1) return fmt::format("seqz {},{}", rd, rs1);
        break;
    case Op::Sltu:
        if (d.rs1 == 0) return fmt::format("snez {},{}", rd, rs2);
        break;
    case Op::Slt:
        if (d.rs2 == 0) return fmt::format("sltz {},{}", rd, rs1);
        if (d.rs1 == 0) return fmt::format("sgtz {},{}", rd, rs2);
        break;
    case Op::AddUw:
        if (d.rs2 == 0) return fmt::format("zext.w {},{}", rd, rs1);
        break;
    case Op::Beq:
        if (d.rs2 == 0) return fmt::format("beqz {},{}", rs1, target(d, pc));
        break;
    case Op::Bne:
        if (d.rs2 == 0) return fmt::format("bnez {},{}", rs1, target(d, pc));
        break;
    case Op::Bge:
        if (d.rs1 == 0) return fmt::format("blez {},{}", rs2, target(d, pc));
        if (d.rs2 == 0) return fmt::format("bgez {},{}", rs1, target(d, pc));
        break;
    case Op::Blt:
        if (d.rs2 == 0) return fmt::format("bltz {},{}", rs1, target(d, pc));
        if (d.rs1 == 0) return fmt::format("bgtz {},{}", rs2, target(d, pc));
        break;
    case Op::Jal:
        if (d.rd == 0) return "j " + target(d, pc);
        if (d.rd == 1) return "jal " + target(d, pc);
        break;
    case Op::Jalr:
        if (d.imm != 0) break;
        if (d.rd == 0 && d.rs1 == 1) return "ret";
        if (d.rd == 0) return fmt::format("jr {}", rs1);
        if (d.rd == 1) return fmt::format("jalr {}", rs1);
        break;
    case Op::Fence:
        if (d.imm == 0x0ff) return "fence";
        break;
    case Op::FsgnjS:
    case Op::FsgnjnS:
    case Op::FsgnjxS:
    case Op::FsgnjD:
    case Op::FsgnjnD:
    case Op::FsgnjxD: {
        if (d.rs1 != d.rs2) break;
        bool dbl = d.op == Op::FsgnjD || d.op == Op::FsgnjnD || d.op == Op::FsgnjxD;
        const char* base = (d.op == Op::FsgnjS || d.op == Op::FsgnjD)     ? "fmv"
                           : (d.op == Op::FsgnjnS || d.op == Op::FsgnjnD) ? "fneg"
                                                                          : "fabs";
        return fmt::format("{}.{} {},{}", base, dbl ? 'd' : 's', riscv::f_reg_name(d.rd),
                           riscv::f_reg_name(d.rs1));
    }
    case Op::Csrrs:
        if (d.rs1 == 0) {
            if (d.csr == riscv::kCsrFflags) return fmt::format("frflags {}", rd);
            if (d.csr == riscv::kCsrFrm) return fmt::format("frrm {}", rd);
            if (d.csr == riscv::kCsrFcsr) return fmt::format("frcsr {}", rd);
            if (d.csr == riscv::kCsrCycle) return fmt::format("rdcycle {}", rd);
            if (d.csr == riscv::kCsrTime) return fmt::format("rdtime {}", rd);
            if (d.csr == riscv::kCsrInstret) return fmt::format("rdinstret {}", rd);
            return fmt::format("csrr {},{}", rd, csr_text(d.csr));
        }
        if (d.rd == 0) return fmt::format("csrs {},{}", csr_text(d.csr), rs1);
        break;
    case Op::Csrrc:
        if (d.rd == 0) return fmt::format("csrc {},{}", csr_text(d.csr), rs1);
        break;
    case Op::Csrrw:
        if (d.csr == riscv::kCsrFflags) {
            return d.rd == 0 ? fmt::format("fsflags {}", rs1)
                             : fmt::format("fsflags {},{}", rd, rs1);
        }
        if (d.csr == riscv::kCsrFrm) {
            return d.rd == 0 ? fmt::format("fsrm {}", rs1) : fmt::format("fsrm {},{}", rd, rs1);
        }
        if (d.csr == riscv::kCsrFcsr) {
            return d.rd == 0 ? fmt::format("fscsr {}", rs1) : fmt::format("fscsr {},{}", rd, rs1);
        }
        if (d.rd == 0) return fmt::format("csrw {},{}", csr_text(d.csr), rs1);
        break;
    case Op::Csrrwi:
        if (d.rd == 0) return fmt::format("csrwi {},{}", csr_text(d.csr), d.imm);
        break;
    case Op::Csrrsi:
        if (d.rd == 0) return fmt::format("csrsi {},{}", csr_text(d.csr), d.imm);
        break;
    case Op::Csrrci:
        if (d.rd == 0) return fmt::format("csrci {},{}", csr_text(d.csr), d.imm);
        break;
    default: break;
    }
    return {};
}

} // namespace

const char* x_name(unsigned r) {
    return riscv::x_reg_name(r & 31);
}
const char* f_name(unsigned r) {
    return riscv::f_reg_name(r & 31);
}

std::string disassemble_raw(const DecodedInsn& d, uint64_t pc) {
    const OpInfo& info = op_info(d.op);
    const char* m = info.mnemonic;
    const char* xd = riscv::x_reg_name(d.rd);
    const char* x1 = riscv::x_reg_name(d.rs1);
    const char* x2 = riscv::x_reg_name(d.rs2);
    const char* fd = riscv::f_reg_name(d.rd);
    const char* f1 = riscv::f_reg_name(d.rs1);
    const char* f2 = riscv::f_reg_name(d.rs2);
    if (d.op == Op::Illegal) {
        return d.length == 2 ? fmt::format(".insn 0x{:04x}", d.raw)
                             : fmt::format(".insn 0x{:08x}", d.raw);
    }
    switch (info.fmt) {
    case Fmt::None: return m;
    case Fmt::Rs12: // as objdump: operands only when not x0
        if (d.rs2 != 0) return with(m, fmt::format("{},{}", x1, x2));
        return d.rs1 != 0 ? with(m, x1) : std::string(m);
    case Fmt::R: return with(m, fmt::format("{},{},{}", xd, x1, x2));
    case Fmt::R2: return with(m, fmt::format("{},{}", xd, x1));
    case Fmt::I: return with(m, fmt::format("{},{},{}", xd, x1, d.imm));
    case Fmt::Sh: return with(m, fmt::format("{},{},0x{:x}", xd, x1, d.imm));
    case Fmt::Ld:
    case Fmt::Jalr: return with(m, fmt::format("{},{}({})", xd, d.imm, x1));
    case Fmt::St: return with(m, fmt::format("{},{}({})", x2, d.imm, x1));
    case Fmt::Br: return with(m, fmt::format("{},{},{}", x1, x2, target(d, pc)));
    case Fmt::U: return with(m, fmt::format("{},0x{:x}", xd, (uint64_t(d.imm) >> 12) & 0xfffff));
    case Fmt::J: return with(m, fmt::format("{},{}", xd, target(d, pc)));
    case Fmt::Fence:
        return with(m, fmt::format("{},{}", fence_set((d.imm >> 4) & 15), fence_set(d.imm & 15)));
    case Fmt::Csr: return with(m, fmt::format("{},{},{}", xd, csr_text(d.csr), x1));
    case Fmt::CsrI: return with(m, fmt::format("{},{},{}", xd, csr_text(d.csr), d.imm));
    case Fmt::Amo: return amo_mnemonic(d) + fmt::format(" {},{},({})", xd, x2, x1);
    case Fmt::Lr: return amo_mnemonic(d) + fmt::format(" {},({})", xd, x1);
    case Fmt::FR: return with(m, fmt::format("{},{},{}", fd, f1, f2));
    case Fmt::FRrm: return with(m, fmt::format("{},{},{}{}", fd, f1, f2, rm_suffix(d)));
    case Fmt::FR4:
        return with(
            m, fmt::format("{},{},{},{}{}", fd, f1, f2, riscv::f_reg_name(d.rs3), rm_suffix(d)));
    case Fmt::FR1rm: return with(m, fmt::format("{},{}{}", fd, f1, rm_suffix(d)));
    case Fmt::FCmp: return with(m, fmt::format("{},{},{}", xd, f1, f2));
    case Fmt::FToX: return with(m, fmt::format("{},{}{}", xd, f1, rm_suffix(d)));
    case Fmt::XToF: return with(m, fmt::format("{},{}{}", fd, x1, rm_suffix(d)));
    case Fmt::FMvX: return with(m, fmt::format("{},{}", xd, f1));
    case Fmt::XMvF: return with(m, fmt::format("{},{}", fd, x1));
    case Fmt::FLd: return with(m, fmt::format("{},{}({})", fd, d.imm, x1));
    case Fmt::FSt: return with(m, fmt::format("{},{}({})", f2, d.imm, x1));
    }
    return m;
}

std::string disassemble(const DecodedInsn& d, uint64_t pc) {
    std::string a = alias(d, pc);
    return a.empty() ? disassemble_raw(d, pc) : a;
}

} // namespace machina::dbt::decoder
