#pragma once
// HartEngine: how the system loop runs guest code of one hart until something needs the loop:
// the interpreter (the reference) or the translator. Both stop on the same exits with the same
// precise state, so they are interchangeable and the interpreter is the differential oracle.

#include <cstddef>
#include <cstdint>
#include <memory>

#include "accel/dbt/interp/interpreter.h"
#include "accel/dbt/system/physical_bus.h"
#include "accel/dbt/system/system_hart.h"

namespace machina::dbt::system {

/// An execution engine for system-mode harts.
class HartEngine {
  public:
    virtual ~HartEngine() = default;

    /// Runs `hart` from hart.state.pc for at most `budget` instructions, stopping before any
    /// instruction that needs the system loop (ExitKind::System, Ecall, Ebreak, faults with
    /// hart.fault set, IllegalInstruction) or after fence.i.
    virtual interp::Exit run(SystemHart& hart, uint64_t budget) = 0;

    /// Forgets everything derived from guest memory (fence.i, reset).
    virtual void flush_code() {}
};

/// The interpreter engine.
std::unique_ptr<HartEngine> make_interp_engine(PhysicalBus& bus);

/// Tunables of the translator engine.
struct DbtEngineOptions {
    /// Times the dispatcher reaches a block before it is translated (it is interpreted until
    /// then); 1 translates everything at once. 0: MACHINA_DBT_HOT_VISITS from the environment,
    /// else the default (kHotVisits, or kHotVisitsBackground with background translation:
    /// dbt_heat.h).
    uint32_t hot_visits = 0;
    size_t code_bytes = 128u << 20; ///< code cache size (flushed whole when full)
    /// Side exits per block (superblocks: forward branches translated through). -1:
    /// MACHINA_DBT_SIDE_EXITS from the environment, else kSideExits (dbt_heat.h).
    int side_exits = -1;
    /// 1: hot blocks are translated on a background host thread while the harts interpret
    /// them (DbtBackground); 0: inline, by the hart's thread. -1: MACHINA_DBT_BACKGROUND from
    /// the environment, else on when the process may run on more than one CPU.
    int background = -1;
};

/// The translator engine (dbt_engine.cc; the interpreter if its code cache cannot be mapped).
std::unique_ptr<HartEngine> make_dbt_engine(PhysicalBus& bus, const DbtEngineOptions& options);

/// The translator engine with default options.
std::unique_ptr<HartEngine> make_dbt_engine(PhysicalBus& bus);

} // namespace machina::dbt::system
