#include "accel/dbt/system/system_cpus.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "accel/dbt/decoder/riscv64/decoder.h"
#include "accel/dbt/decoder/riscv64/disasm.h"
#include "accel/dbt/system/hart_engine.h"
#include "accel/dbt/system/softmmu.h"
#include "accel/dbt/system/system_insn.h"
#include "base/assert.h"
#include "base/log.h"
#include "target/riscv/system/csr_file.h"
#include "target/riscv/system/hart_registers.h"
#include "target/riscv/system/trap.h"

namespace machina::dbt::system {

std::unique_ptr<HartEngine> make_dbt_engine(PhysicalBus& bus); // dbt_engine.cc

namespace {

using interp::Exit;
using interp::ExitKind;
namespace cause = riscv::cause;

/// Instructions a hart runs before the loop moves to the next one and polls timers.
constexpr uint64_t kQuantum = 20000;
/// Longest host sleep while every hart waits (a safety net; interrupts wake it earlier).
constexpr auto kMaxSleep = std::chrono::milliseconds(50);

/// The interrupt-pending bits a device line may drive.
constexpr std::array<unsigned, 4> kLineBits = {riscv::irq::kMSoft, riscv::irq::kMTimer,
                                               riscv::irq::kMExt, riscv::irq::kSExt};

class SystemCpusImpl final : public SystemCpus, public riscv::HartRegisterSource {
  public:
    explicit SystemCpusImpl(const SystemCpusConfig& config)
        : m_config(config), m_bus(*config.ram, *config.mmio) {
        m_engine =
            config.engine == Engine::Dbt ? make_dbt_engine(m_bus) : make_interp_engine(m_bus);
        for (unsigned i = 0; i < config.harts; ++i) {
            auto hart = std::make_unique<SystemHart>();
            hart->index = i;
            hart->clock = [this] { return now(); };
            m_harts.push_back(std::move(hart));
            auto lines = std::make_unique<std::array<core::IrqLine, kLineBits.size()>>();
            for (size_t n = 0; n < kLineBits.size(); ++n) {
                riscv::PrivilegedState* ps = &m_harts.back()->priv;
                uint64_t bit = riscv::irq::bit(kLineBits[n]);
                (*lines)[n].connect([this, ps, bit](bool level) {
                    if (level) {
                        ps->mip_lines.fetch_or(bit, std::memory_order_acq_rel);
                        wake();
                    } else {
                        ps->mip_lines.fetch_and(~bit, std::memory_order_acq_rel);
                    }
                });
            }
            m_lines.push_back(std::move(lines));
        }
        reset();
    }

    core::IrqLine& irq_line(unsigned hart, unsigned bit) override {
        ASSERT(hart < m_harts.size(), "irq_line: no such hart");
        for (size_t n = 0; n < kLineBits.size(); ++n)
            if (kLineBits[n] == bit) return (*m_lines[hart])[n];
        UNREACHABLE();
    }

    void run() override {
        while (!m_stop.load(std::memory_order_acquire)) {
            bool any_ran = false;
            if (m_config.timer.update) m_config.timer.update();
            for (auto& hart : m_harts) {
                if (m_stop.load(std::memory_order_relaxed)) break;
                if (hart->waiting) {
                    if (!riscv::wfi_should_wake(hart->priv, now())) continue;
                    hart->waiting = false;
                }
                run_quantum(*hart);
                any_ran = true;
            }
            if (!any_ran) sleep_until_event();
        }
        m_stop.store(false, std::memory_order_release);
    }

    void request_stop() override {
        m_stop.store(true, std::memory_order_release);
        wake();
    }

    void reset() override {
        for (auto& hart : m_harts) {
            hart->state = riscv::HartState{};
            riscv::reset_privileged_state(hart->priv, hart->index);
            hart->state.pc = m_config.reset_pc;
            hart->tlb.flush_all();
            hart->waiting = false;
            hart->fault = PendingFault{};
        }
        m_engine->flush_code();
    }

    unsigned hart_count() const override { return unsigned(m_harts.size()); }

    bool read_hart_registers(unsigned index, riscv::HartRegisters* out) const override {
        if (index >= m_harts.size()) return false;
        const SystemHart& hart = *m_harts[index];
        *out = riscv::capture_hart_registers(hart.state, hart.priv, now());
        out->waiting = hart.waiting;
        return true;
    }

    uint64_t instructions_retired() const override {
        uint64_t total = 0;
        for (const auto& hart : m_harts)
            total += hart->state.instret;
        return total;
    }

  private:
    uint64_t now() const { return m_config.timer.now ? m_config.timer.now() : 0; }

    /// Takes the highest-priority enabled interrupt, if any.
    void check_interrupts(SystemHart& hart) {
        if (!(hart.priv.pending(now()) & hart.priv.mie)) return;
        if (auto irq = riscv::pending_interrupt(hart.priv, now())) {
            if (log::enabled(log::kInt))
                log::write_category(fmt::format("hart {}: interrupt {} at pc 0x{:x}\n", hart.index,
                                                *irq, hart.state.pc));
            riscv::take_trap(hart.priv, hart.state, cause::kInterruptBit | *irq, 0);
        }
    }

    void raise(SystemHart& hart, uint64_t cause_value, uint64_t tval) {
        if (log::enabled(log::kInt))
            log::write_category(fmt::format("hart {}: exception {} tval 0x{:x} at pc 0x{:x}\n",
                                            hart.index, cause_value, tval, hart.state.pc));
        riscv::take_trap(hart.priv, hart.state, cause_value, tval);
    }

    /// Runs one hart for about a quantum, handling every exit on the way.
    void run_quantum(SystemHart& hart) {
        uint64_t budget = kQuantum;
        while (budget > 0 && !hart.waiting && !m_stop.load(std::memory_order_relaxed)) {
            check_interrupts(hart);
            const uint64_t before = hart.state.instret;
            Exit e = m_engine->run(hart, budget);
            uint64_t ran = hart.state.instret - before;
            budget -= std::min(budget, std::max<uint64_t>(ran, 1));
            handle_exit(hart, e);
            if (m_yield) { // the hart polls in a wfi loop: let the others run first
                m_yield = false;
                break;
            }
        }
    }

    void handle_exit(SystemHart& hart, const Exit& e) {
        switch (e.kind) {
        case ExitKind::Budget: return;
        case ExitKind::FenceI: m_engine->flush_code(); return;
        case ExitKind::System: {
            decoder::DecodedInsn d = decoder::decode(e.insn);
            // A wfi that returns at once (something pending but masked, as in OpenSBI's hart-start
            // loop with MSIP set) makes the hart a busy poller: end its quantum either way. So
            // does pause: the hart spins until another one does something (Linux's cpu_relax()
            // in csd_lock_wait, waiting for a remote TLB flush or function call).
            m_yield = d.op == decoder::Op::Wfi || decoder::is_pause(d.raw);
            switch (execute_system_insn(hart, d, now())) {
            case SystemInsnResult::Done: ++hart.state.instret; return;
            case SystemInsnResult::Wait:
                ++hart.state.instret;
                hart.waiting = true;
                return;
            case SystemInsnResult::Illegal: raise(hart, cause::kIllegalInsn, e.insn); return;
            }
            return;
        }
        case ExitKind::Ecall: {
            uint64_t c = hart.priv.priv == riscv::Priv::User         ? cause::kEcallU
                         : hart.priv.priv == riscv::Priv::Supervisor ? cause::kEcallS
                                                                     : cause::kEcallM;
            raise(hart, c, 0);
            return;
        }
        case ExitKind::Ebreak: raise(hart, cause::kBreakpoint, hart.state.pc); return;
        case ExitKind::IllegalInstruction: raise(hart, cause::kIllegalInsn, e.insn); return;
        case ExitKind::FetchFault:
        case ExitKind::LoadFault:
        case ExitKind::StoreFault: raise(hart, hart.fault.cause, hart.fault.tval); return;
        case ExitKind::MisalignedAtomic: {
            decoder::DecodedInsn d = decoder::decode(fetch_raw_for_misaligned(hart));
            bool lr = d.op == decoder::Op::LrW || d.op == decoder::Op::LrD;
            raise(hart, lr ? cause::kLoadMisaligned : cause::kStoreMisaligned, e.addr);
            return;
        }
        }
    }

    /// The raw bits of the atomic at pc (re-fetched: the exit does not carry them).
    uint32_t fetch_raw_for_misaligned(SystemHart& hart) {
        uint16_t lo = 0, hi = 0;
        if (!softmmu_fetch16(hart, m_bus, hart.state.pc, &lo)) return 0;
        if ((lo & 3) != 3) return lo;
        if (!softmmu_fetch16(hart, m_bus, hart.state.pc + 2, &hi)) return 0;
        return uint32_t(lo) | uint32_t(hi) << 16;
    }

    /// Every hart waits: sleep until the next timer deadline or a device interrupt.
    void sleep_until_event() {
        uint64_t deadline = m_config.timer.next_deadline ? m_config.timer.next_deadline() : ~0ull;
        for (const auto& hart : m_harts)
            if (hart->priv.menvcfg >> 63) deadline = std::min(deadline, hart->priv.stimecmp);
        const uint64_t t = now();
        if (deadline <= t) return;
        std::chrono::nanoseconds wait = kMaxSleep;
        if (deadline != ~0ull && m_config.timebase_hz != 0) {
            uint64_t ns = (deadline - t) * (1'000'000'000 / m_config.timebase_hz);
            wait = std::min<std::chrono::nanoseconds>(wait, std::chrono::nanoseconds(ns));
        }
        std::unique_lock lock(m_wake_mutex);
        const uint64_t seen = m_wake_seq;
        m_wake_cv.wait_for(lock, wait, [&] {
            return m_wake_seq != seen || m_stop.load(std::memory_order_relaxed);
        });
    }

    void wake() {
        {
            std::lock_guard lock(m_wake_mutex);
            ++m_wake_seq;
        }
        m_wake_cv.notify_all();
    }

    SystemCpusConfig m_config;
    PhysicalBus m_bus;
    std::unique_ptr<HartEngine> m_engine;
    std::vector<std::unique_ptr<SystemHart>> m_harts;
    std::vector<std::unique_ptr<std::array<core::IrqLine, kLineBits.size()>>> m_lines;
    std::atomic<bool> m_stop{false};
    bool m_yield = false; ///< the current hart executed wfi: end its quantum
    std::mutex m_wake_mutex;
    std::condition_variable m_wake_cv;
    uint64_t m_wake_seq = 0;
};

} // namespace

Result<std::unique_ptr<SystemCpus>> SystemCpus::create(const SystemCpusConfig& config) {
    if (config.harts == 0 || config.harts > 64)
        return Error::make("-smp {}: between 1 and 64 harts are supported", config.harts);
    if (config.ram == nullptr || config.mmio == nullptr)
        return Error::make("system CPUs need guest memory and an MMIO address space");
    return std::unique_ptr<SystemCpus>(std::make_unique<SystemCpusImpl>(config));
}

} // namespace machina::dbt::system
