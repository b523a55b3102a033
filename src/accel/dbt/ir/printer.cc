#include "accel/dbt/ir/printer.h"

#include <fmt/format.h>

namespace machina::dbt::ir {

namespace {
const char* reason_name(ExitReason reason) {
    switch (reason) {
    case ExitReason::Ecall: return "ecall";
    case ExitReason::Ebreak: return "ebreak";
    case ExitReason::Illegal: return "illegal";
    case ExitReason::FenceI: return "fence.i";
    case ExitReason::Fetch: return "fetch-fault";
    case ExitReason::System: return "system";
    }
    return "?";
}
} // namespace

std::string to_string(const Block& block, Value v) {
    const Inst& inst = block.insts[v];
    const OpcodeInfo& oi = info(inst.op);
    std::string out;
    if (inst.type != Type::Void) out = fmt::format("v{}:{} = ", v, ir::to_string(inst.type));
    out += oi.name;
    switch (inst.op) {
    case Opcode::Const: out += fmt::format(" {:#x}", inst.imm); break;
    case Opcode::GetReg:
    case Opcode::SetReg: out += fmt::format(" x{}", inst.imm); break;
    case Opcode::InterpStep:
    case Opcode::ExitIf: out += fmt::format(" @{:#x}", inst.imm); break;
    case Opcode::GetFReg:
    case Opcode::SetFReg: out += fmt::format(" f{}", inst.imm); break;
    case Opcode::CallExec:
    case Opcode::SysInsn: out += fmt::format(" insn={:#x}", inst.imm); break;
    case Opcode::CheckCodeParcel: out += fmt::format(" upper={:#06x}", inst.imm); break;
    case Opcode::Amo:
        out += fmt::format(" kind={}{}", inst.imm & 15, inst.imm & kAmoWord ? ".w" : ".d");
        break;
    default:
        if ((is_load(inst.op) || is_store(inst.op)) && access_disp(inst.imm) != 0)
            out += fmt::format(" disp={}", access_disp(inst.imm));
        break;
    }
    for (unsigned i = 0; i < oi.args; ++i) {
        out +=
            fmt::format("{} v{}", (i == 0 && inst.op != Opcode::SetReg) ? "" : ",", inst.args[i]);
    }
    return out;
}

std::string to_string(const Terminal& term) {
    switch (term.kind) {
    case TermKind::None: return "<no terminal>";
    case TermKind::Jump: return fmt::format("jump {:#x}", term.target);
    case TermKind::Branch:
        return fmt::format("branch v{} ? {:#x} : {:#x}", term.value, term.target, term.fallthrough);
    case TermKind::Indirect: return fmt::format("indirect v{}", term.value);
    case TermKind::Exit:
        if (term.reason == ExitReason::Illegal || term.reason == ExitReason::System)
            return fmt::format("exit {} {:#x} insn={:#x}", reason_name(term.reason), term.target,
                               term.insn);
        return fmt::format("exit {} {:#x}", reason_name(term.reason), term.target);
    }
    return "?";
}

std::string print(const Block& block) {
    std::string out = fmt::format("block {:#x} ({} guest insns)\n", block.pc, block.guest_insns);
    uint64_t last_pc = ~uint64_t(0);
    for (Value v = 0; v < block.insts.size(); ++v) {
        if (block.insts[v].pc != last_pc) {
            last_pc = block.insts[v].pc;
            out += fmt::format(" ; {:#x}\n", last_pc);
        }
        out += "  " + to_string(block, v) + "\n";
    }
    out += "  " + to_string(block.term) + "\n";
    return out;
}

} // namespace machina::dbt::ir
