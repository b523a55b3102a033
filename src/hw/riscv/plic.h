#pragma once
// Plic: the RISC-V platform-level interrupt controller (SiFive PLIC layout as on QEMU's virt
// board). Level-triggered sources with priorities, per-context enables, thresholds and
// claim/complete; each context drives one hart interrupt line (context 2h = hart h M-mode,
// 2h+1 = hart h S-mode).

#include <cstdint>
#include <mutex>
#include <vector>

#include "core/address_space.h"
#include "core/irq_line.h"

namespace machina::hw::riscv {

/// Size of the PLIC register window on virt.
constexpr uint64_t kPlicSize = 0x600000;

/// PLIC with `source_count` sources (IDs 1..source_count-1; 0 means "none").
class Plic final : public core::MmioDevice {
  public:
    /// `contexts[i]` is the line context i drives (MEIP or SEIP of some hart).
    Plic(unsigned source_count, std::vector<core::IrqLine*> contexts);

    uint64_t read(uint64_t offset, unsigned size) override;
    void write(uint64_t offset, unsigned size, uint64_t value) override;

    /// Device side: drives source `id` to `level` (devices' IrqLines connect here).
    void set_source(unsigned id, bool level);

    /// True when source `id` is pending (for tests and `info pic`).
    bool pending(unsigned id) const;

  private:
    unsigned best_source(unsigned context) const;
    unsigned claim(unsigned context);
    void complete(unsigned context, unsigned id);
    void update_outputs();

    unsigned m_sources;
    std::vector<core::IrqLine*> m_contexts;
    mutable std::recursive_mutex m_mutex;
    std::vector<uint32_t> m_priority;
    std::vector<bool> m_level;
    std::vector<bool> m_pending;
    std::vector<bool> m_claimed;
    std::vector<std::vector<uint32_t>> m_enable; ///< per context, one bit per source
    std::vector<uint32_t> m_threshold;
};

} // namespace machina::hw::riscv
