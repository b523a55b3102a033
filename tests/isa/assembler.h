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

/// True when `tool` is on PATH.
bool on_path(const char* tool);

/// Runs a shell command and returns its stdout; *status gets the exit status.
std::string run_capture(const std::string& command, int* status);

/// Loads the PT_LOAD segments of a static riscv64 ELF image into `mem` (guest address = offset
/// in mem); returns the entry point, or 0 when the image is malformed or does not fit.
uint64_t load_static_elf(const std::string& image, std::vector<uint8_t>& mem);

/// Runs a freestanding static program in the interpreter, serving write(2) (fd 1, appended to
/// *out) and exit(2). Returns false with *error set on any other exit.
bool run_in_interpreter(const std::string& image, size_t mem_size, std::string* out,
                        std::string* error);

} // namespace machina::isa_test
