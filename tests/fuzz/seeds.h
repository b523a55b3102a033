#pragma once
// Seed inputs for the parser fuzz targets, made by code at build time (no binary files in the
// repository). fuzz_seeds writes them into one corpus folder per target.

#include <cstdint>
#include <string>
#include <vector>

namespace machina::fuzz {

/// One seed: a file name (inside its target's corpus folder) and the bytes.
struct Seed {
    std::string name;
    std::vector<uint8_t> bytes;
};

/// Seeds of elf_loader_fuzz: static, static-PIE, dynamic (PT_INTERP) and broken riscv64 ELFs.
std::vector<Seed> elf_loader_seeds();
/// Seeds of x86_kernel_fuzz: bzImage setup headers and PVH ELF kernels, each behind a mode byte.
std::vector<Seed> x86_kernel_seeds();
/// Seeds of riscv_boot_fuzz: Linux Image, ELF, raw and wrong-kind files behind a mode byte.
std::vector<Seed> riscv_boot_seeds();
/// Seeds of virtio_fuzz: well-formed and hostile requests for each device.
std::vector<Seed> virtio_seeds();
/// Seeds of cli_fuzz: NUL-separated command lines.
std::vector<Seed> cli_seeds();
/// Seeds of monitor_fuzz: typed monitor sessions.
std::vector<Seed> monitor_seeds();

/// A 64-bit little-endian ELF image under construction (header, program headers, then data).
struct ElfBuilder {
    /// One program header.
    struct Segment {
        uint32_t type = 1; // PT_LOAD
        uint32_t flags = 5;
        uint64_t offset = 0, vaddr = 0, paddr = 0, filesz = 0, memsz = 0, align = 0x1000;
    };
    uint16_t type = 2; // ET_EXEC
    uint16_t machine = 243;
    uint64_t entry = 0;
    std::vector<Segment> segments;
    std::vector<uint8_t> body; ///< file bytes after the headers (offsets count from file start)

    /// File offset at which `body` starts.
    uint64_t body_offset() const { return 64 + 56 * segments.size(); }
    /// Header, program headers and body.
    std::vector<uint8_t> build() const;
};

} // namespace machina::fuzz
