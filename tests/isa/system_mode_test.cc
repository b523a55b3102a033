// System-mode harts without a board: tiny M/S/U-mode programs assembled at test time run on
// SystemCpus (both engines) against RAM at 0 and a test device that records what the guest
// writes and stops the machine. They check traps, delegation, xret, Sv39 translation with
// faults, SUM, MMIO, wfi with a timer wake-up, FS gating, and misaligned access.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "accel/dbt/system/system_cpus.h"
#include "assembler.h"
#include "core/address_space.h"
#include "core/guest_memory.h"
#include "target/riscv/system/privileged_state.h"

namespace machina::isa_test {
namespace {

using dbt::system::Engine;
using dbt::system::SystemCpus;

constexpr uint64_t kRamSize = 8ull << 20;      // RAM at 0; code at kCodeBase (0x10000)
constexpr uint64_t kDevice = 0x1000'0000;      // test device: +0 result log, +8 stop
constexpr uint64_t kTimerDevice = 0x1000'1000; // +0 mtimecmp (ticks); mtime = host ticks
constexpr uint64_t kDmaDevice = 0x1000'2000;   // +0 target address, +8 word written there

/// Records every value written at +0; a write at +8 stops the harts.
class TestDevice final : public core::MmioDevice {
  public:
    uint64_t read(uint64_t, unsigned) override { return 0x5a; }
    void write(uint64_t offset, unsigned, uint64_t value) override {
        if (offset == 0) log.push_back(value);
        if (offset == 8 && cpus) cpus->request_stop();
        if (offset == 24 && seip) seip->set(value != 0); // drives the SEIP line
    }
    std::vector<uint64_t> log;
    SystemCpus* cpus = nullptr;
    core::IrqLine* seip = nullptr;
};

/// A one-hart timer: mtimecmp register driving MTIP against a fake clock.
class TestTimer final : public core::MmioDevice {
  public:
    uint64_t read(uint64_t, unsigned) override { return cmp; }
    void write(uint64_t, unsigned, uint64_t value) override {
        cmp = value;
        update();
    }
    void update() {
        if (line) line->set(ticks() >= cmp);
    }
    /// mtime: host time since creation in 100 ns ticks (10 MHz, as on virt).
    uint64_t ticks() const {
        return uint64_t((std::chrono::steady_clock::now() - start).count() / 100);
    }
    uint64_t cmp = ~0ull;
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    core::IrqLine* line = nullptr;
};

/// Writes guest RAM behind the harts' backs, like a DMA engine: +0 sets the target address,
/// +8 stores a 32-bit word there.
class DmaDevice final : public core::MmioDevice {
  public:
    explicit DmaDevice(core::GuestMemory& ram) : m_ram(ram) {}
    uint64_t read(uint64_t, unsigned) override { return 0; }
    void write(uint64_t offset, unsigned, uint64_t value) override {
        if (offset == 0) m_target = value;
        const uint32_t word = uint32_t(value);
        if (offset == 8) {
            EXPECT_TRUE(m_ram.write(m_target, &word, 4).ok());
        }
    }

  private:
    core::GuestMemory& m_ram;
    uint64_t m_target = 0;
};

struct Machine {
    core::GuestMemory ram;
    core::AddressSpace mmio{"mmio"};
    TestDevice device;
    TestTimer timer;
    DmaDevice dma{ram};
    std::unique_ptr<SystemCpus> cpus;
};

/// Assembles `source`, loads it at kCodeBase, and runs it until it writes the stop register.
/// Returns false (test failed) when it does not stop within a few seconds.
std::unique_ptr<Machine> run_program(const std::string& source, Engine engine,
                                     std::vector<std::pair<uint64_t, uint64_t>> words = {},
                                     unsigned harts = 1) {
    auto m = std::make_unique<Machine>();
    std::string error;
    auto code = assemble(source, &error);
    EXPECT_TRUE(code) << error;
    if (!code) return nullptr;
    EXPECT_TRUE(m->ram.add_ram(0, kRamSize, "ram").ok());
    EXPECT_TRUE(m->ram.write(kCodeBase, code->data(), code->size()).ok());
    for (auto [addr, value] : words)
        EXPECT_TRUE(m->ram.write(addr, &value, 8).ok());
    EXPECT_TRUE(m->mmio.map(kDevice, 0x1000, m->device, "test").ok());
    EXPECT_TRUE(m->mmio.map(kTimerDevice, 0x1000, m->timer, "timer").ok());
    EXPECT_TRUE(m->mmio.map(kDmaDevice, 0x1000, m->dma, "dma").ok());
    dbt::system::SystemCpusConfig config;
    config.harts = harts;
    config.reset_pc = kCodeBase;
    config.engine = engine;
    config.ram = &m->ram;
    config.mmio = &m->mmio;
    Machine* raw = m.get();
    config.timer.now = [raw] { return raw->timer.ticks(); };
    config.timer.update = [raw] { raw->timer.update(); };
    config.timer.next_deadline = [raw] { return raw->timer.cmp; };
    auto cpus = SystemCpus::create(config);
    EXPECT_TRUE(cpus.ok());
    if (!cpus.ok()) return nullptr;
    m->cpus = std::move(*cpus);
    m->device.cpus = m->cpus.get();
    m->timer.line = &m->cpus->irq_line(0, riscv::irq::kMTimer);
    m->device.seip = &m->cpus->irq_line(0, riscv::irq::kSExt);
    // A watchdog: stop after 5 s of host time whatever the guest does.
    std::atomic<bool> done{false};
    std::thread watchdog([&] {
        for (int i = 0; i < 500 && !done.load(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        if (!done.load()) m->cpus->request_stop();
    });
    m->cpus->run();
    done = true;
    watchdog.join();
    return m;
}

/// An engine set-up the tests run under: the interpreter, the translator translating everything
/// at once with superblocks (side exits), the translator as machina runs it by default (cold
/// code interpreted, hot code translated on the background thread, no side exits), and that
/// with hot code translated inline (one host thread, as on a single-CPU host).
struct Variant {
    Engine engine;
    unsigned hot_visits; ///< MACHINA_DBT_HOT_VISITS for the translator
    unsigned side_exits; ///< MACHINA_DBT_SIDE_EXITS for the translator
    unsigned background; ///< MACHINA_DBT_BACKGROUND for the translator
    const char* name;
};

/// gtest prints a Variant by its name.
void PrintTo(const Variant& variant, std::ostream* os) {
    *os << variant.name;
}

/// run_program() under `variant`.
std::unique_ptr<Machine> run_program(const std::string& source, const Variant& variant,
                                     std::vector<std::pair<uint64_t, uint64_t>> words = {},
                                     unsigned harts = 1) {
    if (variant.engine == Engine::Dbt) {
        setenv("MACHINA_DBT_HOT_VISITS", std::to_string(variant.hot_visits).c_str(), 1);
        setenv("MACHINA_DBT_SIDE_EXITS", std::to_string(variant.side_exits).c_str(), 1);
        setenv("MACHINA_DBT_BACKGROUND", std::to_string(variant.background).c_str(), 1);
    }
    return run_program(source, variant.engine, std::move(words), harts);
}

/// Common prologue: t6 = device base; macros to log a register and to stop.
const char* kPrologue = R"(
    .equ DEV, 0x10000000
    .macro LOG reg
      sd \reg, 0(t6)
    .endm
    .macro STOP
      sd zero, 8(t6)
    1: j 1b
    .endm
    li t6, DEV
)";

class SystemMode : public ::testing::TestWithParam<Variant> {
  protected:
    void SetUp() override {
        if (!have_cross_binutils()) GTEST_SKIP() << "riscv64-linux-gnu binutils not installed";
    }
};

TEST_P(SystemMode, EcallTrapsToMachineHandlerAndMretReturns) {
    auto m = run_program(std::string(kPrologue) + R"(
    la t0, handler
    csrw mtvec, t0
    li a0, 7
    ecall
    LOG a0          # handler doubled it
    csrr t1, mcause
    LOG t1
    STOP
handler:
    add a0, a0, a0
    csrr t0, mepc
    addi t0, t0, 4
    csrw mepc, t0
    mret
)",
                         GetParam());
    ASSERT_TRUE(m);
    EXPECT_EQ(m->device.log, (std::vector<uint64_t>{14, riscv::cause::kEcallM}));
}

TEST_P(SystemMode, IllegalCsrAndPrivilegedInstructionsFromUserMode) {
    // Drop to U-mode; there mret, a machine CSR and wfi (TW irrelevant: U never may) are illegal.
    auto m = run_program(std::string(kPrologue) + R"(
    la t0, handler
    csrw mtvec, t0
    la t0, user
    csrw mepc, t0
    li t0, 0x1800       # MPP = U
    csrc mstatus, t0
    mret
user:
    mret
    csrr a1, mstatus
    wfi
    ecall
handler:
    csrr t0, mcause
    LOG t0
    csrr t1, mtval
    LOG t1
    li t2, 8            # ecall from U: done
    beq t0, t2, finish
    csrr t0, mepc
    addi t0, t0, 4
    csrw mepc, t0
    mret
finish:
    STOP
)",
                         GetParam());
    ASSERT_TRUE(m);
    const uint64_t illegal = riscv::cause::kIllegalInsn;
    EXPECT_EQ(m->device.log,
              (std::vector<uint64_t>{illegal, 0x30200073, illegal, 0x300025f3, illegal, 0x10500073,
                                     riscv::cause::kEcallU, 0}));
}

/// Sv39 tables at 0x100000: root -> level-1 table at 0x101000 -> level-0 table at 0x102000.
/// VA 0x4000_0000 + n*4K maps n-th page: page 0 -> code (0x10000, RX), page 1 -> data 0x200000
/// (RW, A/D clear), page 2 -> user page 0x201000 (URW); VA 0x4000_3000 unmapped.
std::vector<std::pair<uint64_t, uint64_t>> sv39_tables() {
    constexpr uint64_t V = 1, R = 2, W = 4, X = 8, U = 16, A = 64, D = 128;
    auto pte = [](uint64_t pa, uint64_t flags) { return (pa >> 12) << 10 | flags; };
    return {
        {0x100000 + 1 * 8, pte(0x101000, V)},                // VPN2 = 1 (0x4000_0000)
        {0x100000 + 0 * 8, pte(0x0, V | R | W | X | A | D)}, // identity gigapage for 0..1G
        {0x101000 + 0 * 8, pte(0x102000, V)},                // VPN1 = 0
        {0x102000 + 0 * 8, pte(0x10000, V | R | X | A)},     // code
        {0x102000 + 1 * 8, pte(0x200000, V | R | W)},        // data, A/D clear
        {0x102000 + 2 * 8, pte(0x201000, V | R | W | U | A | D)},
        {0x200000, 0x1122334455667788},
        {0x201000, 0x99},
    };
}

TEST_P(SystemMode, Sv39TranslationFaultsAndAccessedDirtyBits) {
    auto m = run_program(std::string(kPrologue) + R"(
    la t0, mhandler
    csrw mtvec, t0
    li t0, 0xb000       # delegate load/store page faults (13, 15) to S
    csrw medeleg, t0
    la t0, shandler
    li t1, 0x40000000 - 0x10000
    add t0, t0, t1      # S handler at its virtual address
    csrw stvec, t0
    li t0, (8 << 60) | (0x100000 >> 12)
    csrw satp, t0
    la t0, smode
    add t0, t0, t1
    csrw mepc, t0
    li t0, 0x1800
    csrc mstatus, t0
    li t0, 0x0800       # MPP = S
    csrs mstatus, t0
    mret
smode:
    li s0, 0x40001000
    ld a0, 0(s0)        # data page: sets A
    LOG a0
    sd a0, 8(s0)        # sets D
    li s1, 0x40002000
    ld a1, 0(s1)        # user page without SUM: load page fault
    li t0, 0x40000      # SUM
    csrs sstatus, t0
    ld a1, 0(s1)        # now allowed
    LOG a1
    li s2, 0x40003000
    sd a1, 0(s2)        # unmapped: store page fault
    ecall               # to M: done
shandler:
    csrr t0, scause
    LOG t0
    csrr t0, stval
    LOG t0
    csrr t0, sepc
    addi t0, t0, 4
    csrw sepc, t0
    sret
mhandler:
    csrr t0, mcause
    LOG t0
    STOP
)",
                         GetParam(), sv39_tables());
    ASSERT_TRUE(m);
    EXPECT_EQ(
        m->device.log,
        (std::vector<uint64_t>{0x1122334455667788, riscv::cause::kLoadPageFault, 0x40002000, 0x99,
                               riscv::cause::kStorePageFault, 0x40003000, riscv::cause::kEcallS}));
    uint64_t pte = 0, stored = 0;
    ASSERT_TRUE(m->ram.read(0x102000 + 8, &pte, 8).ok());
    EXPECT_EQ(pte & 0xc0, 0xc0u) << "A and D set by the walk";
    ASSERT_TRUE(m->ram.read(0x200008, &stored, 8).ok());
    EXPECT_EQ(stored, 0x1122334455667788u);
}

/// A packed little-endian 8-byte read of (s0) into a0 as riscv64 gcc compiles it: byte loads
/// (byte 1 first), shifts and ors. The translator reads such patterns as one load.
const char* kRead64 = R"(
    .macro READ64
      lbu a6, 1(s0)
      lbu a5, 0(s0)
      lbu a1, 2(s0)
      lbu a2, 3(s0)
      lbu a3, 4(s0)
      slli a6, a6, 8
      lbu a4, 5(s0)
      or a6, a6, a5
      slli a1, a1, 16
      lbu a5, 6(s0)
      or a1, a1, a6
      slli a2, a2, 24
      lbu a0, 7(s0)
      or a2, a2, a1
      slli a3, a3, 32
      or a3, a3, a2
      slli a4, a4, 40
      or a4, a4, a3
      slli a5, a5, 48
      or a5, a5, a4
      slli a0, a0, 56
      or a0, a0, a5
    .endm
)";

TEST_P(SystemMode, ByteReadsOfRamDevicesAndTheRamEndActLikeBytes) {
    // Each read runs 20 times (hot enough to be translated): inside a page, across a page end,
    // from the test device (every byte read returns 0x5a: one 8-byte read would give 0x5a), and
    // across the end of RAM (an access fault at the first byte past it, byte 3, with bytes 0-2
    // already in their registers).
    auto m = run_program(std::string(kPrologue) + kRead64 + R"(
    la t0, handler
    csrw mtvec, t0
    li s1, 20
    li s0, 0x8003
1:  READ64
    addi s1, s1, -1
    bnez s1, 1b
    LOG a0
    li s1, 20
    li s0, 0x8ffd
2:  READ64
    addi s1, s1, -1
    bnez s1, 2b
    LOG a0
    li s1, 20
    li s0, DEV + 0x10
3:  READ64
    addi s1, s1, -1
    bnez s1, 3b
    LOG a0
    li s1, 20
    li s0, 0x800000 - 3
    li s2, 0
fault_read:
    READ64
after:
    addi s1, s1, -1
    bnez s1, fault_read
    LOG s2
    STOP
handler:
    addi s2, s2, 1
    li t0, 1
    bne s1, t0, 5f      # log the last one
    csrr t0, mcause
    LOG t0
    csrr t0, mtval
    LOG t0
    csrr t0, mepc
    la t1, fault_read
    sub t0, t0, t1
    LOG t0
    LOG a5              # byte 0
    LOG a1              # byte 2
5:  la t0, after
    csrw mepc, t0
    mret
)",
                         GetParam(),
                         {{0x8000, 0x7766554433221100},
                          {0x8008, 0xffeeddccbbaa9988},
                          {0x8ff8, 0x0706050403020100},
                          {0x9000, 0x0f0e0d0c0b0a0908},
                          {0x7ffff8, 0xf7f6f5f4f3f2f1f0}});
    ASSERT_TRUE(m);
    EXPECT_EQ(m->device.log, (std::vector<uint64_t>{
                                 0xaa99887766554433, 0x0c0b0a0908070605, 0x5a5a5a5a5a5a5a5a,
                                 riscv::cause::kLoadAccessFault, 0x800000, 12, 0xf5, 0xf7, 20}));
}

TEST_P(SystemMode, WfiSleepsUntilTimerInterrupt) {
    // wfi wakes on a pending enabled interrupt even with MIE clear; the trap comes when MIE is set.
    auto m = run_program(std::string(kPrologue) + R"(
    la t0, handler
    csrw mtvec, t0
    li t0, 0x80         # MTIE
    csrw mie, t0
    li t1, 0x10001000
    li t0, 20000
    sd t0, 0(t1)        # mtimecmp = 2 ms after start
    wfi
    csrr a0, mip
    andi a0, a0, 0x80
    LOG a0              # MTIP pending after the wake-up
    csrsi mstatus, 8    # MIE: the interrupt is taken now
    li a0, 1
    LOG a0
    STOP
handler:
    csrr t0, mcause
    LOG t0
    li t0, -1
    sd t0, 0(t1)        # disarm
    mret
)",
                         GetParam());
    ASSERT_TRUE(m);
    EXPECT_EQ(m->device.log,
              (std::vector<uint64_t>{0x80, riscv::cause::kInterruptBit | riscv::irq::kMTimer, 1}));
    EXPECT_GE(m->timer.ticks(), 20000u);
}

TEST_P(SystemMode, SetOfMipDoesNotLatchTheExternalSeipLine) {
    auto m = run_program(std::string(kPrologue) + R"(
    li t0, 1
    sd t0, 24(t6)       # PLIC-style line raises SEIP
    csrr a0, mip
    LOG a0              # 0x200: the line shows in mip
    csrsi mip, 2        # set SSIP (read-modify-write of mip)
    sd zero, 24(t6)     # line drops
    csrr a0, mip
    LOG a0              # 0x2: SSIP only, SEIP not latched
    STOP
)",
                         GetParam());
    ASSERT_TRUE(m);
    EXPECT_EQ(m->device.log, (std::vector<uint64_t>{0x200, 0x2}));
}

TEST_P(SystemMode, MmioReadAndUnmappedAccessFault) {
    auto m = run_program(std::string(kPrologue) + R"(
    la t0, handler
    csrw mtvec, t0
    lw a0, 16(t6)       # device read
    LOG a0
    li t0, 0x20000000
    lw a1, 0(t0)        # nothing there: load access fault
    STOP
handler:
    csrr t0, mcause
    LOG t0
    csrr t0, mtval
    LOG t0
    STOP
)",
                         GetParam());
    ASSERT_TRUE(m);
    EXPECT_EQ(m->device.log,
              (std::vector<uint64_t>{0x5a, riscv::cause::kLoadAccessFault, 0x20000000}));
}

TEST_P(SystemMode, FloatingPointNeedsFsAndMarksDirty) {
    auto m = run_program(std::string(kPrologue) + R"(
    la t0, handler
    csrw mtvec, t0
    fmv.d.x f1, zero    # FS = Off: illegal
    li t0, 0x2000       # FS = Initial
    csrs mstatus, t0
    fmv.d.x f1, zero
    csrr t0, mstatus
    srli t0, t0, 13
    andi t0, t0, 3
    LOG t0              # 3 = Dirty
    STOP
handler:
    csrr t0, mcause
    LOG t0
    csrr t0, mepc
    addi t0, t0, 4
    csrw mepc, t0
    mret
)",
                         GetParam());
    ASSERT_TRUE(m);
    EXPECT_EQ(m->device.log, (std::vector<uint64_t>{riscv::cause::kIllegalInsn, 3}));
}

TEST_P(SystemMode, MisalignedLoadsCrossPagesAndAtomicsTrap) {
    auto m = run_program(std::string(kPrologue) + R"(
    la t0, handler
    csrw mtvec, t0
    li s0, 0x200ffd
    li t0, 0x0807060504030201
    sd t0, 0(s0)        # crosses 0x201000
    ld a0, 0(s0)
    LOG a0
    amoadd.d a1, t0, (s0)
    STOP
handler:
    csrr t0, mcause
    LOG t0
    csrr t0, mtval
    LOG t0
    STOP
)",
                         GetParam());
    ASSERT_TRUE(m);
    EXPECT_EQ(m->device.log, (std::vector<uint64_t>{0x0807060504030201,
                                                    riscv::cause::kStoreMisaligned, 0x200ffd}));
}

// The translator's paths: TLB hits and misses, precise faults inside a block, MMIO and
// self-modifying code from translated loops, fence.i after DMA, FP state, interrupts.

TEST_P(SystemMode, TlbMissesAndHitsOnConflictingPages) {
    // S-mode through the identity gigapage: 256 page pairs 2 MiB apart (the same TLB slot),
    // written and read back interleaved, twice, so hits and conflict misses alternate.
    auto m = run_program(std::string(kPrologue) + R"(
    la t0, mhandler
    csrw mtvec, t0
    li t0, (8 << 60) | (0x100000 >> 12)
    csrw satp, t0
    la t0, smode
    csrw mepc, t0
    li t0, 0x1800
    csrc mstatus, t0
    li t0, 0x0800       # MPP = S
    csrs mstatus, t0
    mret
smode:
    li s0, 0x300000     # pages A_i; B_i = A_i + 2 MiB
    li s1, 0x200000
    li s2, 4096
    li a0, 0            # sum
    li s3, 2            # passes
pass:
    li t0, 0
    mv t1, s0
fill:
    sd t0, 0(t1)
    add t2, t1, s1
    not t3, t0
    sd t3, 8(t2)
    addi t0, t0, 1
    add t1, t1, s2
    li t4, 256
    bne t0, t4, fill
    li t0, 0
    mv t1, s0
sum:
    ld t3, 0(t1)
    add a0, a0, t3
    add t2, t1, s1
    ld t3, 8(t2)
    add a0, a0, t3
    addi t0, t0, 1
    add t1, t1, s2
    li t4, 256
    bne t0, t4, sum
    addi s3, s3, -1
    bnez s3, pass
    LOG a0
    ecall
mhandler:
    csrr t0, mcause
    LOG t0
    STOP
)",
                         GetParam(), sv39_tables());
    ASSERT_TRUE(m);
    uint64_t expected = 0;
    for (uint64_t i = 0; i < 256; ++i)
        expected += i + ~i;
    EXPECT_EQ(m->device.log, (std::vector<uint64_t>{2 * expected, riscv::cause::kEcallS}));
}

TEST_P(SystemMode, LoadFaultAtThirdInstructionOfAHotBlockIsPrecise) {
    // The block runs three times on good addresses (translated, chained), then its third
    // instruction faults: the first two are retired, the load and the rest are not.
    auto m = run_program(std::string(kPrologue) + R"(
    la t0, handler
    csrw mtvec, t0
    li s0, 0x300000     # good address
    li s1, 3            # good iterations
    li a0, 0
    li a1, 0
    li a2, 5
    li a3, 0
loop:
    addi a0, a0, 10
    addi a1, a1, 20
    ld a2, 0(s0)
    addi a3, a3, 1
    addi s1, s1, -1
    bnez s1, loop
    li s0, 0x20000000   # nothing there: load access fault on the next pass
    j loop
handler:
    LOG a0
    LOG a1
    LOG a2
    LOG a3
    csrr t0, mepc
    la t1, loop
    sub t0, t0, t1
    LOG t0
    csrr t0, mtval
    LOG t0
    STOP
)",
                         GetParam(), {{0x300000, 77}});
    ASSERT_TRUE(m);
    EXPECT_EQ(m->device.log, (std::vector<uint64_t>{40, 80, 77, 3, 8, 0x20000000}));
}

TEST_P(SystemMode, StorePageFaultInsideABlockIsPrecise) {
    // S-mode: a store to an unmapped page after two register updates in the same block.
    auto m = run_program(std::string(kPrologue) + R"(
    la t0, mhandler
    csrw mtvec, t0
    li t0, (8 << 60) | (0x100000 >> 12)
    csrw satp, t0
    la t0, smode
    csrw mepc, t0
    li t0, 0x1800
    csrc mstatus, t0
    li t0, 0x0800
    csrs mstatus, t0
    mret
smode:
    li s0, 0x40001000   # mapped data page (RW)
    li a0, 1
    li a1, 2
    li s1, 4
loop:
    addi a0, a0, 1
    slli a1, a1, 1
    sd a1, 0(s0)
    addi a2, a2, 1
    addi s1, s1, -1
    bnez s1, loop
    li s0, 0x40003000   # unmapped
    j loop
mhandler:
    LOG a0
    LOG a1
    LOG a2
    csrr t0, mcause
    LOG t0
    csrr t0, mtval
    LOG t0
    STOP
)",
                         GetParam(), sv39_tables());
    ASSERT_TRUE(m);
    EXPECT_EQ(m->device.log,
              (std::vector<uint64_t>{6, 64, 4, riscv::cause::kStorePageFault, 0x40003000}));
    uint64_t stored = 0;
    ASSERT_TRUE(m->ram.read(0x200000, &stored, 8).ok());
    EXPECT_EQ(stored, 32u) << "the last good store";
}

TEST_P(SystemMode, SideExitTakenMidBlockAfterARegisterWrite) {
    // The loop body is one superblock whose forward beqz is a side exit: on the last pass it
    // is taken after a0 and s1 were written (deferred writes its stub must do) and before a1's
    // update (charged on block entry, never run: instret must not count it).
    auto m = run_program(std::string(kPrologue) + R"(
    csrr s2, minstret
    li s1, 10
    li a0, 0
    li a1, 0
loop:
    addi a0, a0, 3
    addi s1, s1, -1
    beqz s1, done
    addi a1, a1, 1
    j loop
done:
    csrr s3, minstret
    sub s3, s3, s2
    LOG a0
    LOG a1
    LOG s1
    LOG s3
    STOP
)",
                         GetParam());
    ASSERT_TRUE(m);
    // minstret: csrr, 3 li, 9 passes of 5, the last pass's 3.
    EXPECT_EQ(m->device.log, (std::vector<uint64_t>{30, 9, 0, 1 + 3 + 45 + 3}));
}

TEST_P(SystemMode, LoadFaultAfterANotTakenSideExitIsPrecise) {
    // A superblock: a side exit that is never taken, a register write, then a load that faults
    // on the fifth pass: the exit's branch and the write are retired, the load is not.
    auto m = run_program(std::string(kPrologue) + R"(
    la t0, handler
    csrw mtvec, t0
    li s0, 0x300000     # good address
    li s1, 4            # good iterations
    li a0, 0
    li a1, 0
    li a2, 5
    csrr s2, minstret
loop:
    addi a0, a0, 1
    bltz a0, never
    addi a1, a1, 2
    ld a2, 0(s0)
    addi s1, s1, -1
    bnez s1, loop
    li s0, 0x20000000   # nothing there: load access fault on the next pass
    j loop
never:
    LOG zero
    STOP
handler:
    csrr s3, minstret
    sub s3, s3, s2
    LOG a0
    LOG a1
    LOG a2
    csrr t0, mepc
    la t1, loop
    sub t0, t0, t1
    LOG t0
    csrr t0, mtval
    LOG t0
    LOG s3
    STOP
)",
                         GetParam(), {{0x300000, 77}});
    ASSERT_TRUE(m);
    // minstret: csrr, 4 passes of 6, li + j, 3 before the load.
    EXPECT_EQ(m->device.log, (std::vector<uint64_t>{5, 10, 77, 12, 0x20000000, 1 + 24 + 2 + 3}));
}

TEST_P(SystemMode, MmioFromATranslatedLoop) {
    // 100 device reads and writes from one hot loop, and a load that crosses from RAM into a
    // hole (an access fault on the second page, nothing loaded).
    auto m = run_program(std::string(kPrologue) + R"(
    la t0, handler
    csrw mtvec, t0
    li s0, 0
    li a0, 0
    li s1, 100
loop:
    lw t0, 16(t6)
    add a0, a0, t0
    LOG s0
    addi s0, s0, 1
    bne s0, s1, loop
    LOG a0
    li t0, (8 << 20) - 4  # last word of RAM: the next 4 bytes are nothing
    li a1, 9
    ld a1, 0(t0)
    STOP
handler:
    LOG a1
    csrr t0, mcause
    LOG t0
    STOP
)",
                         GetParam());
    ASSERT_TRUE(m);
    std::vector<uint64_t> expected;
    for (uint64_t i = 0; i < 100; ++i)
        expected.push_back(i);
    expected.push_back(100 * 0x5a);
    expected.push_back(9);
    expected.push_back(riscv::cause::kLoadAccessFault);
    EXPECT_EQ(m->device.log, expected);
}

TEST_P(SystemMode, StoresToTranslatedCodeTakeEffectWithoutFenceI) {
    // The interpreter always fetches what memory holds; the translator must too: a store into a
    // translated function, and a store into the very block that is running.
    auto m = run_program(std::string(kPrologue) + R"(
    li s0, 5
warm:
    call f              # f translated and chained
    addi s0, s0, -1
    bnez s0, warm
    LOG a0              # 1
    la t0, f
    li t1, 0x00200513   # li a0, 2
    sw t1, 0(t0)
    call f
    LOG a0              # 2
    la t0, patch
    li t1, 0x00300513   # li a0, 3
    sw t1, 0(t0)
patch:
    li a0, 7            # overwritten by the store just before it
    LOG a0              # 3
    STOP
f:
    li a0, 1
    ret
)",
                         GetParam());
    ASSERT_TRUE(m);
    EXPECT_EQ(m->device.log, (std::vector<uint64_t>{1, 2, 3}));
}

TEST_P(SystemMode, FenceIAfterADeviceWritesCode) {
    // A device writes new code into RAM directly (like virtio DMA); fence.i makes it visible.
    auto m = run_program(std::string(kPrologue) + R"(
    li s0, 5
warm:
    call f
    addi s0, s0, -1
    bnez s0, warm
    LOG a0              # 1
    li s1, 0x10002000   # DMA device
    la t0, f
    sd t0, 0(s1)
    li t1, 0x00500513   # li a0, 5
    sd t1, 8(s1)
    fence.i
    call f
    LOG a0              # 5
    STOP
f:
    li a0, 1
    ret
)",
                         GetParam());
    ASSERT_TRUE(m);
    EXPECT_EQ(m->device.log, (std::vector<uint64_t>{1, 5}));
}

TEST_P(SystemMode, SameCodeUnderChangingFpState) {
    // g's FP instructions run with FS Initial (legal, leaves FS Dirty) and Off (illegal) in turn.
    auto m = run_program(std::string(kPrologue) + R"(
    la t0, handler
    csrw mtvec, t0
    li s0, 0
    li a1, 0
loop:
    andi t0, s0, 1
    li t1, 0x6000
    csrc mstatus, t1    # FS = Off
    bnez t0, 1f
    li t1, 0x2000
    csrs mstatus, t1    # FS = Initial on even passes
1:
    addi a0, s0, 100
    call g
    LOG a1
    csrr t0, mstatus
    srli t0, t0, 13
    andi t0, t0, 3
    LOG t0
    addi s0, s0, 1
    li t0, 4
    bne s0, t0, loop
    STOP
g:
    fmv.d.x f1, a0
    fmv.x.d a1, f1
    ret
handler:
    csrr t0, mcause
    LOG t0
    csrr t0, mepc
    addi t0, t0, 4
    csrw mepc, t0
    mret
)",
                         GetParam());
    ASSERT_TRUE(m);
    const uint64_t ill = riscv::cause::kIllegalInsn;
    EXPECT_EQ(m->device.log,
              (std::vector<uint64_t>{100, 3, ill, ill, 100, 0, 102, 3, ill, ill, 102, 0}));
}

TEST_P(SystemMode, TimerInterruptStopsATranslatedSpinLoop) {
    auto m = run_program(std::string(kPrologue) + R"(
    la t0, handler
    csrw mtvec, t0
    li t0, 0x80         # MTIE
    csrw mie, t0
    csrsi mstatus, 8    # MIE
    li t1, 0x10001000
    li t0, 20000
    sd t0, 0(t1)        # mtimecmp = 2 ms after start
    li a0, 0
spin:
    addi a0, a0, 1
    j spin
handler:
    csrr t0, mcause
    LOG t0
    sltu t0, zero, a0
    LOG t0              # the loop ran
    csrr t0, mepc
    la t2, spin
    sub t0, t0, t2
    sltiu t0, t0, 8
    LOG t0              # interrupted inside the loop
    STOP
)",
                         GetParam());
    ASSERT_TRUE(m);
    EXPECT_EQ(m->device.log,
              (std::vector<uint64_t>{riscv::cause::kInterruptBit | riscv::irq::kMTimer, 1, 1}));
}

TEST_P(SystemMode, InstructionStraddlingAPageEndFollowsChangesToItsSecondHalf) {
    // `addi a0, a0, -1` starts 2 bytes before a page end and runs hot (translated with its upper
    // half taken from the next page). Then the program rewrites that upper half (on the next
    // page only) into `addi a0, a0, 16`: the block on the first page must notice.
    auto m = run_program(std::string(kPrologue) + R"(
    li a0, 0
    li s1, 0
    li s2, 0
    j entry
    .balign 4096
    .skip 0xff8
entry:
    addi s1, s1, 1          # page offset 0xff8
    .2byte 0x0001           # c.nop at 0xffc
straddle:
    addi a0, a0, -1         # 0xffe: two bytes here, two (0xfff5) on the next page
    li t0, 100
    blt s1, t0, entry
    bnez s2, done
    li s2, 1
    li s1, 0
    la t2, straddle
    li t1, 0x0105           # upper half of addi a0, a0, 16
    sh t1, 2(t2)
    fence.i
    j entry
done:
    LOG a0
    STOP
)",
                         GetParam());
    ASSERT_TRUE(m);
    EXPECT_EQ(m->device.log, (std::vector<uint64_t>{100 * 16 - 100}));
}

TEST_P(SystemMode, PauseHandsTheHostThreadToTheOtherHarts) {
    // Hart 0 spins with pause (Linux's cpu_relax()) until hart 1 sets a flag. The harts share
    // one host thread: pause must end hart 0's time slice at once, or it spins a whole quantum
    // (thousands of iterations) before hart 1 gets to run.
    auto m = run_program(std::string(kPrologue) + R"(
    csrr a1, mhartid
    li t1, 0x8000
    bnez a1, second
    li a0, 0
wait:
    addi a0, a0, 1
    .4byte 0x0100000f   # pause
    ld t0, 0(t1)
    beqz t0, wait
    sltiu t0, a0, 50
    LOG t0              # a few iterations at most
    STOP
second:
    li t0, 1
    sd t0, 0(t1)
1:  j 1b
)",
                         GetParam(), {}, 2);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->device.log, (std::vector<uint64_t>{1}));
}

TEST_P(SystemMode, LrScCountersAcrossTwoHartsAndFailedSc) {
    // Two harts increment one counter 1000 times each with lr/sc retry loops (they share a host
    // thread, so a time slice can end between an lr and its sc), then hart 0 checks an sc with
    // no reservation, and lr.w's sign extension with a successful sc.w.
    auto m = run_program(std::string(kPrologue) + R"(
    csrr a1, mhartid
    li t1, 0x8000
    li t2, 0x8100
    li a2, 1000
loop:
1:  lr.d t0, (t1)
    addi t0, t0, 1
    sc.d t3, t0, (t1)
    bnez t3, 1b
    addi a2, a2, -1
    bnez a2, loop
    sc.d t3, t0, (t1)   # no reservation: fails
    bnez a1, second_done
    LOG t3
    li t4, 0x8200
    li t0, -5
    sw t0, 0(t4)
    lr.w t5, (t4)
    LOG t5
    addi t5, t5, 2
    sc.w t3, t5, (t4)
    LOG t3
    lw t5, 0(t4)
    LOG t5
wait:
    .4byte 0x0100000f   # pause
    ld t0, 8(t2)
    beqz t0, wait
    ld t0, 0(t1)
    LOG t0
    STOP
second_done:
    li t0, 1
    sd t0, 8(t2)
1:  j 1b
)",
                         GetParam(), {}, 2);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->device.log, (std::vector<uint64_t>{1, uint64_t(-5), 0, uint64_t(-3), 2000}));
}

INSTANTIATE_TEST_SUITE_P(Engines, SystemMode,
                         ::testing::Values(Variant{Engine::Interp, 0, 0, 0, "interp"},
                                           Variant{Engine::Dbt, 1, 8, 0, "dbt"},
                                           Variant{Engine::Dbt, 16, 0, 1, "dbt_tiered"},
                                           Variant{Engine::Dbt, 16, 0, 0, "dbt_tiered_inline"}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

} // namespace
} // namespace machina::isa_test
