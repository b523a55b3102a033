#pragma once
// When guest code is worth translating. A Linux boot runs most of its tens of thousands of
// blocks only a handful of times, and translating a block (about 9 us: bench/translate_bench.cc)
// costs as much as interpreting it some thirty times (about 0.3 us a visit, dispatch included),
// so the engine interprets code until the dispatcher has come to it kHotVisits times
// (DbtEngineOptions::hot_visits; counted per (vpc, code key) in DbtCodeCache::Entry), then
// translates it. Measured on the Linux boot (-smp 1 and 4): 16, 24, 32 and 48 are within a few
// per cent of each other, 32 the best by a little; 8 and below cost 5-15% more.
// With background translation (DbtBackground) the hart no longer pays for translating, only for
// interpreting a block until the other thread is done, so hot comes sooner: measured on the
// boot (-smp 4, 7 interleaved runs, median to exit) 0.43 s inline at 32, and in the background
// 0.38 s at 1, 0.35 s at 2, 0.32 s at 4 and at 8 (8 translates fewer blocks).
// Cold code is interpreted one straight-line run at a time.

#include <cstdint>

#include "accel/dbt/interp/straight_line.h"

namespace machina::dbt::system {

/// Dispatcher visits before a block is translated, by default (1: at once).
constexpr uint32_t kHotVisits = 32;
/// The same with background translation on.
constexpr uint32_t kHotVisitsBackground = 8;

/// Side exits per system-mode block by default: none. Superblocks make each translation longer
/// and duplicate the code after every side exit, and translation is a third of a Linux boot:
/// measured (-smp 4, 5 runs each, interleaved) 0.42-0.44 s to init without them against
/// 0.45-0.47 s with 8, for 2-3% on Lua in the guest and nothing on zstd. User mode uses them.
constexpr unsigned kSideExits = 0;

using interp::straight_line_length;

} // namespace machina::dbt::system
