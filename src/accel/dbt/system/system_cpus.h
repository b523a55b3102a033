#pragma once
// SystemCpus: the harts of a RISC-V system-mode machine and the loop that runs them. All harts
// share the calling host thread, round-robin in quanta (the issue allows it for now; it makes
// TLB shootdowns, LR/SC and code invalidation trivially coherent). Between quanta the loop
// updates timers, takes pending interrupts, and sleeps on the host when every hart is in wfi.
// Devices reach the harts only through the IrqLines handed out here.

#include <cstdint>
#include <functional>
#include <memory>

#include "base/result.h"
#include "core/address_space.h"
#include "core/guest_memory.h"
#include "core/irq_line.h"

namespace machina::dbt::system {

/// Which execution engine runs guest code.
enum class Engine { Interp, Dbt };

/// The board's machine timer (its CLINT), as the CPU loop needs it.
struct TimerHooks {
    std::function<uint64_t()> now;           ///< mtime in timebase ticks
    std::function<void()> update;            ///< re-evaluates the MTIP lines against `now`
    std::function<uint64_t()> next_deadline; ///< earliest mtimecmp not yet fired, or UINT64_MAX
};

/// Everything the harts need from the board.
struct SystemCpusConfig {
    unsigned harts = 1;
    uint64_t reset_pc = 0x1000; ///< every hart starts here in M-mode
    Engine engine = Engine::Dbt;
    core::GuestMemory* ram = nullptr;   ///< RAM and ROM regions (host-backed)
    core::AddressSpace* mmio = nullptr; ///< every device window
    TimerHooks timer;
    uint64_t timebase_hz = 10'000'000;
};

/// The harts of one machine.
class SystemCpus {
  public:
    /// Builds `config.harts` harts in their reset state. Fails on a bad configuration.
    static Result<std::unique_ptr<SystemCpus>> create(const SystemCpusConfig& config);
    virtual ~SystemCpus() = default;

    /// The line a device drives to set interrupt-pending bit `bit` (riscv::irq::kMSoft, kMTimer,
    /// kMExt, kSExt) of `hart`. Safe to drive from any thread; it wakes a sleeping hart.
    virtual core::IrqLine& irq_line(unsigned hart, unsigned bit) = 0;

    /// Runs the harts on the calling thread until request_stop(); returns then.
    virtual void run() = 0;

    /// Makes run() return at the next quantum boundary (soon: at most a few thousand guest
    /// instructions). Callable from any thread, and from device callbacks on the CPU thread.
    virtual void request_stop() = 0;

    /// Puts every hart back in its reset state (call while run() is not running).
    virtual void reset() = 0;

    /// Number of harts.
    virtual unsigned hart_count() const = 0;

    /// Instructions retired by all harts since creation (for `info` and benchmarks).
    virtual uint64_t instructions_retired() const = 0;
};

} // namespace machina::dbt::system
