#pragma once
// Loading firmware and kernel files into guest RAM, for every board: whole files at an address,
// ELF executables by their physical program headers, with bounds checks that name the file.

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "core/guest_memory.h"

namespace machina::boards {

/// Reads a whole file; the error names it (missing, a directory, unreadable).
Result<std::vector<uint8_t>> read_file(const std::string& path, const char* what);

/// Where an image landed.
struct LoadedImage {
    uint64_t start = 0; ///< lowest guest address written
    uint64_t end = 0;   ///< one past the highest
    uint64_t entry = 0; ///< entry point (ELF e_entry, else start)
};

/// Copies `bytes` to guest address `addr`; the error names `what` when it does not fit in RAM.
Result<LoadedImage> load_blob(core::GuestMemory& memory, const std::vector<uint8_t>& bytes,
                              uint64_t addr, const std::string& what);

/// True when `bytes` starts with the ELF magic.
bool is_elf(const std::vector<uint8_t>& bytes);

/// Loads the PT_LOAD segments of a 64-bit little-endian ELF for `machine` (EM_*) at their
/// physical addresses. Errors name `what` and say what is wrong (class, machine, truncation).
Result<LoadedImage> load_elf64(core::GuestMemory& memory, const std::vector<uint8_t>& bytes,
                               uint16_t machine, const std::string& what);

} // namespace machina::boards
