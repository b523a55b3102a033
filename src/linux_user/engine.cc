#include "linux_user/engine.h"

namespace machina::linux_user {
namespace {

/// The reference interpreter.
class InterpEngine final : public Engine {
  public:
    dbt::interp::Exit run(riscv::HartState& state, const dbt::interp::UserMemory& memory,
                          uint64_t budget) override {
        return dbt::interp::run_user(state, memory, budget);
    }
};

} // namespace

#ifdef MACHINA_HAVE_DBT
Result<std::unique_ptr<Engine>> make_dbt_engine(); // engine_dbt.cc
#endif

Result<std::unique_ptr<Engine>> make_engine(const std::string& requested) {
#ifdef MACHINA_HAVE_DBT
    const std::string accel = requested.empty() ? "dbt" : requested;
#else
    const std::string accel = requested.empty() ? "interp" : requested;
#endif
    if (accel == "interp") return std::unique_ptr<Engine>(std::make_unique<InterpEngine>());
    if (accel == "dbt") {
#ifdef MACHINA_HAVE_DBT
        return make_dbt_engine();
#else
        return Error::make("-accel dbt: the translator is not built into this machina-riscv64; "
                           "use -accel interp");
#endif
    }
    return Error::make("unknown -accel '{}' (supported: interp, dbt)", accel);
}

} // namespace machina::linux_user
