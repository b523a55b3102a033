#include "accel/dbt/system/dbt_engine.h"

#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "accel/dbt/interp/interp_core.h"
#include "accel/dbt/system/dbt_heat.h"
#include "accel/dbt/system/softmmu.h"
#include "accel/dbt/system/system_memory_policy.h"
#include "base/log.h"

namespace machina::dbt::system {

using backend::JitContext;
using backend::JitExit;
using interp::Exit;
using interp::ExitKind;

DbtEngine::DbtEngine(PhysicalBus& bus, std::unique_ptr<DbtCodeCache> cache, uint32_t hot_visits)
    : m_bus(bus), m_cache(std::move(cache)), m_hot_visits(std::max(hot_visits, 1u)) {
    m_cache->on_new_code_page = [this](uintptr_t page) {
        for (const auto& h : m_harts)
            if (h) h->hart->tlb.drop_writes_to_host_page(page);
    };
    m_bus.set_code_tracker(m_cache.get());
}

DbtEngine::~DbtEngine() {
    m_bus.set_code_tracker(nullptr);
    const DbtStats c = m_cache->stats();
    const DbtEngineStats& s = m_stats;
    log::info(
        "dbt: {} instructions ({} interpreted in {} runs); {} blocks ({} KiB), {} links, "
        "{} full flushes; {} code pages dropped by stores, {} by fence.i ({} of {} compared pages)",
        s.retired, s.interpreted, s.interpreter_runs, c.blocks, c.code_bytes / 1024, c.links,
        c.flushes, c.invalidated_pages, c.stale_pages, c.page_comparisons, c.revalidations);
    log::info("dbt: {} pages started holding code, {} of them scanned out of TLBs; {} blocks "
              "translated in the background, {} of them stale by then",
              c.new_code_pages, c.tlb_scans, c.background_requests, c.stale_translations);
    log::info("dbt: {} block entries, {} fetch walks, exits: link {} lookup {} budget {} "
              "helper {} system {}, {} inline CSR accesses left their block",
              s.block_entries, s.fetch_walks, s.jit_exits[unsigned(JitExit::Link)],
              s.jit_exits[unsigned(JitExit::Lookup)], s.jit_exits[unsigned(JitExit::BudgetShort)],
              s.jit_exits[unsigned(JitExit::Helper)], s.jit_exits[unsigned(JitExit::System)],
              s.csr_leaves);
    uint64_t flushes = 0, page_flushes = 0;
    for (const auto& h : m_harts) {
        if (!h) continue;
        flushes += h->tlb_flushes;
        page_flushes += h->tlb_page_flushes;
    }
    log::info("dbt: softmmu TLB flushes: {} full, {} single-page; slow paths: {} victim TLB hits, "
              "{} softmmu",
              flushes, page_flushes, s.victim_hits, s.softmmu_calls);
}

Exit DbtEngine::run(SystemHart& hart, uint64_t budget) {
    const uint64_t before = hart.state.instret;
    const Exit e = run_blocks(hart, budget);
    m_stats.retired += hart.state.instret - before;
    HartData& h = *m_harts[hart.index];
    h.tlb_flushes = hart.tlb.flushes;
    h.tlb_page_flushes = hart.tlb.page_flushes;
    return e;
}

DbtEngine::HartData& DbtEngine::hart_data(SystemHart& hart) {
    if (hart.index < m_harts.size() && m_harts[hart.index] && m_harts[hart.index]->hart == &hart)
        return *m_harts[hart.index];
    if (m_harts.size() <= hart.index) m_harts.resize(hart.index + 1);
    m_harts[hart.index] = std::make_unique<HartData>();
    m_harts[hart.index]->hart = &hart;
    for (auto& table : hart.tlb.entries) // entries filled before: no writes to code pages
        for (TlbEntry& e : table)
            if (e.write_tag != TlbEntry::kInvalidTag &&
                m_cache->is_code(reinterpret_cast<const uint8_t*>(e.write_tag + e.addend)))
                e.write_tag = TlbEntry::kInvalidTag;
    return *m_harts[hart.index];
}

const uint8_t* DbtEngine::next_code_page(SystemHart& hart, TlbRegime fetch, uint64_t pc) {
    const uint64_t next = (pc & ~SoftTlb::kPageMask) + SoftTlb::kPageSize;
    if (uintptr_t host = m_hart_data->code_tlb.lookup(fetch, next))
        return reinterpret_cast<const uint8_t*>(host);
    const TlbEntry& e = hart.tlb.slot(fetch, next);
    return e.exec_tag == next ? reinterpret_cast<const uint8_t*>(next + e.addend) : nullptr;
}

bool DbtEngine::interpret(uint64_t n, Exit* out) {
    ++m_stats.interpreter_runs;
    riscv::HartState& s = m_hart->state;
    SystemMemoryPolicy policy(*m_hart, m_bus);
    const uint64_t before = s.instret;
    const Exit e = interp::run(s, policy, n);
    m_stats.interpreted += s.instret - before;
    m_ctx->budget -= std::min(m_ctx->budget, s.instret - before);
    if (e.kind != ExitKind::Budget) {
        *out = e;
        return true;
    }
    return false;
}

Exit DbtEngine::run_blocks(SystemHart& hart, uint64_t budget) {
    m_hart_data = &hart_data(hart);
    DbtCodeTlb& code_tlb = m_hart_data->code_tlb;
    m_hart = &hart;
    riscv::HartState& state = hart.state;
    JitContext& ctx = backend::start_context(state);
    m_ctx = &ctx;
    ctx.budget = budget;
    ctx.system_jump_cache = m_cache->jump_cache();
    ctx.interp_step = &DbtEngine::interp_step;
    ctx.exec = &DbtEngine::exec;
    ctx.sys_insn = &DbtEngine::sys_insn;
    m_yield = false;
    ctx.load_slow = &DbtEngine::load_slow;
    ctx.store_slow = &DbtEngine::store_slow;
    ctx.runtime = this;

    uintptr_t link_site = 0; // a Link exit asks to chain its jump to the next block
    uint64_t link_key = 0, link_generation = 0;
    Exit out;
    while (true) {
        if (ctx.budget == 0 || m_yield) return Exit{ExitKind::Budget, state.pc, 0, 0};
        if (m_cache->has_finished() && m_cache->install_finished()) {
            m_cache->flush(); // a background translation found the code buffer full
            link_site = 0;
        }
        const uint64_t pc = state.pc;
        // What translated code depends on; inline CSR writes leave the block when it changes.
        const frontend::FpState fp = fp_state(hart.priv.mstatus);
        ctx.code_key_bits = uint64_t(fp) << 62;
        const TlbRegime fetch = hart.fetch_regime();
        ctx.mem_base = reinterpret_cast<uint8_t*>(hart.tlb.entries[unsigned(hart.data_regime())]);
        ctx.code_tlb_gen = code_tlb.sync(hart.tlb);
        ctx.fetch_tlb = code_tlb.table(fetch);

        // Where the code is: the code TLB, else the softmmu TLB, else a page walk.
        uintptr_t code = code_tlb.lookup(fetch, pc);
        if (!code) {
            const uint64_t page = pc & ~SoftTlb::kPageMask;
            const TlbEntry& te = hart.tlb.slot(fetch, pc);
            if (te.exec_tag != page) {
                ++m_stats.fetch_walks;
                if (softmmu_lookup(hart, m_bus, pc, riscv::AccessType::Fetch, fetch).kind ==
                    PageLookup::Kind::Fault)
                    return Exit{ExitKind::FetchFault, pc, pc, 0};
                if (te.exec_tag != page) { // code in RAM smaller than a page: never cached
                    if (interpret(1, &out)) return out;
                    continue;
                }
            }
            code = uintptr_t(pc + te.addend);
            code_tlb.fill(fetch, pc, code);
        }
        const uint64_t key = make_code_key(code, fp);
        m_cache->prefetch_entry(pc, key);
        // The jump cache, then the cache's entry: cold code is interpreted, hot code translated.
        const backend::SystemJumpCacheEntry& jc = m_cache->jump_cache()[DbtCodeCache::slot(pc)];
        uintptr_t entry = 0;
        if (jc.guest_pc == pc && jc.code_key == key) {
            entry = jc.host;
        } else {
            DbtCodeCache::Entry* e = &m_cache->entry(pc, key);
            if (!e->block) {
                const bool hot = !e->never && !e->pending && ++e->visits >= m_hot_visits;
                if (hot && m_cache->background()) { // the other thread translates it
                    m_cache->request(pc, reinterpret_cast<const uint8_t*>(code), fp,
                                     next_code_page(hart, fetch, pc));
                    e = &m_cache->entry(pc, key);
                }
                if (!hot || m_cache->background()) {
                    if (e->straight == 0)
                        e->straight = straight_line_length(
                            reinterpret_cast<const uint8_t*>(code & ~SoftTlb::kPageMask), pc);
                    link_site = 0;
                    if (interpret(std::min<uint64_t>(e->straight, ctx.budget), &out)) return out;
                    continue;
                }
                const DbtBlock* b = nullptr;
                const auto* bytes = reinterpret_cast<const uint8_t*>(code);
                const uint8_t* next = next_code_page(hart, fetch, pc);
                auto st = m_cache->translate(pc, bytes, fp, &b, next);
                if (st == DbtCodeCache::Status::Full) {
                    m_cache->flush();
                    link_site = 0;
                    st = m_cache->translate(pc, bytes, fp, &b, next);
                }
                e = &m_cache->entry(pc, key);
                if (st != DbtCodeCache::Status::Ok) {
                    e->never = true;
                    link_site = 0;
                    if (interpret(1, &out)) return out;
                    continue;
                }
            }
            m_cache->remember(*e->block);
            entry = e->block->entry;
        }
        if (link_site) {
            // Chain only inside one guest page (the emitter's rule) mapped to the same host page
            // with the same FP state: then whatever entered the source block validated this one.
            if (link_generation == m_cache->generation() &&
                code_key_page(link_key) == code_key_page(key) && link_key >> 62 == key >> 62)
                m_cache->link(link_site, entry);
            link_site = 0;
        }

        ++m_stats.block_entries;
        const uint64_t before = ctx.budget;
        ctx.unretired = 0;
        ctx.entry_budget = before;
        _mm_setcsr(kMxcsrDefault);
        m_cache->trampolines().enter(&ctx, entry);
        fold_host_fp_flags(state);
        ctx.budget += ctx.unretired; // charged on block entry but never executed
        state.instret += before - ctx.budget;
        const JitExit why = JitExit(ctx.exit_reason);
        ++m_stats.jit_exits[unsigned(why) & 15];
        if (ctx.budget == 0 && why != JitExit::FenceI && why != JitExit::Link &&
            why != JitExit::Lookup) {
            // The budget ran out right before this exit's instruction: like the interpreter,
            // report the budget (the state is precise at state.pc).
            return Exit{ExitKind::Budget, state.pc, 0, 0};
        }
        switch (why) {
        case JitExit::Link:
            link_site = ctx.link_site;
            link_key = ctx.link_key;
            link_generation = m_cache->generation();
            continue;
        case JitExit::Lookup: continue;
        case JitExit::Interpret:
            if (interpret(1, &out)) return out;
            continue;
        case JitExit::BudgetShort:
            if (interpret(ctx.budget, &out)) return out;
            continue;
        case JitExit::Ecall: return Exit{ExitKind::Ecall, state.pc, 0, 0};
        case JitExit::Ebreak: return Exit{ExitKind::Ebreak, state.pc, 0, 0};
        case JitExit::Illegal:
            return Exit{ExitKind::IllegalInstruction, state.pc, 0, ctx.exit_insn};
        case JitExit::System: return Exit{ExitKind::System, state.pc, 0, ctx.exit_insn};
        case JitExit::FenceI: return Exit{ExitKind::FenceI, state.pc, 0, 0};
        case JitExit::LoadFault: return Exit{ExitKind::LoadFault, state.pc, ctx.fault_addr, 0};
        case JitExit::StoreFault: return Exit{ExitKind::StoreFault, state.pc, ctx.fault_addr, 0};
        case JitExit::Helper: return m_helper_exit;
        }
        UNREACHABLE();
    }
}

namespace {
/// CPUs this process may run on (its affinity: taskset, cpusets), at least 1.
int usable_cpus() {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
    return int(std::max(1u, std::thread::hardware_concurrency()));
}
} // namespace

std::unique_ptr<HartEngine> make_dbt_engine(PhysicalBus& bus, const DbtEngineOptions& options) {
    auto from_env = [](int option, const char* name, int fallback) {
        if (option >= 0) return option;
        const char* env = std::getenv(name);
        return env ? int(std::strtoul(env, nullptr, 0)) : fallback;
    };
    const int background =
        from_env(options.background, "MACHINA_DBT_BACKGROUND", int(usable_cpus() > 1));
    const int side_exits = from_env(options.side_exits, "MACHINA_DBT_SIDE_EXITS", int(kSideExits));
    const uint32_t hot = uint32_t(from_env(options.hot_visits == 0 ? -1 : int(options.hot_visits),
                                           "MACHINA_DBT_HOT_VISITS",
                                           int(background ? kHotVisitsBackground : kHotVisits)));
    auto cache = DbtCodeCache::create(bus.memory(), options.code_bytes, unsigned(side_exits),
                                      background != 0);
    if (!cache.ok()) {
        log::error("translator: {}; running the interpreter instead", cache.error().message);
        return make_interp_engine(bus);
    }
    return std::make_unique<DbtEngine>(bus, std::move(*cache), hot);
}

std::unique_ptr<HartEngine> make_dbt_engine(PhysicalBus& bus) {
    return make_dbt_engine(bus, DbtEngineOptions{});
}

} // namespace machina::dbt::system
