// Translator: code cache, block map, translation, flush and host-pc lookups.
#include "accel/dbt/runtime/translator.h"

#include <fmt/format.h>

#include <iterator>

#include "accel/dbt/frontend/riscv64/frontend.h"
#include "accel/dbt/ir/passes/passes.h"
#include "accel/dbt/ir/printer.h"
#include "accel/dbt/ir/verifier.h"
#include "accel/dbt/runtime/block_info.h"
#include "accel/dbt/runtime/perf_map.h"
#include "base/log.h"

namespace machina::dbt {

Result<std::unique_ptr<Translator>> Translator::create(const TranslatorOptions& options) {
    std::unique_ptr<Translator> t(new Translator());
    t->m_options = options;
    if (t->m_options.max_block_insns == 0 || t->m_options.max_block_insns > 256)
        return Error::make("max_block_insns must be 1-256, not {}", options.max_block_insns);
    if (options.code_size < 4 * backend::kMaxBlockCode)
        return Error::make("code cache of {} bytes is too small", options.code_size);
    t->m_buffer.reset(TRY_CTX(backend::CodeBuffer::create(options.code_size), "code cache"));
    t->m_tramp = TRY(backend::emit_trampolines(*t->m_buffer, options.pinned_regs));
    t->m_tramp_bytes = t->m_buffer->used();
    t->m_features = backend::HostFeatures::detect();
    // Blocks take well over 128 bytes of host code on average; if the index fills first, the
    // cache is flushed early, which is harmless.
    t->m_by_host_capacity = options.code_size / 128;
    t->m_by_host.reset(new std::atomic<const BlockInfo*>[t->m_by_host_capacity]);
    static std::atomic<uint64_t> next_id{1};
    t->m_id = next_id.fetch_add(1);
    return t;
}

Translator::~Translator() = default;

bool Translator::build_ir(uint64_t pc, const interp::UserMemory& memory, ir::Block& block,
                          unsigned max_insns) const {
    if (!frontend::translate_block(memory, pc, block, max_insns, m_features.fma)) return false;
    if (log::enabled(log::kInAsm))
        for (const auto& [start, end] : block.segments)
            dump_guest_block(memory, start, end);
    ir::passes::run_all(block);
    ir::passes::simplify_word_ops(block);
    ir::passes::fuse_byte_loads(block);  // user mode: a fused load's fault is replayed
    ir::passes::fuse_byte_stores(block); // and so is a fused store's
    ir::passes::fold_address_offsets(block);
    if (log::enabled(log::kOp)) log::cat(log::kOp, "OP after passes:\n{}\n", ir::print(block));
#ifndef NDEBUG // the IR tests verify in every build; release translation skips it
    ASSERT(ir::verify(block).ok(), "translator produced invalid IR");
#endif
    return true;
}

const Translator::BlockInfo* Translator::translate(uint64_t pc, const interp::UserMemory& memory,
                                                   bool* full) {
    *full = false;
    // The IR is built outside the code lock, so threads translate in parallel and lookups never
    // wait for a translation; only compiling into the shared buffer is serialized. With -d
    // dumps on, everything is, so that each block's dump stays in one piece.
    std::unique_lock code(m_code_mutex, std::defer_lock);
    const bool dumping =
        log::enabled(log::kInAsm) || log::enabled(log::kOp) || log::enabled(log::kOutAsm);
    if (dumping) code.lock();
    // A block the backend cannot compile (out of spill slots) is retried shorter.
    thread_local ir::Block block; // reused: its storage stays allocated between translations
    Result<backend::CompiledBlock> compiled = Error::make("not compiled");
    for (unsigned limit = m_options.max_block_insns; limit > 0; limit /= 2) {
        if (!build_ir(pc, memory, block, limit)) return nullptr;
        if (!code.owns_lock()) code.lock();
        if (const BlockInfo* done = find_block(pc)) return done; // another thread was faster
        if (m_buffer->remaining() < 2 * backend::kMaxBlockCode ||
            m_by_host_count.load(std::memory_order_relaxed) >= m_by_host_capacity) {
            *full = true;
            return nullptr;
        }
        ASSERT(memory.limit == m_code_limit.load(std::memory_order_relaxed),
               "translating for another memory size than the cache holds code for");
        compiled =
            backend::compile_block(block, *m_buffer, m_tramp, m_features, nullptr, memory.limit);
        if (compiled.ok()) break;
        log::debug("translating {:#x} ({} insns): {}", pc, limit, compiled.error().message);
        if (!dumping) code.unlock();
    }
    if (!compiled.ok()) {
        log::warn("translating {:#x}: {}; interpreting it", pc, compiled.error().message);
        return nullptr;
    }
    if (log::enabled(log::kOutAsm)) dump_host_block(*compiled);
    if (perf_map_enabled()) perf_map_note(compiled->entry, compiled->size, pc);
    auto info = std::make_unique<BlockInfo>();
    info->guest_pc = pc;
    info->guest_end = block.end_pc;
    info->guest_insns = block.guest_insns;
    info->code = std::move(*compiled);
    BlockInfo* raw = info.get();
    {
        std::unique_lock map(m_map_mutex);
        m_blocks[pc] = std::move(info);
    }
    size_t n = m_by_host_count.load(std::memory_order_relaxed);
    m_by_host[n].store(raw, std::memory_order_relaxed);
    m_by_host_count.store(n + 1, std::memory_order_release);
    ++m_stats.blocks_translated;
    m_stats.carried_loops += raw->code.carried != 0;
    for (const ir::Inst& inst : block.insts)
        m_stats.side_exits += inst.op == ir::Opcode::ExitIf;
    return raw;
}

const Translator::BlockInfo* Translator::find_block(uint64_t pc) const {
    std::shared_lock map(m_map_mutex);
    auto it = m_blocks.find(pc);
    return it != m_blocks.end() ? it->second.get() : nullptr;
}

Translator::Lookup Translator::find_or_translate(uint64_t pc, const interp::UserMemory& memory,
                                                 const BlockInfo** out) {
    if ((*out = find_block(pc))) return Lookup::Found;
    if (m_options.hot_visits > 1) {
        std::lock_guard visits(m_visits_mutex);
        auto [visit, fresh] = m_visits.try_emplace(pc, 0);
        if (++visit->second < m_options.hot_visits) return Lookup::Cold;
        m_visits.erase(visit);
    }
    bool full = false;
    *out = translate(pc, memory, &full);
    if (*out) return Lookup::Found;
    return full ? Lookup::Full : Lookup::Untranslatable;
}

void Translator::flush_locked() {
    m_blocks.clear();
    m_visits.clear();
    m_by_host_count.store(0, std::memory_order_release);
    m_buffer->reset(m_tramp_bytes);
    m_generation.fetch_add(1, std::memory_order_acq_rel);
    ++m_stats.flushes;
}

void Translator::flush() {
    std::lock_guard gate(m_flush_gate); // threads arriving now wait here until the flush is done
    m_flush_waiters.fetch_add(1, std::memory_order_acq_rel); // running threads step aside
    {
        std::unique_lock exec(m_exec); // no thread is inside translated code now
        std::lock_guard code(m_code_mutex);
        std::unique_lock map(m_map_mutex);
        std::lock_guard visits(m_visits_mutex);
        flush_locked();
    }
    m_flush_waiters.fetch_sub(1, std::memory_order_acq_rel);
}

const Translator::BlockInfo* Translator::block_at_host(uintptr_t host_pc) const {
    size_t lo = 0, hi = m_by_host_count.load(std::memory_order_acquire);
    while (lo < hi) { // first block whose entry is above host_pc
        size_t mid = (lo + hi) / 2;
        if (m_by_host[mid].load(std::memory_order_relaxed)->code.entry <= host_pc) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo == 0) return nullptr;
    const BlockInfo* b = m_by_host[lo - 1].load(std::memory_order_relaxed);
    return host_pc < b->code.entry + b->code.size ? b : nullptr;
}

uintptr_t Translator::fault_resume_address(uintptr_t host_pc, bool* guest_fault) const {
    const BlockInfo* b = block_at_host(host_pc);
    if (!b) return 0;
    for (const backend::FaultSite& s : b->code.sites) {
        if (b->code.entry + s.host_offset != host_pc) continue;
        if (guest_fault) *guest_fault = !s.replay;
        return b->code.entry + s.stub_offset;
    }
    return 0;
}

bool Translator::lookup_guest_pc(uintptr_t host_pc, riscv::HartState& state) const {
    const BlockInfo* b = block_at_host(host_pc);
    if (!b) return false;
    for (const backend::FaultSite& s : b->code.sites) {
        if (b->code.entry + s.host_offset == host_pc) {
            state.pc = s.guest_pc;
            return true;
        }
    }
    return false;
}

bool Translator::in_code_cache(uintptr_t host_pc) const {
    return m_buffer->contains(host_pc);
}

TranslatorStats Translator::stats() const {
    std::lock_guard code(m_code_mutex);
    TranslatorStats s = m_stats;
    s.links = m_links.load(std::memory_order_relaxed);
    s.interp_fallbacks = m_fallbacks.load(std::memory_order_relaxed);
    s.entries = m_entries.load(std::memory_order_relaxed);
    s.cold_runs = m_cold_runs.load(std::memory_order_relaxed);
    for (unsigned k = 0; k < backend::kJitExitCount; ++k)
        s.exits[k] = m_exits[k].load(std::memory_order_relaxed);
    return s;
}

std::string format_stats(const TranslatorStats& s) {
    static constexpr const char* kExitNames[] = {
        // in backend::JitExit's order
        "link",    "lookup",     "budget-short", "ecall",  "ebreak",    "illegal",
        "fence.i", "load-fault", "store-fault",  "helper", "interpret", "system"};
    static_assert(std::size(kExitNames) == backend::kJitExitCount, "a JitExit without a name");
    std::string out = fmt::format(
        "dbt: {} blocks translated ({} carried loops, {} side exits), {} links, {} flushes\n"
        "dbt: {} entries into translated code, {} cold straight-line runs, {} interpreter runs\n"
        "dbt: exits:",
        s.blocks_translated, s.carried_loops, s.side_exits, s.links, s.flushes, s.entries,
        s.cold_runs, s.interp_fallbacks);
    for (unsigned k = 0; k < backend::kJitExitCount; ++k)
        if (s.exits[k]) out += fmt::format(" {} {}", kExitNames[k], s.exits[k]);
    out += '\n';
    return out;
}

} // namespace machina::dbt
