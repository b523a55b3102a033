#include "system_diff_runner.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "accel/dbt/decoder/riscv64/decoder.h"
#include "accel/dbt/system/physical_bus.h"
#include "accel/dbt/system/system_hart.h"
#include "base/assert.h"
#include "core/address_space.h"
#include "core/guest_memory.h"
#include "target/riscv/system/csr_file.h"
#include "target/riscv/system/privileged_state.h"

namespace machina::difftest {

using dbt::interp::Exit;
using dbt::interp::ExitKind;

namespace {

constexpr uint64_t kRamSize = 2u << 20;
constexpr uint64_t kHole = Layout::kBase; ///< device window (4 KiB) inside the sandbox
constexpr uint64_t kHoleSize = 0x1000;
constexpr uint64_t kTables = 0x180000;       ///< Sv39 tables: root, two level-1, level-0
constexpr uint64_t kCodeAlias = 0x4000'0000; ///< S/U code runs at physical + this
constexpr uint64_t kMaxExits = 64;           ///< exceptions skipped before giving up

/// 4 KiB of device memory: byte-addressable, any size, any alignment.
class MemoryDevice final : public core::MmioDevice {
  public:
    uint64_t read(uint64_t offset, unsigned size) override {
        uint64_t v = 0;
        if (offset + size <= sizeof(bytes)) std::memcpy(&v, bytes + offset, size);
        return v;
    }
    void write(uint64_t offset, unsigned size, uint64_t value) override {
        if (offset + size <= sizeof(bytes)) std::memcpy(bytes + offset, &value, size);
    }
    uint8_t bytes[kHoleSize] = {};
};

/// Writes `len` bytes at guest physical `pa` into RAM or the device.
void poke(core::GuestMemory& ram, MemoryDevice& dev, uint64_t pa, const void* src, size_t len) {
    const auto* p = static_cast<const uint8_t*>(src);
    while (len > 0) {
        // The piece up to the next boundary of the hole.
        const uint64_t end = pa < kHole               ? kHole
                             : pa < kHole + kHoleSize ? kHole + kHoleSize
                                                      : ~0ull;
        const size_t n = size_t(std::min<uint64_t>(len, end - pa));
        if (pa >= kHole && pa < kHole + kHoleSize) {
            std::memcpy(dev.bytes + (pa - kHole), p, n);
        } else {
            ASSERT(ram.write(pa, p, n).ok(), "poke outside RAM");
        }
        pa += n;
        p += n;
        len -= n;
    }
}

std::vector<std::pair<uint64_t, uint64_t>> page_tables(bool user) {
    constexpr uint64_t V = 1, R = 2, W = 4, X = 8, U = 16, A = 64, D = 128;
    auto pte = [](uint64_t pa, uint64_t flags) { return (pa >> 12) << 10 | flags; };
    const uint64_t leaf = V | R | W | X | A | D | (user ? U : 0);
    const uint64_t root = kTables, l1 = kTables + 0x1000, l1_alias = kTables + 0x2000,
                   l0 = kTables + 0x3000;
    std::vector<std::pair<uint64_t, uint64_t>> out = {
        {root + 0 * 8, pte(l1, V)},       // VA 0..1G: identity (first 2 MiB)
        {root + 1 * 8, pte(l1_alias, V)}, // VA 1G..2G: the same 2 MiB again (code alias)
        {l1, pte(l0, V)},
        {l1_alias, pte(l0, V)},
    };
    for (uint64_t i = 0; i < 512; ++i)
        out.push_back({l0 + 8 * i, pte(i << 12, leaf)});
    return out;
}

} // namespace

struct SystemDiffRunner::Machine {
    core::GuestMemory ram;
    core::AddressSpace mmio{"mmio"};
    MemoryDevice device;
    std::unique_ptr<dbt::system::PhysicalBus> bus;
    std::unique_ptr<dbt::system::HartEngine> engine;
    std::unique_ptr<dbt::system::SystemHart> hart = std::make_unique<dbt::system::SystemHart>();

    Machine(bool translator, bool background) {
        ASSERT(ram.add_ram(0, kHole, "ram-low").ok(), "ram");
        ASSERT(ram.add_ram(kHole + kHoleSize, kRamSize - kHole - kHoleSize, "ram-high").ok(),
               "ram");
        ASSERT(mmio.map(kHole, kHoleSize, device, "memdev").ok(), "device");
        bus = std::make_unique<dbt::system::PhysicalBus>(ram, mmio);
        dbt::system::DbtEngineOptions options;
        options.hot_visits = 1; // translate everything: the interpreter is the other side
        options.code_bytes = 32u << 20;
        // Superblocks (off by default in system mode) so side exits are compared too; blocks
        // without them are what the Linux boot tests and the tiered system-mode tests run.
        options.side_exits = 8;
        options.background = background ? 1 : 0;
        engine = translator ? dbt::system::make_dbt_engine(*bus, options)
                            : dbt::system::make_interp_engine(*bus);
    }

    /// The bytes of physical memory [0, kRamSize), RAM and device.
    std::vector<uint8_t> snapshot() const {
        std::vector<uint8_t> out(kRamSize);
        ASSERT(ram.read(0, out.data(), kHole).ok(), "read");
        std::memcpy(out.data() + kHole, device.bytes, kHoleSize);
        ASSERT(ram.read(kHole + kHoleSize, out.data() + kHole + kHoleSize,
                        kRamSize - kHole - kHoleSize)
                   .ok(),
               "read");
        return out;
    }
};

SystemDiffRunner::SystemDiffRunner(bool background) {
    m_machines[0] = std::make_unique<Machine>(false, false);
    m_machines[1] = std::make_unique<Machine>(true, background);
}

SystemDiffRunner::~SystemDiffRunner() = default;

std::string SystemDiffRunner::run_one(RandomSource& rng, SystemRunMode mode, uint64_t max_insns,
                                      bool random_chunks, const GenOptions& options,
                                      uint64_t* retired) {
    const std::vector<uint8_t> code = generate_program(rng, options);
    riscv::HartState init;
    init_state(init, rng);
    std::vector<uint64_t> sandbox(Layout::kSandboxSize / 8);
    for (uint64_t& v : sandbox)
        v = rng.next();
    const uint64_t fs = rng.chance(10) ? 0 : 1 + rng.below(3);
    const uint64_t chunk_seed = rng.next();
    const bool translated = mode != SystemRunMode::Machine;
    if (mode == SystemRunMode::Supervisor || mode == SystemRunMode::User) init.pc += kCodeAlias;

    std::vector<Exit> exits[2];
    for (int k = 0; k < 2; ++k) {
        Machine& m = *m_machines[k];
        std::vector<uint8_t> zero(kRamSize, 0);
        poke(m.ram, m.device, 0, zero.data(), zero.size());
        poke(m.ram, m.device, Layout::kCode, code.data(), code.size());
        poke(m.ram, m.device, Layout::kSandbox, sandbox.data(), Layout::kSandboxSize);
        if (translated) {
            for (auto [addr, value] : page_tables(mode == SystemRunMode::User))
                poke(m.ram, m.device, addr, &value, 8);
        }
        m.engine->flush_code(); // same addresses, new code
        dbt::system::SystemHart& h = *m.hart;
        h.state = init;
        riscv::reset_privileged_state(h.priv, 0);
        h.tlb.flush_all();
        h.fault = dbt::system::PendingFault{};
        h.priv.mstatus |= fs << riscv::mstatus::kFsShift;
        if (translated) h.priv.satp = (8ull << 60) | (kTables >> 12);
        switch (mode) {
        case SystemRunMode::Machine: break;
        case SystemRunMode::Supervisor: h.priv.priv = riscv::Priv::Supervisor; break;
        case SystemRunMode::User: h.priv.priv = riscv::Priv::User; break;
        case SystemRunMode::MachineMprv:
            h.priv.mstatus |= riscv::mstatus::kMprv | (1ull << riscv::mstatus::kMppShift);
            break;
        }

        RandomSource chunks(chunk_seed);
        uint64_t left = max_insns;
        while (left > 0 && exits[k].size() < kMaxExits) {
            uint64_t budget = left;
            if (random_chunks && !chunks.chance(20)) budget = std::min(left, 1 + chunks.below(400));
            const uint64_t before = h.state.instret;
            const Exit e = m.engine->run(h, budget);
            left -= std::min(left, h.state.instret - before);
            if (e.kind == ExitKind::Budget) continue;
            exits[k].push_back(e);
            if (e.kind == ExitKind::FenceI) {
                m.engine->flush_code();
                continue;
            }
            if (e.kind == ExitKind::Ecall || e.kind == ExitKind::FetchFault ||
                e.kind == ExitKind::System)
                break;
            // A handler that skips the instruction (its bytes from physical memory).
            const uint64_t pa = h.state.pc - (h.state.pc >= kCodeAlias ? kCodeAlias : 0);
            uint32_t raw = 0;
            if (!m.ram.read(pa, &raw, 4).ok()) break;
            h.state.pc += dbt::decoder::decode(raw).length;
        }
    }
    *retired += m_machines[0]->hart->state.instret;

    std::string diff;
    auto check = [&](bool same, std::string what) {
        if (!same && diff.empty()) diff = what;
    };
    const auto& a = m_machines[0]->hart;
    const auto& b = m_machines[1]->hart;
    check(exits[0].size() == exits[1].size(),
          fmt::format("exit count: interp {} dbt {}", exits[0].size(), exits[1].size()));
    for (size_t i = 0; i < std::min(exits[0].size(), exits[1].size()); ++i) {
        const Exit& x = exits[0][i];
        const Exit& y = exits[1][i];
        check(x.kind == y.kind && x.pc == y.pc && x.addr == y.addr && x.insn == y.insn,
              fmt::format("exit {}: interp {} pc {:#x} addr {:#x} insn {:#x}, dbt {} pc {:#x} "
                          "addr {:#x} insn {:#x}",
                          i, to_string(x.kind), x.pc, x.addr, x.insn, to_string(y.kind), y.pc,
                          y.addr, y.insn));
    }
    check(a->state.pc == b->state.pc,
          fmt::format("pc: interp {:#x} dbt {:#x}", a->state.pc, b->state.pc));
    for (unsigned r = 0; r < 32; ++r)
        check(a->state.x[r] == b->state.x[r],
              fmt::format("x{}: interp {:#x} dbt {:#x}", r, a->state.x[r], b->state.x[r]));
    for (unsigned r = 0; r < 32; ++r)
        check(a->state.f[r] == b->state.f[r],
              fmt::format("f{}: interp {:#x} dbt {:#x}", r, a->state.f[r], b->state.f[r]));
    check(a->state.fcsr == b->state.fcsr,
          fmt::format("fcsr: interp {:#x} dbt {:#x}", a->state.fcsr, b->state.fcsr));
    check(a->state.instret == b->state.instret,
          fmt::format("instret: interp {} dbt {}", a->state.instret, b->state.instret));
    check(a->state.reservation_valid == b->state.reservation_valid, "reservation_valid");
    check(a->priv.mstatus == b->priv.mstatus,
          fmt::format("mstatus: interp {:#x} dbt {:#x}", a->priv.mstatus, b->priv.mstatus));
    check(a->fault.cause == b->fault.cause && a->fault.tval == b->fault.tval,
          fmt::format("pending fault: interp {}/{:#x} dbt {}/{:#x}", a->fault.cause, a->fault.tval,
                      b->fault.cause, b->fault.tval));
    if (diff.empty()) {
        const std::vector<uint8_t> ma = m_machines[0]->snapshot();
        const std::vector<uint8_t> mb = m_machines[1]->snapshot();
        for (uint64_t i = 0; i < kRamSize; ++i) {
            if (ma[i] != mb[i]) {
                diff = fmt::format("memory at {:#x}: interp {:#x} dbt {:#x}", i, ma[i], mb[i]);
                break;
            }
        }
    }
    if (!diff.empty()) {
        diff += fmt::format(" ({} exits, {} insns retired by interp)", exits[0].size(),
                            a->state.instret);
    }
    return diff;
}

} // namespace machina::difftest
