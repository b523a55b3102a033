// Builds the RISC-V virt machine without running guest code (FakeCpus stands in for the harts)
// and checks its wiring: devices where the device tree says, empty virtio slots, interrupt lines
// from the CLINT and PLIC to the right harts, sifive_test outcomes, reboots and dumpdtb.

#include "boards/riscv_virt/virt_machine.h"

#include <gtest/gtest.h>
#include <libfdt.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "base/endian.h"
#include "boards/riscv_virt/virt_memory_map.h"
#include "boards/riscv_virt/virt_run.h"
#include "fake_cpus.h"
#include "target/riscv/system/privileged_state.h"
#include "virt_machine_fixture.h"

namespace machina::boards::riscv_virt {
namespace {

using test::FakeCpus;

/// Every /soc node with a `reg` property, as (base, size).
std::vector<std::pair<uint64_t, uint64_t>> soc_regs(const std::vector<uint8_t>& fdt) {
    std::vector<std::pair<uint64_t, uint64_t>> regs;
    int soc = fdt_path_offset(fdt.data(), "/soc");
    int node;
    fdt_for_each_subnode(node, fdt.data(), soc) {
        int len = 0;
        auto* p = static_cast<const uint8_t*>(fdt_getprop(fdt.data(), node, "reg", &len));
        if (p && len == 16) regs.emplace_back(load_be<uint64_t>(p), load_be<uint64_t>(p + 8));
    }
    return regs;
}

TEST_F(VirtMachineTest, DevicesSitWhereTheDeviceTreeSays) {
    config.virtio_rng = 1;
    auto m = build();
    ASSERT_TRUE(m);
    auto regs = soc_regs(m->layout().fdt);
    ASSERT_EQ(regs.size(), 5u + kVirtioCount); // clint, plic, serial, test, rtc, 8 virtio
    for (auto [base, size] : regs) {
        const core::Mapping* mapping = m->mmio().find(base);
        ASSERT_NE(mapping, nullptr) << std::hex << base;
        EXPECT_EQ(mapping->base, base) << mapping->name;
        EXPECT_LE(mapping->size, size) << mapping->name;
    }
    EXPECT_EQ(m->mmio().find(kClintBase)->name, "riscv.sifive.clint");
    EXPECT_EQ(m->mmio().find(kPlicBase + kPlicSize - 1)->name, "riscv.sifive.plic");
    EXPECT_EQ(m->mmio().find(kUartBase)->name, "serial");
    // RAM: the MROM with the reset code, and DRAM of the requested size.
    EXPECT_NE(m->memory().host_ptr(kMromBase, kMromSize), nullptr);
    EXPECT_NE(m->memory().host_ptr(kDramBase, 64ull << 20), nullptr);
    EXPECT_EQ(m->memory().host_ptr(kDramBase + (64ull << 20)), nullptr);
    EXPECT_EQ(m->layout().kernel_start, kDramBase); // -bios none: the kernel at DRAM base
    EXPECT_EQ(*m->memory().host_ptr(kDramBase), 0x13);
}

TEST_F(VirtMachineTest, TheHartsGetTheBoardsMemoryAndResetVector) {
    auto m = build();
    ASSERT_TRUE(m);
    ASSERT_NE(cpus.last, nullptr);
    EXPECT_EQ(cpus.last->config.harts, 2u);
    EXPECT_EQ(cpus.last->config.reset_pc, kMromBase);
    EXPECT_EQ(cpus.last->config.ram, &m->memory());
    EXPECT_EQ(cpus.last->config.mmio, &m->mmio());
    EXPECT_EQ(cpus.last->config.timebase_hz, 10'000'000u);
    EXPECT_EQ(cpus.last->config.engine, dbt::system::Engine::Dbt);
    // mtime runs at 10 MHz from the host's monotonic clock.
    uint64_t t0 = cpus.last->config.timer.now();
    ::usleep(20'000);
    uint64_t t1 = cpus.last->config.timer.now();
    EXPECT_GE(t1 - t0, 150'000u);
    EXPECT_LT(t1 - t0, 2'000'000u);
    EXPECT_EQ(cpus.last->config.timer.next_deadline(), UINT64_MAX);
    write(*m, kClintBase + 0x4008, t1 + 1'000'000, 8); // hart 1's mtimecmp
    EXPECT_EQ(cpus.last->config.timer.next_deadline(), t1 + 1'000'000);
}

TEST_F(VirtMachineTest, EmptyVirtioSlotsAnswerLikeQemu) {
    config.virtio_rng = 1;
    auto m = build();
    ASSERT_TRUE(m);
    // Slot 0 holds the rng (device ID 4); the others say "no device".
    EXPECT_EQ(read(*m, kVirtioBase + 0x000), 0x74726976u);
    EXPECT_EQ(read(*m, kVirtioBase + 0x004), 2u);
    EXPECT_EQ(read(*m, kVirtioBase + 0x008), 4u);
    for (unsigned i = 1; i < kVirtioCount; i++) {
        uint64_t base = kVirtioBase + i * kVirtioStride;
        EXPECT_EQ(read(*m, base + 0x000), 0x74726976u) << i;
        EXPECT_EQ(read(*m, base + 0x004), 2u) << i;
        EXPECT_EQ(read(*m, base + 0x008), 0u) << i;
        EXPECT_EQ(read(*m, base + 0x00c), 0x554d4551u) << i;
        write(*m, base + 0x070, 0); // a driver's reset is harmless
    }
}

TEST_F(VirtMachineTest, ClintAndPlicDriveTheRightHartLines) {
    namespace irq = riscv::irq;
    auto m = build();
    ASSERT_TRUE(m);
    FakeCpus& h = *cpus.last;
    // CLINT: hart 1's msip, hart 0's timer.
    write(*m, kClintBase + 4, 1);
    EXPECT_TRUE(h.lines[1][irq::kMSoft].level());
    EXPECT_FALSE(h.lines[0][irq::kMSoft].level());
    write(*m, kClintBase + 4, 0);
    EXPECT_FALSE(h.lines[1][irq::kMSoft].level());
    write(*m, kClintBase + 0x4000, 0, 8); // mtimecmp 0: pending at once
    EXPECT_TRUE(h.lines[0][irq::kMTimer].level());
    EXPECT_FALSE(h.lines[1][irq::kMTimer].level());

    // PLIC: the UART (source 10) enabled for context 3 = hart 1 S-mode.
    write(*m, kPlicBase + 4 * kUartIrq, 1);
    write(*m, kPlicBase + 0x2000 + 0x80 * 3, 1u << kUartIrq);
    write(*m, kUartBase + 1, 0x02, 1); // IER: transmitter empty -> the UART interrupts at once
    EXPECT_TRUE(h.lines[1][irq::kSExt].level());
    EXPECT_FALSE(h.lines[1][irq::kMExt].level());
    EXPECT_FALSE(h.lines[0][irq::kSExt].level());
    EXPECT_EQ(read(*m, kPlicBase + 0x200004 + 0x1000 * 3), kUartIrq); // claim
    EXPECT_FALSE(h.lines[1][irq::kSExt].level());
    // Context 0 = hart 0 M-mode.
    write(*m, kPlicBase + 0x200004 + 0x1000 * 3, kUartIrq); // complete
    write(*m, kPlicBase + 0x2000, 1u << kUartIrq);
    EXPECT_TRUE(h.lines[0][irq::kMExt].level());
}

TEST_F(VirtMachineTest, SifiveTestEndsTheRun) {
    struct Case {
        uint32_t command;
        bool no_reboot;
        RunOutcome::Kind kind;
        int status;
    } cases[] = {
        {0x5555, false, RunOutcome::Kind::Exit, 0},
        {(3u << 16) | 0x3333, false, RunOutcome::Kind::Exit, 3},
        {0x7777, false, RunOutcome::Kind::Reset, 0},
        {0x7777, true, RunOutcome::Kind::Exit, 0},
    };
    for (const Case& c : cases) {
        config.no_reboot = c.no_reboot;
        cpus.script = [&](int, FakeCpus& h) { h.mmio_write(kTestBase, 4, c.command); };
        auto m = build();
        ASSERT_TRUE(m);
        RunOutcome outcome = m->run();
        EXPECT_EQ(outcome.kind, c.kind) << std::hex << c.command;
        EXPECT_EQ(outcome.status, c.status) << std::hex << c.command;
        EXPECT_EQ(cpus.last->stop_requests, 1);
    }
}

TEST_F(VirtMachineTest, FinishBeforeRunSkipsTheHarts) {
    auto m = build();
    ASSERT_TRUE(m);
    m->finish({RunOutcome::Kind::Exit, 7});
    m->finish({RunOutcome::Kind::Exit, 9}); // the first request wins
    RunOutcome outcome = m->run();
    EXPECT_EQ(outcome.status, 7);
    EXPECT_EQ(cpus.last->runs, 0);
}

TEST_F(VirtMachineTest, HartsThatStopForNoReasonAreAnError) {
    auto m = build();
    ASSERT_TRUE(m);
    RunOutcome outcome = m->run(); // FakeCpus::run returns at once
    EXPECT_EQ(outcome.kind, RunOutcome::Kind::Exit);
    EXPECT_EQ(outcome.status, 1);
}

TEST_F(VirtMachineTest, MemoryMapListing) {
    auto m = build();
    ASSERT_TRUE(m);
    std::string map = m->describe_memory_map();
    EXPECT_NE(map.find("0000000000001000-000000000000ffff (rom): riscv_virt_board.mrom"),
              std::string::npos)
        << map;
    EXPECT_NE(map.find("0000000080000000-0000000083ffffff (ram)"), std::string::npos) << map;
    EXPECT_NE(map.find("000000000c000000-000000000c5fffff (i/o): riscv.sifive.plic"),
              std::string::npos)
        << map;
    EXPECT_NE(map.find("virtio-mmio.7 (empty)"), std::string::npos) << map;
}

TEST_F(VirtMachineTest, BadConfigurationsAreErrors) {
    auto expect_error = [&](const std::string& needle) {
        auto m = VirtMachine::create(config, cpus.factory(), nullptr);
        ASSERT_FALSE(m.ok()) << needle;
        EXPECT_NE(m.error().message.find(needle), std::string::npos) << m.error().message;
    };
    config.virtio_rng = kVirtioCount + 1;
    expect_error("8 slots");
    config.virtio_rng = 0;
    config.drives.push_back({dir + "/no-such-disk.img"});
    expect_error("no-such-disk.img");
    config.drives.clear();
    config.boot.harts = 0;
    expect_error("-smp");
    config.boot.harts = 1;
    config.boot.kernel = dir + "/missing-kernel";
    expect_error("missing-kernel");
}

TEST_F(VirtMachineTest, RunVirtRebootsUntilPowerOff) {
    cpus.script = [](int n, FakeCpus& h) { h.mmio_write(kTestBase, 4, n < 2 ? 0x7777 : 0x5555); };
    auto status = run_virt(config, cpus.factory());
    ASSERT_TRUE(status.ok()) << status.error().message;
    EXPECT_EQ(*status, 0);
    EXPECT_EQ(cpus.made, 3); // two resets, each a fresh machine
}

TEST_F(VirtMachineTest, RunVirtReturnsTheGuestsFailureCode) {
    cpus.script = [](int, FakeCpus& h) { h.mmio_write(kTestBase, 4, (42u << 16) | 0x3333); };
    auto status = run_virt(config, cpus.factory());
    ASSERT_TRUE(status.ok()) << status.error().message;
    EXPECT_EQ(*status, 42);
}

std::string run_command(const std::string& cmd) {
    std::string out;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
        out.append(buf, n);
    ::pclose(p);
    return out;
}

size_t count(const std::string& text, const std::string& needle) {
    size_t n = 0;
    for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1))
        n++;
    return n;
}

TEST_F(VirtMachineTest, DumpDtbWritesWhatDtcReads) {
    const char* dtc = std::getenv("MACHINA_DTC");
    if (!dtc || !*dtc || std::string(dtc).find("NOTFOUND") != std::string::npos)
        GTEST_SKIP() << "dtc (Debian package device-tree-compiler) is not installed";
    config.boot.harts = 3;
    config.boot.append = "console=ttyS0";
    config.dumpdtb = dir + "/virt.dtb";
    auto status = run_virt(config, cpus.factory());
    ASSERT_TRUE(status.ok()) << status.error().message;
    EXPECT_EQ(*status, 0);
    EXPECT_EQ(cpus.made, 0); // no harts needed to describe the board
    std::string dts = run_command(std::string(dtc) + " -q -I dtb -O dts " + config.dumpdtb);
    EXPECT_EQ(count(dts, "virtio_mmio@"), 8u) << dts;
    EXPECT_EQ(count(dts, "device_type = \"cpu\""), 3u) << dts;
    EXPECT_NE(dts.find("bootargs = \"console=ttyS0\""), std::string::npos) << dts;
    EXPECT_NE(dts.find("reg = <0x00 0x80000000 0x00 0x4000000>"), std::string::npos) << dts;
}

} // namespace
} // namespace machina::boards::riscv_virt
