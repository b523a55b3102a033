#include "accel/dbt/system/dbt_code_cache.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>

#include "accel/dbt/decoder/riscv64/decoder.h"
#include "accel/dbt/decoder/riscv64/disasm.h"
#include "accel/dbt/ir/passes/passes.h"
#include "accel/dbt/ir/printer.h"
#include "accel/dbt/ir/verifier.h"
#include "accel/dbt/runtime/block_info.h"
#include "accel/dbt/runtime/perf_map.h"
#include "accel/dbt/system/dbt_code_tlb.h"
#include "accel/dbt/system/softmmu_tlb.h"
#include "base/log.h"

namespace machina::dbt::system {
namespace {

constexpr uintptr_t kPageMask = SoftTlb::kPageMask;
/// Most guest instructions per block.
constexpr unsigned kMaxBlockInsns = 64;
/// Most bytes of guest code one block spans.
constexpr uint64_t kMaxBlockBytes = 4 * kMaxBlockInsns;

// The backend's TLB probe follows this layout (backend::SoftmmuOptions defaults).
static_assert(sizeof(TlbEntry) == 32);
static_assert(offsetof(TlbEntry, read_tag) == 0 && offsetof(TlbEntry, write_tag) == 8 &&
              offsetof(TlbEntry, exec_tag) == 16 && offsetof(TlbEntry, addend) == 24);
static_assert(SoftTlb::kPageBits == 12);
static_assert(DbtCodeTlb::kEntries == backend::SoftmmuOptions{}.code_entries);

/// `-d in_asm`: the guest instructions of a block, read from its host page.
void dump_guest(const uint8_t* page_host, uint64_t pc, uint64_t end) {
    std::string out = fmt::format("IN: {:#x}\n", pc);
    while (pc < end) {
        const uint64_t off = pc & kPageMask;
        uint32_t raw = 0;
        std::memcpy(&raw, page_host + off, off + 4 <= SoftTlb::kPageSize ? 4 : 2);
        const decoder::DecodedInsn d = decoder::decode(raw);
        if (d.length == 2) raw &= 0xffff;
        out += fmt::format("  {:#018x}:  {:0{}x}  {}\n", pc, raw, d.length * 2,
                           decoder::disassemble(d, pc));
        pc += d.length;
    }
    log::cat(log::kInAsm, "{}\n", out);
}

} // namespace

Result<std::unique_ptr<DbtCodeCache>> DbtCodeCache::create(const core::GuestMemory& ram,
                                                           size_t code_size, unsigned side_exits,
                                                           bool background) {
    if (code_size < 4 * backend::kMaxBlockCode)
        return Error::make("code cache of {} bytes is too small", code_size);
    std::unique_ptr<DbtCodeCache> c(new DbtCodeCache(ram));
    c->m_side_exits = side_exits;
    c->m_buffer.reset(TRY_CTX(backend::CodeBuffer::create(code_size), "code cache"));
    c->m_tramp = TRY(backend::emit_trampolines(*c->m_buffer));
    c->m_tramp_bytes = c->m_buffer->used();
    c->m_features = backend::HostFeatures::detect();
    c->m_jump_cache.reset(new backend::SystemJumpCacheEntry[backend::kSystemJumpCacheSize]);
    c->build_regions(true);
    if (background) {
        DbtCodeCache* cache = c.get();
        c->m_background = std::make_unique<DbtBackground>(
            [cache, block = ir::Block{}](TranslationJob& job) mutable {
                cache->compile(job, block);
            });
    }
    return c;
}

DbtCodeCache::~DbtCodeCache() = default;

void DbtCodeCache::build_regions(bool first) {
    std::vector<RegionBits> old = std::move(m_regions);
    m_regions.clear();
    for (const core::RamRegion& r : m_ram.regions()) {
        RegionBits rb;
        rb.host = uintptr_t(r.host);
        rb.pages = (r.size + kPageMask) >> SoftTlb::kPageBits;
        rb.bits.assign((rb.pages + 63) / 64, 0);
        // At creation no TLB entry is unknown to the engine (it checks each hart's entries
        // against is_code() before running it); RAM added later may already be in a TLB.
        rb.maybe_writable.assign((rb.pages + 63) / 64, first ? 0 : ~uint64_t(0));
        for (RegionBits& o : old) { // regions never move: keep what a known one had
            if (o.host == rb.host && o.pages == rb.pages) {
                rb.bits = std::move(o.bits);
                rb.maybe_writable = std::move(o.maybe_writable);
            }
        }
        m_regions.push_back(std::move(rb));
    }
}

DbtCodeCache::RegionBits* DbtCodeCache::region_of(uintptr_t host, uint64_t* page) {
    for (RegionBits& r : m_regions) {
        if (host >= r.host && ((host - r.host) >> SoftTlb::kPageBits) < r.pages) {
            *page = (host - r.host) >> SoftTlb::kPageBits;
            return &r;
        }
    }
    return nullptr;
}

bool DbtCodeCache::is_code(const uint8_t* host) const {
    const uintptr_t h = uintptr_t(host);
    for (const RegionBits& r : m_regions) {
        if (h >= r.host && ((h - r.host) >> SoftTlb::kPageBits) < r.pages) {
            const uint64_t page = (h - r.host) >> SoftTlb::kPageBits;
            const uint64_t bit = uint64_t(1) << (page % 64);
            if (r.bits[page / 64] & bit) return true;
            r.maybe_writable[page / 64] |= bit; // a TLB may enter it writable now
            return false;
        }
    }
    return false;
}

void DbtCodeCache::mark_code_page(uintptr_t host_page) {
    uint64_t page = 0;
    RegionBits* r = region_of(host_page, &page);
    ASSERT(r, "translated code outside guest RAM");
    uint64_t& word = r->bits[page / 64];
    const uint64_t bit = uint64_t(1) << (page % 64);
    if (word & bit) return;
    word |= bit;
    ++m_stats.new_code_pages;
    uint64_t& writable = r->maybe_writable[page / 64];
    if (!(writable & bit)) return; // no TLB was allowed to enter it writable
    writable &= ~bit;              // the scan below removes every such entry
    ++m_stats.tlb_scans;
    if (on_new_code_page) on_new_code_page(host_page);
}

void DbtCodeCache::code_written(const uint8_t* host, unsigned size) {
    const uintptr_t first = uintptr_t(host) & ~kPageMask;
    const uintptr_t last = (uintptr_t(host) + (size ? size - 1 : 0)) & ~kPageMask;
    drop_page(first);
    if (last != first && is_code(reinterpret_cast<const uint8_t*>(last))) drop_page(last);
}

void DbtCodeCache::forget_page(uintptr_t host_page) {
    uint64_t page = 0;
    if (RegionBits* r = region_of(host_page, &page))
        r->bits[page / 64] &= ~(uint64_t(1) << (page % 64));
    auto it = m_pages.find(host_page);
    if (it == m_pages.end()) return;
    for (const DbtBlock* b : it->second.blocks) {
        m_blocks.erase(b->vpc, b->code_key);
        backend::SystemJumpCacheEntry& e = m_jump_cache[slot(b->vpc)];
        if (e.host == b->entry) e = backend::SystemJumpCacheEntry{};
    }
}

void DbtCodeCache::drop_page(uintptr_t host_page) {
    forget_page(host_page);
    m_pages.erase(host_page);
    ++m_stats.invalidated_pages;
}

namespace {
/// The 64-byte chunks of a page that bytes [lo, hi) of it touch (0 < hi <= page size).
uint64_t chunks_of(uint64_t lo, uint64_t hi) {
    uint64_t mask = 0;
    for (uint64_t chunk = lo / 64; chunk <= (hi - 1) / 64; ++chunk)
        mask |= uint64_t(1) << chunk;
    return mask;
}

/// True when the 64-byte chunks in `mask` hold the same bytes at `a` and `b` (page-sized).
bool same_chunks(const uint8_t* a, const uint8_t* b, uint64_t mask) {
    while (mask) {
        const unsigned first = unsigned(__builtin_ctzll(mask));
        const uint64_t run =
            ((mask >> first) == ~uint64_t(0)) ? 64 - first : __builtin_ctzll(~(mask >> first));
        if (std::memcmp(a + 64 * first, b + 64 * first, 64 * run) != 0) return false;
        if (first + run >= 64) break;
        mask &= ~uint64_t(0) << (first + run);
    }
    return true;
}
} // namespace

void DbtCodeCache::revalidate() {
    ++m_stats.revalidations;
    // Stores by the harts to code pages are caught as they happen (those pages are never
    // writable in a TLB); only writes from outside (DMA, loaders) can have changed code behind
    // the cache's back, so without any since the last look there is nothing to compare.
    const uint64_t outside = m_ram.outside_writes();
    if (outside == m_revalidated_outside_writes) return;
    m_revalidated_outside_writes = outside;
    ++m_stats.page_comparisons;
    for (auto it = m_pages.begin(); it != m_pages.end();) {
        // Only the bytes blocks were translated from matter (tiering leaves most untouched).
        if (same_chunks(reinterpret_cast<const uint8_t*>(it->first), it->second.copy.get(),
                        it->second.chunks)) {
            ++it;
            continue;
        }
        forget_page(it->first);
        it = m_pages.erase(it);
        ++m_stats.stale_pages;
    }
}

bool DbtCodeCache::begin(TranslationJob& job) {
    const uintptr_t host = uintptr_t(job.code);
    uint64_t page_index = 0;
    if (!region_of(host, &page_index)) {
        build_regions(false); // RAM added after the cache was made
        if (!region_of(host, &page_index)) return false;
    }
    job.key = make_code_key(host, job.fp);
    job.generation = m_generation;
    const uintptr_t page = host & ~kPageMask;
    CodePage& code_page = m_pages[page];
    if (!code_page.copy) { // taken before the frontend reads, so a racing write only drops more
        code_page.copy.reset(new uint8_t[SoftTlb::kPageSize]);
        std::memcpy(code_page.copy.get(), reinterpret_cast<const uint8_t*>(page),
                    SoftTlb::kPageSize);
        code_page.serial = ++m_page_serials;
    }
    job.page_serial = code_page.serial;
    if (m_background) {
        // Until the block is known, every byte it may span counts for revalidate(): a write
        // from outside there before install_finished() drops the page: the job goes stale.
        const uint64_t lo = job.vpc & kPageMask;
        code_page.chunks |=
            chunks_of(lo, std::min<uint64_t>(lo + kMaxBlockBytes, SoftTlb::kPageSize));
    }
    mark_code_page(page);
    return true;
}

void DbtCodeCache::compile(TranslationJob& job, ir::Block& block) const {
    job.status = Status::Untranslatable;
    if (m_buffer->remaining() < 2 * backend::kMaxBlockCode) {
        job.status = Status::Full;
        return;
    }
    const frontend::SystemSource source{job.code - (job.vpc & kPageMask), job.fp, job.next_page,
                                        m_side_exits};
    backend::SoftmmuOptions options;
    options.entries = SoftTlb::kEntries;
    options.code_key = job.key;
    std::string why = "not compiled";
    // A block the backend cannot compile (out of spill slots) is retried shorter.
    for (unsigned limit = kMaxBlockInsns; limit > 0; limit /= 2) {
        if (!frontend::translate_block_system(source, job.vpc, block, limit, m_features.fma))
            return;
        if (log::enabled(log::kInAsm)) dump_guest(source.page_host, block.pc, block.end_pc);
        ir::passes::run_all(block);
        ir::passes::simplify_word_ops(block);
        ir::passes::fuse_byte_loads(block); // a fused load that misses the TLB is replayed
        if (log::enabled(log::kOp)) log::cat(log::kOp, "OP after passes:\n{}\n", ir::print(block));
#ifndef NDEBUG // the IR tests verify in every build; release translation skips it
        ASSERT(ir::verify(block).ok(), "translator produced invalid IR");
#endif
        auto result = backend::compile_block(block, *m_buffer, m_tramp, m_features, &options);
        if (result.ok()) {
            job.compiled = std::move(*result);
            job.guest_insns = block.guest_insns;
            job.end_pc = block.end_pc;
            job.status = Status::Ok;
            if (log::enabled(log::kOutAsm)) dump_host_block(job.compiled);
            if (perf_map_enabled()) perf_map_note(job.compiled.entry, job.compiled.size, job.vpc);
            return;
        }
        why = result.error().message;
        log::debug("translating {:#x} ({} insns): {}", job.vpc, limit, why);
    }
    log::warn("translating {:#x}: {}; interpreting it", job.vpc, why);
}

bool DbtCodeCache::current(const TranslationJob& job) const {
    if (job.generation != m_generation) return false;
    auto it = m_pages.find(uintptr_t(job.code) & ~kPageMask);
    return it != m_pages.end() && it->second.serial == job.page_serial;
}

DbtCodeCache::Status DbtCodeCache::install(TranslationJob& job, const DbtBlock** out) {
    *out = nullptr;
    const uintptr_t page = uintptr_t(job.code) & ~kPageMask;
    CodePage& code_page = m_pages[page];
    if (job.status != Status::Ok) {
        if (code_page.blocks.empty()) { // no code came from it after all
            forget_page(page);
            m_pages.erase(page);
        }
        return job.status;
    }
    DbtBlock* b = &m_storage.emplace_back();
    b->vpc = job.vpc;
    b->code_key = job.key;
    b->guest_insns = job.guest_insns;
    b->entry = job.compiled.entry;
    b->size = job.compiled.size;
    code_page.blocks.push_back(b);
    const uint64_t lo = job.vpc & kPageMask;
    code_page.chunks |=
        chunks_of(lo, std::min<uint64_t>(lo + (job.end_pc - job.vpc), SoftTlb::kPageSize));
    m_blocks(job.vpc, job.key).block = b;
    *out = b;
    m_stats.code_bytes += b->size;
    ++m_stats.blocks;
    return Status::Ok;
}

DbtCodeCache::Status DbtCodeCache::translate(uint64_t vpc, const uint8_t* code,
                                             frontend::FpState fp, const DbtBlock** out,
                                             const uint8_t* next_page) {
    ASSERT(!m_background, "translate() with the background thread on: use request()");
    *out = nullptr;
    if (m_buffer->remaining() < 2 * backend::kMaxBlockCode) return Status::Full;
    TranslationJob job;
    job.vpc = vpc;
    job.code = code;
    job.fp = fp;
    job.next_page = next_page;
    if (!begin(job)) return Status::Untranslatable;
    compile(job, m_block);
    return install(job, out);
}

void DbtCodeCache::request(uint64_t vpc, const uint8_t* code, frontend::FpState fp,
                           const uint8_t* next_page) {
    ASSERT(m_background, "request() without the background thread");
    TranslationJob job;
    job.vpc = vpc;
    job.code = code;
    job.fp = fp;
    job.next_page = next_page;
    if (!begin(job)) {
        m_blocks(vpc, make_code_key(uintptr_t(code), fp)).never = true;
        return;
    }
    m_blocks(vpc, job.key).pending = true;
    ++m_stats.background_requests;
    m_background->submit(std::move(job));
}

bool DbtCodeCache::install_finished() {
    m_background->take_finished(m_finished);
    bool full = false;
    for (TranslationJob& job : m_finished) {
        if (job.generation != m_generation) continue; // flushed meanwhile: its entry is gone
        if (Entry* e = m_blocks.find(job.vpc, job.key)) e->pending = false;
        if (job.status == Status::Full) {
            full = true;
            continue;
        }
        if (!current(job)) { // its page was dropped (and maybe made again) meanwhile
            ++m_stats.stale_translations;
            continue;
        }
        const DbtBlock* b = nullptr;
        if (install(job, &b) != Status::Ok) m_blocks(job.vpc, job.key).never = true;
    }
    m_finished.clear();
    return full;
}

void DbtCodeCache::link(uintptr_t site, uintptr_t target) {
    backend::patch_jump(*m_buffer, site, target);
    ++m_stats.links;
}

void DbtCodeCache::flush() {
    if (m_background) m_background->cancel_all(); // nothing writes code from here on
    m_blocks.clear();
    m_pages.clear();
    m_storage.clear();
    m_buffer->reset(m_tramp_bytes);
    for (uint32_t i = 0; i < backend::kSystemJumpCacheSize; ++i)
        m_jump_cache[i] = backend::SystemJumpCacheEntry{};
    for (RegionBits& r : m_regions)
        std::fill(r.bits.begin(), r.bits.end(), 0);
    ++m_generation;
    ++m_stats.flushes;
}

} // namespace machina::dbt::system
