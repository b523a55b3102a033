#pragma once
// FakeCpus: a SystemCpus that runs no guest code, so board tests can build a whole virt machine,
// look at how it is wired, and script what "the guest" does in run().

#include <array>
#include <functional>
#include <memory>
#include <vector>

#include "accel/dbt/system/system_cpus.h"

namespace machina::test {

/// Harts with real interrupt lines and a scripted run().
class FakeCpus final : public dbt::system::SystemCpus {
  public:
    explicit FakeCpus(const dbt::system::SystemCpusConfig& cfg) : config(cfg), lines(cfg.harts) {}

    core::IrqLine& irq_line(unsigned hart, unsigned bit) override { return lines.at(hart).at(bit); }
    void run() override {
        ++runs;
        if (on_run) on_run(*this);
    }
    void request_stop() override { ++stop_requests; }
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
    int runs = 0;
    int stop_requests = 0;
};

/// A factory for VirtMachine::create that records the last FakeCpus it made and lets the test
/// script each run (the n-th machine built gets `script(n, cpus)`).
struct FakeCpuFactory {
    FakeCpus* last = nullptr;
    int made = 0;
    std::function<void(int, FakeCpus&)> script;

    auto factory() {
        return [this](const dbt::system::SystemCpusConfig& cfg)
                   -> Result<std::unique_ptr<dbt::system::SystemCpus>> {
            auto cpus = std::make_unique<FakeCpus>(cfg);
            last = cpus.get();
            int n = made++;
            if (script) cpus->on_run = [this, n](FakeCpus& c) { script(n, c); };
            return std::unique_ptr<dbt::system::SystemCpus>(std::move(cpus));
        };
    }
};

} // namespace machina::test
