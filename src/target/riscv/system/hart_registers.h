#pragma once
// HartRegisters: a copy of what a monitor or debugger shows of one system-mode hart (pc,
// privilege, integer registers, the trap and translation CSRs), and HartRegisterSource, the
// interface a CPU loop implements to hand such copies out while its harts are stopped. It lives
// here, below both the engines and the boards, so a board can ask for registers without knowing
// which engine runs the harts.

#include <cstdint>

#include "target/riscv/hart_state.h"
#include "target/riscv/system/privileged_state.h"

namespace machina::riscv {

/// One hart's registers at an instruction boundary.
struct HartRegisters {
    uint64_t pc = 0;
    Priv priv = Priv::Machine;
    bool waiting = false; ///< in wfi
    uint64_t x[32] = {};  ///< x0..x31 (x0 is 0)
    uint64_t instret = 0; ///< instructions retired
    uint64_t mhartid = 0;
    uint64_t mstatus = 0, misa = 0, medeleg = 0, mideleg = 0, mie = 0;
    uint64_t mip = 0; ///< effective pending bits (software, device lines, Sstc)
    uint64_t mtvec = 0, mscratch = 0, mepc = 0, mcause = 0, mtval = 0;
    uint64_t stvec = 0, sscratch = 0, sepc = 0, scause = 0, stval = 0, satp = 0;
    uint64_t stimecmp = 0;
};

/// Copies the registers of a hart from its state; `time` is mtime now (for Sstc's STIP).
inline HartRegisters capture_hart_registers(const HartState& s, const PrivilegedState& p,
                                            uint64_t time) {
    HartRegisters r;
    r.pc = s.pc;
    r.priv = p.priv;
    for (unsigned i = 0; i < 32; ++i)
        r.x[i] = s.x[i];
    r.x[0] = 0;
    r.instret = s.instret;
    r.mhartid = p.mhartid;
    r.mstatus = p.mstatus;
    r.misa = p.misa;
    r.medeleg = p.medeleg;
    r.mideleg = p.mideleg;
    r.mie = p.mie;
    r.mip = p.pending(time);
    r.mtvec = p.mtvec;
    r.mscratch = p.mscratch;
    r.mepc = p.mepc;
    r.mcause = p.mcause;
    r.mtval = p.mtval;
    r.stvec = p.stvec;
    r.sscratch = p.sscratch;
    r.sepc = p.sepc;
    r.scause = p.scause;
    r.stval = p.stval;
    r.satp = p.satp;
    r.stimecmp = p.stimecmp;
    return r;
}

/// Implemented by a CPU loop whose harts' registers can be read. Callers make sure the harts
/// are not running (the loop has returned from run()) while they read.
class HartRegisterSource {
  public:
    virtual ~HartRegisterSource() = default;
    /// Fills `out` with hart `hart`'s registers; false when there is no such hart.
    virtual bool read_hart_registers(unsigned hart, HartRegisters* out) const = 0;
};

} // namespace machina::riscv
