#include "boards/riscv_virt/virt_registers.h"

#include <fmt/format.h>

#include <utility>

#include "target/riscv/hart_dump.h"

namespace machina::boards::riscv_virt {

namespace {

const char* priv_name(riscv::Priv p) {
    switch (p) {
    case riscv::Priv::User: return "U";
    case riscv::Priv::Supervisor: return "S";
    case riscv::Priv::Machine: return "M";
    }
    return "?";
}

} // namespace

std::string format_hart_registers(unsigned hart, const riscv::HartRegisters& r) {
    std::string out = fmt::format("CPU#{} ({})\n", hart, r.waiting ? "halted in wfi" : "running");
    out += fmt::format(" {:<8} {:016x}\n", "pc", r.pc);
    out += fmt::format(" {:<8} {}\n", "priv", priv_name(r.priv));
    const std::pair<const char*, uint64_t> csrs[] = {
        {"mhartid", r.mhartid},   {"mstatus", r.mstatus},   {"misa", r.misa},
        {"medeleg", r.medeleg},   {"mideleg", r.mideleg},   {"mie", r.mie},
        {"mip", r.mip},           {"mtvec", r.mtvec},       {"mscratch", r.mscratch},
        {"mepc", r.mepc},         {"mcause", r.mcause},     {"mtval", r.mtval},
        {"stvec", r.stvec},       {"sscratch", r.sscratch}, {"sepc", r.sepc},
        {"scause", r.scause},     {"stval", r.stval},       {"satp", r.satp},
        {"stimecmp", r.stimecmp}, {"instret", r.instret},
    };
    for (const auto& [name, value] : csrs)
        out += fmt::format(" {:<8} {:016x}\n", name, value);
    for (unsigned i = 0; i < 32; ++i) {
        std::string label = fmt::format("x{}/{}", i, riscv::x_reg_name(i));
        out += fmt::format(" {:<8} {:016x}", label, r.x[i]);
        if (i % 4 == 3) out += '\n';
    }
    return out;
}

} // namespace machina::boards::riscv_virt
