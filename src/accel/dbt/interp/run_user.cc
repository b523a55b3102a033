#include "accel/dbt/interp/interp_core.h"
#include "accel/dbt/interp/interpreter.h"
#include "accel/dbt/interp/memory_policy.h"

namespace machina::dbt::interp {

Exit run_user(riscv::HartState& state, const UserMemory& memory, uint64_t max_instructions) {
    UserMemoryPolicy policy(memory);
    return run(state, policy, max_instructions);
}

const char* to_string(ExitKind kind) {
    switch (kind) {
    case ExitKind::Ecall: return "ecall";
    case ExitKind::Ebreak: return "ebreak";
    case ExitKind::IllegalInstruction: return "illegal instruction";
    case ExitKind::FetchFault: return "fetch fault";
    case ExitKind::LoadFault: return "load fault";
    case ExitKind::StoreFault: return "store fault";
    case ExitKind::MisalignedAtomic: return "misaligned atomic";
    case ExitKind::FenceI: return "fence.i";
    case ExitKind::System: return "system instruction";
    case ExitKind::Budget: return "budget";
    }
    return "unknown";
}

} // namespace machina::dbt::interp
