// translate_bench: what translating one system-mode block costs, stage by stage.
//
// The blocks are real: the RISC-V Linux kernel Image that the boot benchmark runs
// ($MACHINA_CACHE or ~/.cache/machina, linux-riscv64/Image and System.map). Every function in
// [_stext, _etext) contributes its first blocks (followed block by block through end_pc), and a
// fixed stride keeps about kTargetBlocks of them, the number a boot translates. Each benchmark
// iteration translates one block of that list, cycling; the `us_per_block` counter is the figure
// to compare before and after a change.
//   build/rel/bench/machina-translate-bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "accel/dbt/backend/x86_64/backend.h"
#include "accel/dbt/decoder/riscv64/decoder.h"
#include "accel/dbt/frontend/riscv64/frontend.h"
#include "accel/dbt/ir/passes/passes.h"
#include "accel/dbt/system/dbt_code_cache.h"
#include "core/guest_memory.h"

namespace {

using namespace machina;
using namespace machina::dbt;

constexpr uint64_t kKernelVirt = 0xffffffff80000000ull; ///< where the Image is linked
constexpr uint64_t kKernelPhys = 0x80200000ull;         ///< where the board loads it
constexpr size_t kTargetBlocks = 24000;                 ///< about one boot's worth
constexpr unsigned kBlocksPerFunction = 4;
constexpr frontend::FpState kFp = frontend::FpState::Off; // the kernel runs with FS off

/// The kernel in guest RAM and the block starts to translate.
struct Corpus {
    core::GuestMemory ram;
    std::vector<uint64_t> starts; ///< guest virtual pcs
    std::string error;            ///< set when the assets are missing

    /// Host address of guest virtual `vpc`.
    const uint8_t* host(uint64_t vpc) const {
        return ram.host_ptr(vpc - kKernelVirt + kKernelPhys);
    }
    /// Host address of the first byte of `vpc`'s page.
    const uint8_t* page(uint64_t vpc) const { return host(vpc & ~uint64_t(0xfff)); }
};

std::string read_all(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

Corpus* load_corpus() {
    auto* c = new Corpus;
    const char* env = std::getenv("MACHINA_CACHE");
    const std::string dir =
        env ? std::string(env) : std::string(std::getenv("HOME")) + "/.cache/machina";
    const std::string image = read_all(dir + "/linux-riscv64/Image");
    const std::string map = read_all(dir + "/linux-riscv64/System.map");
    if (image.empty() || map.empty()) {
        c->error = "no " + dir + "/linux-riscv64/{Image,System.map} (scripts/assets)";
        return c;
    }
    const uint64_t size = (image.size() + 0xfff) & ~uint64_t(0xfff);
    if (!c->ram.add_ram(kKernelPhys, size, "kernel").ok() ||
        !c->ram.write(kKernelPhys, image.data(), image.size()).ok()) {
        c->error = "cannot map the kernel";
        return c;
    }
    std::vector<uint64_t> funcs;
    uint64_t stext = 0, etext = 0;
    std::istringstream lines(map);
    std::string addr, kind, name;
    while (lines >> addr >> kind >> name) {
        const uint64_t a = std::strtoull(addr.c_str(), nullptr, 16);
        if (name == "_stext") stext = a;
        if (name == "_etext") etext = a;
        if (kind == "t" || kind == "T") funcs.push_back(a);
    }
    std::sort(funcs.begin(), funcs.end());
    funcs.erase(std::unique(funcs.begin(), funcs.end()), funcs.end());
    std::vector<uint64_t> all;
    ir::Block block;
    for (size_t i = 0; i < funcs.size(); ++i) {
        const uint64_t f = funcs[i];
        if (f < stext || f >= etext) continue;
        const uint64_t end = i + 1 < funcs.size() ? std::min(funcs[i + 1], etext) : etext;
        uint64_t pc = f;
        for (unsigned n = 0; n < kBlocksPerFunction && pc < end; ++n) {
            const frontend::SystemSource src{c->page(pc), kFp};
            if (!frontend::translate_block_system(src, pc, block)) break;
            all.push_back(pc);
            pc = block.end_pc;
        }
    }
    const size_t stride = std::max<size_t>(1, all.size() / kTargetBlocks);
    for (size_t i = 0; i < all.size(); i += stride)
        c->starts.push_back(all[i]);
    return c;
}

const Corpus& corpus() {
    static const Corpus* c = load_corpus();
    return *c;
}

/// Skips the benchmark when the kernel is missing; true when it may run.
bool ready(benchmark::State& state) {
    if (!corpus().error.empty()) {
        state.SkipWithError(corpus().error.c_str());
        return false;
    }
    return true;
}

void report(benchmark::State& state) {
    state.SetItemsProcessed(int64_t(state.iterations()));
    state.counters["us_per_block"] =
        benchmark::Counter(double(state.iterations()) * 1e-6,
                           benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    state.counters["blocks"] = double(corpus().starts.size());
}

/// Decoding alone: every instruction of the blocks in the list, one block per iteration.
void BM_Decode(benchmark::State& state) {
    if (!ready(state)) return;
    const Corpus& c = corpus();
    ir::Block block;
    std::vector<uint32_t> raws;
    for (uint64_t pc : c.starts) { // the instructions each block holds, as fetched
        frontend::translate_block_system({c.page(pc), kFp}, pc, block);
        for (uint64_t at = pc; at < block.end_pc;) {
            uint32_t raw = 0;
            std::memcpy(&raw, c.host(at), (at & 0xfff) <= 0xffc ? 4 : 2);
            if ((raw & 3) != 3) raw &= 0xffff;
            raws.push_back(raw);
            at += (raw & 3) == 3 ? 4 : 2;
        }
    }
    size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(decoder::decode(raws[i]));
        i = i + 1 == raws.size() ? 0 : i + 1;
    }
    state.SetItemsProcessed(int64_t(state.iterations()));
}
BENCHMARK(BM_Decode);

/// Decoding and IR building only.
void BM_Frontend(benchmark::State& state) {
    if (!ready(state)) return;
    const Corpus& c = corpus();
    ir::Block block;
    size_t i = 0;
    uint64_t insns = 0, values = 0;
    for (auto _ : state) {
        const uint64_t pc = c.starts[i];
        i = i + 1 == c.starts.size() ? 0 : i + 1;
        frontend::translate_block_system({c.page(pc), kFp}, pc, block);
        insns += block.guest_insns;
        values += block.insts.size();
        benchmark::DoNotOptimize(block.insts.data());
    }
    report(state);
    state.counters["insns_per_block"] = double(insns) / double(state.iterations());
    state.counters["ir_per_block"] = double(values) / double(state.iterations());
}
BENCHMARK(BM_Frontend);

/// Frontend and the IR passes.
void BM_FrontendPasses(benchmark::State& state) {
    if (!ready(state)) return;
    const Corpus& c = corpus();
    ir::Block block;
    size_t i = 0;
    for (auto _ : state) {
        const uint64_t pc = c.starts[i];
        i = i + 1 == c.starts.size() ? 0 : i + 1;
        frontend::translate_block_system({c.page(pc), kFp}, pc, block);
        ir::passes::run_all(block);
        benchmark::DoNotOptimize(block.insts.data());
    }
    report(state);
}
BENCHMARK(BM_FrontendPasses);

/// Frontend, passes and the x86-64 backend into a code buffer (reset when it fills).
void BM_Compile(benchmark::State& state) {
    if (!ready(state)) return;
    const Corpus& c = corpus();
    auto buffer = backend::CodeBuffer::create(64u << 20);
    if (!buffer.ok()) {
        state.SkipWithError("no code buffer");
        return;
    }
    std::unique_ptr<backend::CodeBuffer> buf(*buffer);
    const backend::Trampolines tramp = *backend::emit_trampolines(*buf);
    const size_t keep = buf->used();
    const backend::HostFeatures features = backend::HostFeatures::detect();
    backend::SoftmmuOptions options;
    ir::Block block;
    size_t i = 0;
    for (auto _ : state) {
        const uint64_t pc = c.starts[i];
        i = i + 1 == c.starts.size() ? 0 : i + 1;
        frontend::translate_block_system({c.page(pc), kFp}, pc, block);
        ir::passes::run_all(block);
        if (buf->remaining() < 2 * backend::kMaxBlockCode) buf->reset(keep);
        options.code_key = uintptr_t(c.host(pc));
        auto out = backend::compile_block(block, *buf, tramp, features, &options);
        benchmark::DoNotOptimize(out.ok());
    }
    report(state);
}
BENCHMARK(BM_Compile);

/// The whole of DbtCodeCache::translate, as the system-mode engine calls it.
void BM_CodeCacheTranslate(benchmark::State& state) {
    if (!ready(state)) return;
    const Corpus& c = corpus();
    auto cache = system::DbtCodeCache::create(c.ram, 64u << 20);
    if (!cache.ok()) {
        state.SkipWithError("no code cache");
        return;
    }
    size_t i = 0;
    for (auto _ : state) {
        const uint64_t pc = c.starts[i];
        i = i + 1 == c.starts.size() ? 0 : i + 1;
        if (i == 0) (*cache)->flush(); // a new round re-translates the same blocks
        const system::DbtBlock* b = nullptr;
        auto st = (*cache)->translate(pc, c.host(pc), kFp, &b);
        if (st == system::DbtCodeCache::Status::Full) {
            (*cache)->flush();
            st = (*cache)->translate(pc, c.host(pc), kFp, &b);
        }
        benchmark::DoNotOptimize(b);
    }
    report(state);
}
BENCHMARK(BM_CodeCacheTranslate);

/// Not a timing: compiles every block once into a fresh buffer and reports a hash of the host
/// code and its size, so a change meant to leave the generated code alone can be checked
/// (compare `checksum` before and after under `setarch -R`, which fixes the buffer address).
void BM_CodeChecksum(benchmark::State& state) {
    if (!ready(state)) return;
    const Corpus& c = corpus();
    const backend::HostFeatures features = backend::HostFeatures::detect();
    for (auto _ : state) {
        auto buffer = backend::CodeBuffer::create(256u << 20);
        if (!buffer.ok()) {
            state.SkipWithError("no code buffer");
            return;
        }
        std::unique_ptr<backend::CodeBuffer> buf(*buffer);
        const backend::Trampolines tramp = *backend::emit_trampolines(*buf);
        const size_t start = buf->used();
        backend::SoftmmuOptions options;
        ir::Block block;
        for (uint64_t pc : c.starts) {
            frontend::translate_block_system({c.page(pc), kFp}, pc, block);
            ir::passes::run_all(block);
            options.code_key = pc;
            if (!backend::compile_block(block, *buf, tramp, features, &options).ok()) break;
        }
        uint64_t h = 0xcbf29ce484222325ull; // FNV-1a
        const uint8_t* p = buf->to_writable(buf->exec_base());
        for (size_t k = start; k < buf->used(); ++k)
            h = (h ^ p[k]) * 0x100000001b3ull;
        state.counters["checksum"] = double(h & ((uint64_t(1) << 52) - 1));
        state.counters["code_bytes"] = double(buf->used() - start);
    }
}
BENCHMARK(BM_CodeChecksum)->Iterations(1);

} // namespace

BENCHMARK_MAIN();
