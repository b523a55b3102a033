#pragma once
// ELF loader for riscv64 Linux programs: header checks with one-line errors, and mapping of the
// PT_LOAD segments into the guest address space (static, static-PIE, dynamic with PT_INTERP).

#include <elf.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "linux_user/guest_address_space.h"

namespace machina::linux_user {

/// What the checks learned about an ELF file.
struct ElfInfo {
    uint16_t type = 0; ///< ET_EXEC or ET_DYN
    uint64_t entry = 0;
    uint64_t phoff = 0;
    std::vector<Elf64_Phdr> phdrs;
    std::string interp;     ///< PT_INTERP path ("" when static)
    uint64_t min_vaddr = 0; ///< lowest PT_LOAD page
    uint64_t max_vaddr = 0; ///< end of the highest PT_LOAD
    uint64_t max_align = 4096;
};

/// Reads `len` bytes at `offset`; false when the file is shorter.
using ElfReader = std::function<bool(uint64_t offset, void* buf, size_t len)>;

/// Checks an ELF image of `file_size` bytes read through `read`. Errors are one line without
/// the file name ("not a RISC-V ELF (e_machine 62, x86-64)").
Result<ElfInfo> parse_elf(const ElfReader& read, uint64_t file_size);

/// parse_elf on an in-memory image.
Result<ElfInfo> parse_elf_bytes(std::span<const uint8_t> image);

/// Where an image ended up.
struct LoadedElf {
    uint64_t bias = 0;      ///< added to every p_vaddr
    uint64_t entry = 0;     ///< entry + bias
    uint64_t phdr_addr = 0; ///< guest address of the program headers
    uint64_t phnum = 0;
    uint64_t end = 0; ///< end of the highest segment (brk starts after it)
};

/// An opened, checked ELF file.
struct ElfFile {
    std::string path;
    int fd = -1; ///< owned by the caller of open_elf (close when done)
    ElfInfo info;
};

/// Opens and checks `path`: errors name the file and the problem (missing, directory, not
/// RISC-V, truncated, ...).
Result<ElfFile> open_elf(const std::string& path);

/// Maps `elf` at `bias` (0 for ET_EXEC; the caller chooses for ET_DYN).
Result<LoadedElf> map_elf(GuestAddressSpace& mm, const ElfFile& elf, uint64_t bias);

/// Picks the load bias for an ET_DYN image: the main program goes near 2/3 of the space (as
/// the kernel's ELF_ET_DYN_BASE); the interpreter goes top-down wherever mmap would put it.
Result<uint64_t> choose_bias(GuestAddressSpace& mm, const ElfInfo& info, bool is_interpreter);

/// Resolves the PT_INTERP path under the sysroot (`prefix`), falling back to the host path.
Result<std::string> find_interpreter(const std::string& interp, const std::string& prefix);

} // namespace machina::linux_user
