#pragma once
// Test helper: assembles RISC-V source with the riscv64-linux-gnu cross binutils into the raw
// bytes of its .text (linked at a fixed address). Tests skip when the toolchain is absent.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace machina::isa_test {

/// Where assembled code is linked and loaded.
constexpr uint64_t kCodeBase = 0x10000;

/// True when riscv64-linux-gnu-as, -ld and -objcopy are on PATH.
bool have_cross_binutils();

/// Assembles `source` (with `.option norvc` unless `compressed`) for rv64gc + Zba/Zbb/Zbs,
/// links it at kCodeBase and returns the .text bytes; std::nullopt with *error set on failure.
std::optional<std::vector<uint8_t>> assemble(std::string_view source, std::string* error,
                                             bool compressed = false);

} // namespace machina::isa_test
