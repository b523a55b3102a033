#include "diff_runner.h"

#include <sys/mman.h>

#include <cstring>

#include <fmt/format.h>

namespace machina::difftest {

DiffRunner::DiffRunner() {
    for (auto& m : m_mem) {
        void* p = mmap(nullptr, Layout::kMemSize, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        ASSERT(p != MAP_FAILED, "mmap for the differential test memory");
        m = static_cast<uint8_t*>(p);
    }
    dbt::TranslatorOptions options;
    options.code_size = 16u << 20;
    auto t = dbt::Translator::create(options);
    ASSERT(t.ok(), "creating the translator");
    m_translator = std::move(*t);
}

DiffRunner::~DiffRunner() {
    for (auto* m : m_mem)
        munmap(m, Layout::kMemSize);
}

std::string DiffRunner::run_one(RandomSource& rng, uint64_t budget, const GenOptions& options,
                                uint64_t* retired) {
    std::vector<uint8_t> code = generate_program(rng, options);
    riscv::HartState init;
    init_state(init, rng);
    std::memset(m_mem[0], 0, Layout::kMemSize);
    fill_sandbox(m_mem[0], rng);
    std::memcpy(m_mem[0] + Layout::kCode, code.data(), code.size());
    std::memcpy(m_mem[1], m_mem[0], Layout::kMemSize);
    m_translator->flush(); // same addresses, new code

    riscv::HartState a = init, b = init;
    const dbt::interp::UserMemory ma{m_mem[0], Layout::kMemSize};
    const dbt::interp::UserMemory mb{m_mem[1], Layout::kMemSize};
    const auto ea = dbt::interp::run_user(a, ma, budget);
    const auto eb = dbt::run_translated(b, mb, budget, *m_translator);
    *retired += a.instret;

    std::string diff;
    auto check = [&](bool same, std::string what) {
        if (!same && diff.empty()) diff = what;
    };
    check(ea.kind == eb.kind,
          fmt::format("exit kind: interp {} dbt {}", dbt::interp::to_string(ea.kind),
                      dbt::interp::to_string(eb.kind)));
    check(ea.pc == eb.pc, fmt::format("exit pc: interp {:#x} dbt {:#x}", ea.pc, eb.pc));
    check(ea.addr == eb.addr, fmt::format("exit addr: interp {:#x} dbt {:#x}", ea.addr, eb.addr));
    check(ea.insn == eb.insn, fmt::format("exit insn: interp {:#x} dbt {:#x}", ea.insn, eb.insn));
    check(a.pc == b.pc, fmt::format("pc: interp {:#x} dbt {:#x}", a.pc, b.pc));
    for (unsigned r = 0; r < 32; ++r)
        check(a.x[r] == b.x[r], fmt::format("x{}: interp {:#x} dbt {:#x}", r, a.x[r], b.x[r]));
    for (unsigned r = 0; r < 32; ++r)
        check(a.f[r] == b.f[r], fmt::format("f{}: interp {:#x} dbt {:#x}", r, a.f[r], b.f[r]));
    check(a.fcsr == b.fcsr, fmt::format("fcsr: interp {:#x} dbt {:#x}", a.fcsr, b.fcsr));
    check(a.instret == b.instret, fmt::format("instret: interp {} dbt {}", a.instret, b.instret));
    check(a.reservation_valid == b.reservation_valid, "reservation_valid");
    if (diff.empty() && std::memcmp(m_mem[0], m_mem[1], Layout::kMemSize) != 0) {
        for (uint64_t i = 0; i < Layout::kMemSize; ++i) {
            if (m_mem[0][i] != m_mem[1][i]) {
                diff = fmt::format("memory at {:#x}: interp {:#x} dbt {:#x}", i, m_mem[0][i],
                                   m_mem[1][i]);
                break;
            }
        }
    }
    if (!diff.empty()) {
        diff += fmt::format(" (exit {} at {:#x} addr {:#x} x31 {:#x}, {} insns retired by interp)",
                            dbt::interp::to_string(ea.kind), ea.pc, ea.addr, a.x[31], a.instret);
    }
    return diff;
}

} // namespace machina::difftest
