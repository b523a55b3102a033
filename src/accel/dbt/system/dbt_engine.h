#pragma once
// DbtEngine: the translator engine for system-mode harts (internal to accel/dbt/system; the
// rest of machina gets it from make_dbt_engine()). It runs translated blocks from DbtCodeCache
// and turns their exits into the interpreter's precise interp::Exit values.
//
// Each dispatcher step finds where the code at pc is (the hart's code TLB, else the softmmu TLB,
// else a page walk: a fault is a FetchFault exit), finds the block for (pc, host address of the
// code, FP state) through the jump cache or the cache's entry, interprets it while it is cold,
// translates it when hot, chains the jump that led there when it stays in the same guest and
// host page, and enters it. The data-regime TLB table goes to r14 (an inline CSR write that
// changes SUM, MPRV or MPP moves it). Translated code subtracts each block's instructions from
// the budget on entry, so run() returns within `budget` instructions; the interpreter finishes
// budget tails and runs what the translator leaves to it, with the interpreter engine's memory
// policy. The helpers translated code calls (softmmu slow paths, interpreter steps, FP
// executor, inline CSR accesses) are in dbt_helpers.cc.

#include <xmmintrin.h>

#include <memory>
#include <vector>

#include "accel/dbt/backend/x86_64/jit_context.h"
#include "accel/dbt/frontend/riscv64/frontend.h"
#include "accel/dbt/system/dbt_code_cache.h"
#include "accel/dbt/system/dbt_code_tlb.h"
#include "accel/dbt/system/dbt_victim_tlb.h"
#include "accel/dbt/system/hart_engine.h"

namespace machina::dbt::system {

/// MXCSR with every exception masked, flags clear, round-to-nearest: what translated FP code
/// assumes.
constexpr uint32_t kMxcsrDefault = 0x1f80;

/// Moves host FP exception flags raised by translated code into fflags and clears them.
inline void fold_host_fp_flags(riscv::HartState& s) {
    const uint32_t m = _mm_getcsr();
    if (m & 0x3d) {
        s.fcsr |= (m & 0x01 ? 0x10u : 0) | (m & 0x04 ? 0x08u : 0) | (m & 0x08 ? 0x04u : 0) |
                  (m & 0x10 ? 0x02u : 0) | (m & 0x20 ? 0x01u : 0);
    }
    _mm_setcsr(kMxcsrDefault);
}

/// The FP state blocks are translated for, from mstatus.FS.
inline frontend::FpState fp_state(uint64_t mstatus) {
    switch ((mstatus & riscv::mstatus::kFs) >> riscv::mstatus::kFsShift) {
    case 0: return frontend::FpState::Off;
    case 3: return frontend::FpState::Dirty;
    default: return frontend::FpState::Clean;
    }
}

/// Engine counters, logged (MACHINA_LOG=info) when the engine goes away.
struct DbtEngineStats {
    uint64_t retired = 0;     ///< instructions retired by all run() calls
    uint64_t interpreted = 0; ///< of which by the interpreter
    uint64_t interpreter_runs = 0;
    uint64_t block_entries = 0;  ///< dispatcher entries into translated code
    uint64_t fetch_walks = 0;    ///< code not in the TLBs: page walks for a fetch
    uint64_t jit_exits[16] = {}; ///< by backend::JitExit
    uint64_t csr_leaves = 0;     ///< inline CSR accesses that left their block after running
    uint64_t victim_hits = 0;    ///< slow-path accesses served by the victim TLB
    uint64_t softmmu_calls = 0;  ///< slow-path accesses that went to the softmmu
};

/// Runs system-mode harts on translated code.
class DbtEngine final : public HartEngine {
  public:
    DbtEngine(PhysicalBus& bus, std::unique_ptr<DbtCodeCache> cache, uint32_t hot_visits);
    ~DbtEngine() override;

    interp::Exit run(SystemHart& hart, uint64_t budget) override;

    /// fence.i and reset: translations of pages whose bytes changed go (see revalidate()).
    void flush_code() override { m_cache->revalidate(); }

  private:
    /// What the engine keeps per hart.
    struct HartData {
        SystemHart* hart = nullptr;
        DbtCodeTlb code_tlb;
        DbtVictimTlb victim_tlb;
        uint64_t tlb_flushes = 0;      ///< SoftTlb::flushes after the last run (statistics)
        uint64_t tlb_page_flushes = 0; ///< SoftTlb::page_flushes after the last run
    };

    // Helpers called from translated code (dbt_helpers.cc); see backend::JitContext.
    static uint32_t load_slow(backend::JitContext* ctx, uint64_t vaddr, uint64_t, uint32_t kind);
    static uint32_t store_slow(backend::JitContext* ctx, uint64_t vaddr, uint64_t value,
                               uint32_t kind);
    static uint32_t interp_step(backend::JitContext* ctx, uint64_t, uint64_t);
    static uint32_t exec(backend::JitContext* ctx, uint64_t raw, uint64_t);
    static uint32_t sys_insn(backend::JitContext* ctx, uint64_t raw, uint64_t);

    /// run() without the accounting.
    interp::Exit run_blocks(SystemHart& hart, uint64_t budget);
    /// The record of `hart`, made on its first run (its TLB then loses write access to code).
    HartData& hart_data(SystemHart& hart);
    /// Host address of the guest page after pc's when `hart` may fetch from it and a TLB says
    /// where it is (no page walk), else nullptr: for instructions straddling a page end.
    const uint8_t* next_code_page(SystemHart& hart, TlbRegime fetch, uint64_t pc);
    /// Runs up to `n` instructions in the interpreter; true (with *out) when run() must return.
    bool interpret(uint64_t n, interp::Exit* out);
    /// Slow-path access of `size` bytes at `vaddr` that missed the softmmu TLB: brings the
    /// page's entry back from the victim TLB and returns the host address, or stashes the entry
    /// the softmmu is about to replace and returns nullptr (then take the softmmu path).
    uint8_t* victim_lookup(uint64_t vaddr, unsigned size, bool store);

    PhysicalBus& m_bus;
    std::unique_ptr<DbtCodeCache> m_cache;
    std::vector<std::unique_ptr<HartData>> m_harts; ///< by SystemHart::index
    SystemHart* m_hart = nullptr;                   ///< the hart run() is running
    HartData* m_hart_data = nullptr;                ///< and its record
    backend::JitContext* m_ctx = nullptr;           ///< the running hart's (in its HartState)
    interp::Exit m_helper_exit; ///< what a helper that returned non-zero wants run() to return
    bool m_yield = false; ///< an inline CSR write made an interrupt deliverable: back to the loop
    uint32_t m_hot_visits;
    DbtEngineStats m_stats;
};

} // namespace machina::dbt::system
