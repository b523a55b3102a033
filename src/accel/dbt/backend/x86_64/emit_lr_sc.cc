// LR/SC in translated code, user and system mode, with the interpreter's semantics: LR loads and
// records the reservation in HartState (the guest address and the value as loaded into rd); SC
// stores with a locked compare-and-swap against that value when the reservation is held for the
// same address, and always drops the reservation. The caller has checked alignment and range (user
// mode) or probed the TLB (system mode), and has loaded SC's store value into rcx.
#include <cstddef>

#include "accel/dbt/backend/x86_64/emitter.h"

namespace machina::dbt::backend {

using namespace Xbyak;
using ir::Value;

namespace {
constexpr int32_t kResAddr = int32_t(offsetof(riscv::HartState, reservation_addr));
constexpr int32_t kResValue = int32_t(offsetof(riscv::HartState, reservation_value));
constexpr int32_t kResValid = int32_t(offsetof(riscv::HartState, reservation_valid));
} // namespace

void Emitter::emit_lr_sc(Value v, const Address& m, int fault_addr_reg, int guest_addr_reg) {
    const ir::Inst& in = m_block.insts[v];
    const bool w = (in.imm & ir::kAmoWord) != 0;
    const bool lr = (in.imm & 15) == ir::kAmoLr;
    const Reg64 addr = reg(guest_addr_reg);
    // User mode: the next instruction touches guest memory; a host fault there is the guest's.
    auto site = [&](JitExit reason) {
        if (fault_addr_reg >= 0) atomic_fault_site(in, fault_addr_reg, reason);
    };
    if (lr) {
        site(JitExit::LoadFault);
        if (w) {
            movsxd(rax, m); // x86 loads are ordered enough for lr's acquire
        } else {
            mov(rax, m);
        }
        mov(qword[rbx + kResAddr], addr);
        mov(qword[rbx + kResValue], rax);
        mov(byte[rbx + kResValid], 1);
    } else {
        Label fail, done;
        cmp(byte[rbx + kResValid], 0);
        je(fail);
        cmp(qword[rbx + kResAddr], addr);
        jne(fail);
        mov(rax, qword[rbx + kResValue]);
        site(JitExit::StoreFault);
        lock();
        cmpxchg(m, sized(rcx, w)); // stores rcx if memory still holds the reserved value
        setnz(al);
        movzx(eax, al); // 0: stored, 1: failed
        jmp(done);
        L(fail);
        // No reservation: fail, but still check the access as the interpreter does (a locked
        // or of 0 needs write access and changes nothing).
        site(JitExit::StoreFault);
        lock();
        or_(m, 0);
        mov(eax, 1);
        L(done);
        mov(byte[rbx + kResValid], 0);
    }
    Reg64 d = def(v);
    if (d.getIdx() != rax.getIdx()) mov(d, rax);
    finish(v, d);
}

} // namespace machina::dbt::backend
