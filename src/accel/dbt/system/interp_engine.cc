#include "accel/dbt/interp/interp_core.h"
#include "accel/dbt/system/hart_engine.h"
#include "accel/dbt/system/system_memory_policy.h"

namespace machina::dbt::system {
namespace {

/// Runs harts in the reference interpreter with the system memory policy.
class InterpEngine final : public HartEngine {
  public:
    explicit InterpEngine(PhysicalBus& bus) : m_bus(bus) {}

    interp::Exit run(SystemHart& hart, uint64_t budget) override {
        SystemMemoryPolicy policy(hart, m_bus);
        return interp::run(hart.state, policy, budget);
    }

  private:
    PhysicalBus& m_bus;
};

} // namespace

std::unique_ptr<HartEngine> make_interp_engine(PhysicalBus& bus) {
    return std::make_unique<InterpEngine>(bus);
}

} // namespace machina::dbt::system
