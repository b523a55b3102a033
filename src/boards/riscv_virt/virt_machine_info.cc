// The monitor's views of a running virt machine: the memory map (`info mtree`), and hart state
// (`info cpus`, `info registers`) read while the harts are stopped.

#include <fmt/format.h>

#include <algorithm>

#include "boards/riscv_virt/virt_machine.h"
#include "boards/riscv_virt/virt_memory_map.h"
#include "boards/riscv_virt/virt_registers.h"

namespace machina::boards::riscv_virt {

std::string VirtMachine::describe_memory_map() const {
    struct Row {
        uint64_t base, size;
        const char* kind;
        std::string name;
    };
    std::vector<Row> rows;
    for (const auto& r : m_memory.regions())
        rows.push_back({r.gpa, r.size, r.gpa == kMromBase ? "rom" : "ram", r.name});
    for (const auto& m : m_mmio.mappings())
        rows.push_back({m.base, m.size, "i/o", m.name});
    std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.base < b.base; });
    std::string out = "address-space: memory\n";
    for (const Row& r : rows)
        out += fmt::format("  {:016x}-{:016x} ({}): {}\n", r.base, r.base + r.size - 1, r.kind,
                           r.name);
    return out;
}

std::string VirtMachine::describe_registers() {
    if (!m_registers) return "info registers: this CPU engine cannot show its registers yet\n";
    std::string out;
    with_harts_stopped([&] {
        riscv::HartRegisters regs;
        for (unsigned h = 0; h < m_cpus->hart_count(); ++h)
            if (m_registers->read_hart_registers(h, &regs)) out += format_hart_registers(h, regs);
    });
    return out;
}

std::string VirtMachine::describe_cpus() {
    std::vector<std::string> lines(m_cpus->hart_count());
    uint64_t retired = 0;
    with_harts_stopped([&] {
        retired = m_cpus->instructions_retired();
        riscv::HartRegisters regs;
        for (unsigned h = 0; h < lines.size(); ++h) {
            lines[h] = fmt::format("* CPU #{}: hart {}", h, h);
            if (m_registers && m_registers->read_hart_registers(h, &regs))
                lines[h] +=
                    fmt::format(" pc=0x{:016x} priv={}{}", regs.pc, "US?M"[unsigned(regs.priv) & 3],
                                regs.waiting ? " (halted)" : "");
        }
    });
    std::string out;
    for (const std::string& line : lines)
        out += line + "\n";
    out += fmt::format("instructions retired: {}\n", retired);
    return out;
}

} // namespace machina::boards::riscv_virt
