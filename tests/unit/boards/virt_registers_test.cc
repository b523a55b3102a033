// `info registers` and `info cpus` read hart state only while the harts are stopped: the monitor
// thread asks the CPU thread to stop, the reading happens between two runs of the harts, and
// the harts go on afterwards.

#include "boards/riscv_virt/virt_registers.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "virt_machine_fixture.h"

namespace machina::boards::riscv_virt {
namespace {

using test::FakeCpus;

/// Waits up to 5 s for `cond`.
template <typename F>
bool eventually(F cond) {
    for (int i = 0; i < 500; ++i) {
        if (cond()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return cond();
}

TEST(VirtRegisters, TextLooksLikeQemusInfoRegisters) {
    riscv::HartRegisters r;
    r.pc = 0xffffffff80001234;
    r.priv = riscv::Priv::Supervisor;
    r.mstatus = 0xa00000022;
    r.satp = 0x8000000000081234;
    for (unsigned i = 1; i < 32; ++i)
        r.x[i] = 0x1000 + i;
    std::string text = format_hart_registers(1, r);
    EXPECT_EQ(text.rfind("CPU#1 (running)\n pc       ffffffff80001234\n priv     S\n", 0), 0u)
        << text;
    EXPECT_NE(text.find(" mstatus  0000000a00000022\n"), std::string::npos) << text;
    EXPECT_NE(text.find(" satp     8000000000081234\n"), std::string::npos) << text;
    EXPECT_NE(text.find(" x0/zero  0000000000000000 x1/ra    0000000000001001 x2/sp    "
                        "0000000000001002 x3/gp    0000000000001003\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find(" x31/t6   000000000000101f\n"), std::string::npos) << text;
    r.waiting = true;
    EXPECT_EQ(format_hart_registers(0, r).rfind("CPU#0 (halted in wfi)\n", 0), 0u);
}

TEST_F(VirtMachineTest, InfoRegistersReadsWhileTheHartsAreStopped) {
    cpus.run_until_stop = true; // run() "runs the harts" until asked to stop
    auto m = build();
    ASSERT_TRUE(m);
    FakeCpus& h = *cpus.last;
    h.registers.pc = 0x80200000;
    h.registers.priv = riscv::Priv::Supervisor;
    h.registers.x[1] = 0x1234;
    RunOutcome outcome;
    std::thread cpu([&] { outcome = m->run(); });
    ASSERT_TRUE(eventually([&] { return h.in_run.load(); }));

    std::string regs = m->describe_registers();
    EXPECT_NE(regs.find("CPU#0 (running)\n pc       0000000080200000\n priv     S\n"),
              std::string::npos)
        << regs;
    EXPECT_NE(regs.find("CPU#1 (running)\n pc       0000000080200004\n"), std::string::npos)
        << regs;
    EXPECT_NE(regs.find(" mhartid  0000000000000001\n"), std::string::npos) << regs;
    EXPECT_NE(regs.find("x1/ra    0000000000001234"), std::string::npos) << regs;
    EXPECT_EQ(h.reads_while_running, 0);
    EXPECT_GE(h.stop_requests, 1);
    // The harts run again afterwards, and info cpus stops them the same way.
    ASSERT_TRUE(eventually([&] { return h.runs >= 2 && h.in_run; }));
    std::string cpu_lines = m->describe_cpus();
    EXPECT_NE(cpu_lines.find("* CPU #1: hart 1 pc=0x0000000080200004 priv=S\n"), std::string::npos)
        << cpu_lines;
    EXPECT_EQ(h.reads_while_running, 0);

    m->finish({RunOutcome::Kind::Exit, 0});
    cpu.join();
    EXPECT_EQ(outcome.kind, RunOutcome::Kind::Exit);
    EXPECT_EQ(outcome.status, 0) << "the stops the monitor asked for are not errors";
}

TEST_F(VirtMachineTest, StoppedRequestsBeforeAndAfterTheRun) {
    auto m = build();
    ASSERT_TRUE(m);
    std::atomic<bool> ran{false};
    // Before run(): the request waits for run() to start, and runs before any hart does.
    std::thread t([&] {
        m->with_harts_stopped([&] {
            EXPECT_EQ(cpus.last->runs, 0);
            ran = true;
        });
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_FALSE(ran);
    m->finish({RunOutcome::Kind::Exit, 5});
    EXPECT_EQ(m->run().status, 5);
    t.join();
    EXPECT_TRUE(ran);
    // After run(): at once, on the calling thread.
    bool later = false;
    m->with_harts_stopped([&] { later = true; });
    EXPECT_TRUE(later);
    EXPECT_NE(m->describe_registers().find("CPU#1"), std::string::npos);
}

} // namespace
} // namespace machina::boards::riscv_virt
