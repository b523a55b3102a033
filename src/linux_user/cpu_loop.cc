#include "linux_user/cpu_loop.h"

#include <signal.h>

#include "base/log.h"
#include "linux_user/signal_delivery.h"
#include "linux_user/syscall_dispatch.h"

namespace machina::linux_user {

void cpu_loop(GuestThread& t) {
    using dbt::interp::ExitKind;
    while (!t.exited) {
        deliver_pending_signals(t);
        dbt::interp::Exit exit;
        if (!run_guest(t, &exit, kInstructionBudget)) continue; // host fault became a signal
        switch (exit.kind) {
        case ExitKind::Ecall:
            // A signal queued while the guest ran is delivered before the call (pc stays on
            // the ecall, which runs once the handler returns), so a blocking call cannot
            // sleep on it.
            if (has_deliverable_signal(t)) break;
            handle_syscall(t);
            break;
        case ExitKind::Budget:
        case ExitKind::FenceI: break;
        case ExitKind::Ebreak: force_sync_signal(t, SIGTRAP, TRAP_BRKPT, exit.pc); break;
        case ExitKind::System: // system mode only; never returned for user code
        case ExitKind::IllegalInstruction:
            log::cat(log::kUnimp, "illegal instruction {:#010x} at {:#x}\n", exit.insn, exit.pc);
            force_sync_signal(t, SIGILL, ILL_ILLOPC, exit.pc);
            break;
        case ExitKind::FetchFault:
        case ExitKind::LoadFault:
        case ExitKind::StoreFault: force_sync_signal(t, SIGSEGV, SEGV_MAPERR, exit.addr); break;
        case ExitKind::MisalignedAtomic: force_sync_signal(t, SIGBUS, BUS_ADRALN, exit.addr); break;
        }
    }
}

} // namespace machina::linux_user
