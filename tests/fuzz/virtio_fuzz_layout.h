#pragma once
// The input layout of virtio_fuzz, shared with the seed generator (fuzz_seeds.cc).
//
//   u8   device: low 2 bits pick rng, blk, net or console; 0x10 makes the blk disk read-only
//   u64  driver features (masked with what the device offers, as a driver would)
//   2 x { u32 desc, u32 avail, u32 used offsets from kRamBase; u8 log2 of the queue size }
//   u16  n, then n bytes copied to the start of guest RAM (descriptor tables, rings, buffers)
//   ops until the end of the input (at most kMaxOps), each an Op byte and its operands:
//     Notify  u8 queue               QueueNotify register write
//     Poke    u16 offset, u16 value  guest store into RAM (offset wraps inside RAM)
//     Publish u8 queue, u16 head     put `head` in the avail ring, bump avail idx, notify
//     Input   u8 n, n bytes          host side: a frame for net, typed bytes for console
//     RegWrite u8 reg/4, u32 value    any register write (configuration space included)
//     RegRead  u8 reg/4               any register read
//     Reinit                         reset and run the driver handshake again

#include <cstdint>

namespace machina::fuzz::virtio_layout {

/// Guest RAM of the fuzzed machine: one small region, so wild addresses miss it.
constexpr uint64_t kRamBase = 0x8000'0000;
constexpr uint64_t kRamSize = 0x10000;
/// Devices the first byte picks.
enum Device : uint8_t { kRng = 0, kBlk = 1, kNet = 2, kConsole = 3 };
constexpr uint8_t kReadOnlyDisk = 0x10;
/// Operations after the RAM image.
enum Op : uint8_t { kNotify, kPoke, kPublish, kInput, kRegWrite, kRegRead, kReinit, kOpCount };
constexpr unsigned kMaxOps = 256;

} // namespace machina::fuzz::virtio_layout
