#pragma once
// FakeCpus: a SystemCpus that runs no guest code, so board tests can build a whole virt machine,
// look at how it is wired, and script what "the guest" does in run(). It shows scripted
// registers (HartRegisterSource) and notes any read made while its run() is in progress.

#include <array>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "accel/dbt/system/system_cpus.h"
#include "target/riscv/system/hart_registers.h"

namespace machina::test {

/// Harts with real interrupt lines and a scripted run().
class FakeCpus final : public dbt::system::SystemCpus, public riscv::HartRegisterSource {
  public:
    explicit FakeCpus(const dbt::system::SystemCpusConfig& cfg) : config(cfg), lines(cfg.harts) {}

    core::IrqLine& irq_line(unsigned hart, unsigned bit) override { return lines.at(hart).at(bit); }
    /// Runs the script; with `run_until_stop`, then "runs the harts" until request_stop().
    void run() override {
        ++runs;
        in_run = true;
        if (on_run) on_run(*this);
        if (run_until_stop) {
            std::unique_lock lock(m_mutex);
            m_stopped.wait(lock, [&] { return m_stop_pending; });
            m_stop_pending = false;
        }
        in_run = false;
    }
    void request_stop() override {
        ++stop_requests;
        {
            std::lock_guard lock(m_mutex);
            m_stop_pending = true;
        }
        m_stopped.notify_all();
    }
    /// `registers` for every hart, with mhartid set and pc advanced by 4 per hart number.
    bool read_hart_registers(unsigned hart, riscv::HartRegisters* out) const override {
        if (hart >= config.harts) return false;
        if (in_run) ++reads_while_running;
        *out = registers;
        out->mhartid = hart;
        out->pc = registers.pc + 4 * hart;
        return true;
    }
    void reset() override {}
    unsigned hart_count() const override { return config.harts; }
    uint64_t instructions_retired() const override { return 0; }

    /// Writes `value` to the guest physical MMIO address `addr`, as a hart would.
    void mmio_write(uint64_t addr, unsigned size, uint64_t value) {
        config.mmio->write(addr, size, value);
    }

    dbt::system::SystemCpusConfig config;
    std::vector<std::array<core::IrqLine, 16>> lines;
    std::function<void(FakeCpus&)> on_run;
    bool run_until_stop = false;
    riscv::HartRegisters registers;
    std::atomic<int> runs{0};
    std::atomic<int> stop_requests{0};
    std::atomic<bool> in_run{false};
    mutable std::atomic<int> reads_while_running{0};

  private:
    std::mutex m_mutex;
    std::condition_variable m_stopped;
    bool m_stop_pending = false;
};

/// A factory for VirtMachine::create that records the last FakeCpus it made and lets the test
/// script each run (the n-th machine built gets `script(n, cpus)`).
struct FakeCpuFactory {
    FakeCpus* last = nullptr;
    int made = 0;
    std::function<void(int, FakeCpus&)> script;
    bool run_until_stop = false; ///< given to every FakeCpus made

    auto factory() {
        return [this](const dbt::system::SystemCpusConfig& cfg)
                   -> Result<std::unique_ptr<dbt::system::SystemCpus>> {
            auto cpus = std::make_unique<FakeCpus>(cfg);
            cpus->run_until_stop = run_until_stop;
            last = cpus.get();
            int n = made++;
            if (script) cpus->on_run = [this, n](FakeCpus& c) { script(n, c); };
            return std::unique_ptr<dbt::system::SystemCpus>(std::move(cpus));
        };
    }
};

} // namespace machina::test
