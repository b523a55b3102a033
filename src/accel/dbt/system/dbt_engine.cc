#include "accel/dbt/system/hart_engine.h"

namespace machina::dbt::system {

// The translator does not run system-mode code yet: until its softmmu lands, -accel dbt runs the
// interpreter (the same results, slower). Replaced by the translator engine.
std::unique_ptr<HartEngine> make_dbt_engine(PhysicalBus& bus) {
    return make_interp_engine(bus);
}

} // namespace machina::dbt::system
