// The helpers translated system-mode code calls (see backend::JitContext): softmmu slow paths
// for loads and stores, one instruction in the interpreter, the FP executor, and CSR accesses
// run inside the block.

#include <cstring>

#include "accel/dbt/decoder/riscv64/decoder.h"
#include "accel/dbt/interp/fp_exec.h"
#include "accel/dbt/interp/interp_core.h"
#include "accel/dbt/system/dbt_engine.h"
#include "accel/dbt/system/softmmu.h"
#include "accel/dbt/system/system_insn.h"
#include "accel/dbt/system/system_memory_policy.h"
#include "target/riscv/system/trap.h"

namespace machina::dbt::system {

using backend::JitContext;
using interp::Exit;
using interp::ExitKind;

uint8_t* DbtEngine::victim_lookup(uint64_t vaddr, unsigned size, bool store) {
    const uint64_t page = vaddr & ~SoftTlb::kPageMask;
    if ((vaddr & SoftTlb::kPageMask) + size > SoftTlb::kPageSize) return nullptr; // crosses
    SystemHart& hart = *m_hart;
    DbtVictimTlb& victim = m_hart_data->victim_tlb;
    const TlbRegime regime = hart.data_regime();
    TlbEntry& main = hart.tlb.slot(regime, vaddr);
    victim.sync(hart.tlb);
    if (const TlbEntry* v = victim.find(regime, vaddr);
        v && (store ? v->write_tag : v->read_tag) == page &&
        !(store && m_cache->is_code(reinterpret_cast<const uint8_t*>(page + v->addend)))) {
        TlbEntry back = *v;
        if (back.write_tag != TlbEntry::kInvalidTag &&
            m_cache->is_code(reinterpret_cast<const uint8_t*>(back.write_tag + back.addend)))
            back.write_tag = TlbEntry::kInvalidTag; // code now: stores must take the slow path
        victim.stash(regime, main);
        main = back;
        hart.tlb.note_fill(regime, vaddr, back.write_tag != TlbEntry::kInvalidTag);
        ++m_stats.victim_hits;
        return reinterpret_cast<uint8_t*>(vaddr + back.addend);
    }
    victim.stash(regime, main); // the softmmu may replace it
    ++m_stats.softmmu_calls;
    return nullptr;
}

uint32_t DbtEngine::load_slow(JitContext* ctx, uint64_t vaddr, uint64_t, uint32_t kind) {
    auto* self = static_cast<DbtEngine*>(ctx->runtime);
    const unsigned size = kind & 15;
    uint64_t v = 0;
    if (const uint8_t* host = self->victim_lookup(vaddr, size, false)) {
        std::memcpy(&v, host, size);
    } else if (kind & backend::kMemFused) {
        // Bytes the translator read as one (ir::kFusedLoad): anything but RAM already in a TLB
        // (a miss, a page crossing, MMIO, a fault) is left to the interpreter, byte by byte.
        return backend::kMemReplay;
    } else {
        const uint32_t mxcsr = _mm_getcsr(); // devices must not leave host FP flags to the guest
        const bool ok = softmmu_load(*self->m_hart, self->m_bus, vaddr, size, &v);
        _mm_setcsr(mxcsr);
        if (!ok) {
            ctx->fault_addr = vaddr;
            return backend::kMemFault;
        }
    }
    if (size < 8) {
        const unsigned shift = 64 - 8 * size;
        v = (kind & 16) ? uint64_t(int64_t(v << shift) >> shift) : (v << shift) >> shift;
    }
    ctx->helper_value = v;
    return backend::kMemOk;
}

uint32_t DbtEngine::store_slow(JitContext* ctx, uint64_t vaddr, uint64_t value, uint32_t kind) {
    auto* self = static_cast<DbtEngine*>(ctx->runtime);
    if (uint8_t* host = self->victim_lookup(vaddr, kind & 15, true)) {
        std::memcpy(host, &value, kind & 15);
        return backend::kMemOk;
    }
    const uint64_t invalidations = self->m_cache->invalidations();
    const uint32_t mxcsr = _mm_getcsr();
    const bool ok = softmmu_store(*self->m_hart, self->m_bus, vaddr, kind & 15, value);
    _mm_setcsr(mxcsr);
    if (!ok) {
        ctx->fault_addr = vaddr;
        return backend::kMemFault;
    }
    return self->m_cache->invalidations() != invalidations ? backend::kMemCodeChanged
                                                           : backend::kMemOk;
}

uint32_t DbtEngine::interp_step(JitContext* ctx, uint64_t, uint64_t) {
    auto* self = static_cast<DbtEngine*>(ctx->runtime);
    riscv::HartState& s = *ctx->state;
    fold_host_fp_flags(s);
    const uint64_t saved = s.instret; // the dispatcher accounts for this instruction
    SystemMemoryPolicy policy(*self->m_hart, self->m_bus);
    const Exit e = interp::run(s, policy, 1);
    s.instret = saved;
    _mm_setcsr(kMxcsrDefault);
    if (e.kind == ExitKind::Budget) return 0;
    self->m_helper_exit = e;
    return 1;
}

uint32_t DbtEngine::exec(JitContext* ctx, uint64_t raw, uint64_t) {
    auto* self = static_cast<DbtEngine*>(ctx->runtime);
    riscv::HartState& s = *ctx->state;
    fold_host_fp_flags(s);
    const decoder::DecodedInsn d = decoder::decode(uint32_t(raw));
    const bool ok = interp::fp_execute(s, d); // CSRs never get here in system mode
    _mm_setcsr(kMxcsrDefault);
    if (ok) return 0;
    self->m_helper_exit = Exit{ExitKind::IllegalInstruction, s.pc, 0, d.raw};
    return 1;
}

uint32_t DbtEngine::sys_insn(JitContext* ctx, uint64_t raw, uint64_t) {
    using riscv::mstatus::kMxr;
    auto* self = static_cast<DbtEngine*>(ctx->runtime);
    SystemHart& hart = *self->m_hart;
    const decoder::DecodedInsn d = decoder::decode(uint32_t(raw));
    // Counters other than time need the exact instret (and writes change it): the loop does them.
    const bool counter = (d.csr >= 0xb00 && d.csr < 0xba0) || (d.csr >= 0xc00 && d.csr < 0xca0);
    const bool is_csr = d.op != decoder::Op::SfenceVma;
    if (!hart.clock || (is_csr && counter && d.csr != riscv::csr::kTime))
        return backend::kSysBefore;
    fold_host_fp_flags(hart.state); // fflags must be current
    const TlbRegime data = hart.data_regime();
    const frontend::FpState fp = fp_state(hart.priv.mstatus);
    const uint64_t satp = hart.priv.satp, mxr = hart.priv.mstatus & kMxr;
    const uint64_t time = hart.clock();
    const SystemInsnResult r = execute_system_insn(hart, d, time);
    _mm_setcsr(kMxcsrDefault);
    if (r != SystemInsnResult::Done) return backend::kSysBefore; // illegal: the loop raises it
    if (hart.data_regime() != data) // SUM, MPRV or MPP: loads and stores use another table
        ctx->mem_base = reinterpret_cast<uint8_t*>(hart.tlb.entries[unsigned(hart.data_regime())]);
    // Translated code depends on the FP state and on the TLB (satp, MXR, sfence.vma): leave
    // right after the instruction when those changed, and go back to the loop when an
    // interrupt is now to be taken before the next instruction.
    bool leave = !is_csr || fp_state(hart.priv.mstatus) != fp || hart.priv.satp != satp ||
                 (hart.priv.mstatus & kMxr) != mxr;
    if (is_csr && riscv::pending_interrupt(hart.priv, time)) {
        self->m_yield = true;
        leave = true;
    }
    if (!leave) return backend::kSysDone;
    ++self->m_stats.csr_leaves;
    return backend::kSysAfter;
}

} // namespace machina::dbt::system
