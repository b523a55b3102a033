#pragma once
// HartEngine: how the system loop runs guest code of one hart until something needs the loop:
// the interpreter (the reference) or the translator. Both stop on the same exits with the same
// precise state, so they are interchangeable and the interpreter is the differential oracle.

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

} // namespace machina::dbt::system
