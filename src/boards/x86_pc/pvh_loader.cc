#include "boards/x86_pc/pvh_loader.h"

#include <algorithm>
#include <cstring>

#include "base/bits.h"
#include "base/endian.h"

namespace machina::boards::x86 {

namespace {

constexpr uint32_t kPtLoad = 1;
constexpr uint32_t kPtNote = 4;
constexpr uint16_t kMachineX86_64 = 62;

/// One program header of an ELF64 file.
struct Phdr {
    uint32_t type;
    uint64_t offset, paddr, filesz, memsz;
};

Result<std::vector<Phdr>> program_headers(const std::vector<uint8_t>& elf,
                                          const std::string& name) {
    if (elf.size() < 64) return Error::make("{}: truncated ELF header", name);
    if (elf[4] != 2) return Error::make("{}: only 64-bit ELF kernels are supported", name);
    if (elf[5] != 1) return Error::make("{}: ELF kernel is not little-endian", name);
    if (load_le<uint16_t>(&elf[18]) != kMachineX86_64)
        return Error::make("{}: ELF kernel is not for x86-64 (e_machine {})", name,
                           load_le<uint16_t>(&elf[18]));
    uint64_t phoff = load_le<uint64_t>(&elf[32]);
    uint16_t phentsize = load_le<uint16_t>(&elf[54]);
    uint16_t phnum = load_le<uint16_t>(&elf[56]);
    if (phentsize < 56 || phoff > elf.size() || uint64_t(phnum) * phentsize > elf.size() - phoff)
        return Error::make("{}: corrupt ELF program header table", name);
    std::vector<Phdr> out;
    for (unsigned i = 0; i < phnum; ++i) {
        const uint8_t* p = &elf[phoff + uint64_t(i) * phentsize];
        Phdr h{load_le<uint32_t>(p), load_le<uint64_t>(p + 8), load_le<uint64_t>(p + 24),
               load_le<uint64_t>(p + 32), load_le<uint64_t>(p + 40)};
        if (h.offset > elf.size() || h.filesz > elf.size() - h.offset)
            return Error::make("{}: ELF segment {} runs past the end of the file", name, i);
        out.push_back(h);
    }
    return out;
}

} // namespace

Result<uint64_t> find_pvh_entry(const std::vector<uint8_t>& elf, const std::string& name) {
    auto phdrs = TRY(program_headers(elf, name));
    for (const auto& ph : phdrs) {
        if (ph.type != kPtNote) continue;
        uint64_t pos = ph.offset, end = ph.offset + ph.filesz;
        while (pos + 12 <= end) {
            uint32_t namesz = load_le<uint32_t>(&elf[pos]);
            uint32_t descsz = load_le<uint32_t>(&elf[pos + 4]);
            uint32_t type = load_le<uint32_t>(&elf[pos + 8]);
            uint64_t name_at = pos + 12;
            uint64_t desc_at = name_at + align_up(namesz, 4);
            uint64_t next = desc_at + align_up(descsz, 4);
            if (next > end || next <= pos) break;
            if (namesz == 4 && std::memcmp(&elf[name_at], "Xen", 4) == 0 &&
                type == kXenElfnotePhys32Entry) {
                if (descsz == 4) return uint64_t(load_le<uint32_t>(&elf[desc_at]));
                if (descsz == 8) return load_le<uint64_t>(&elf[desc_at]);
                return Error::make("{}: PVH entry note has a {}-byte value", name, descsz);
            }
            pos = next;
        }
    }
    return Error::make("{}: ELF kernel has no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY); build "
                       "it with CONFIG_PVH or use a bzImage",
                       name);
}

Result<LinuxBootInfo> load_pvh(core::GuestMemory& memory, const LinuxBootConfig& config) {
    const std::string& name = config.kernel_name;
    const auto& elf = config.kernel;
    uint64_t entry = TRY(find_pvh_entry(elf, name));
    if (entry >= (1ull << 32))
        return Error::make("{}: PVH entry {:#x} is above 4 GiB", name, entry);
    auto phdrs = TRY(program_headers(elf, name));

    LinuxBootInfo info;
    info.pvh = true;
    info.entry = entry;
    info.zero_page = kPvhStartInfoAddress;
    for (const auto& ph : phdrs) {
        if (ph.type != kPtLoad || ph.memsz == 0) continue;
        if (ph.filesz > ph.memsz)
            return Error::make("{}: ELF segment at {:#x} has filesz > memsz", name, ph.paddr);
        if (ph.paddr < kHighMemStart || !memory.host_ptr(ph.paddr, ph.memsz))
            return Error::make("{}: ELF segment [{:#x}, {:#x}) is outside guest RAM above 1 MiB",
                               name, ph.paddr, ph.paddr + ph.memsz);
        // elf.data() + offset, not &elf[offset]: an empty segment may start at the file's end.
        TRY(memory.write(ph.paddr, elf.data() + ph.offset, ph.filesz));
        // Zero the bss only when there is one: host_ptr() of an empty range at the very top of
        // RAM is null, and memset(nullptr, 0, 0) is undefined behaviour.
        if (ph.memsz > ph.filesz)
            std::memset(memory.host_ptr(ph.paddr + ph.filesz, ph.memsz - ph.filesz), 0,
                        ph.memsz - ph.filesz);
        info.kernel_end = std::max(info.kernel_end, align_up(ph.paddr + ph.memsz, 4096));
    }
    if (info.kernel_end == 0) return Error::make("{}: ELF kernel has no loadable segment", name);

    if (config.cmdline.size() >= kCmdlineMax)
        return Error::make("-append: command line of {} bytes is too long", config.cmdline.size());
    TRY(memory.write(kCmdlineAddress, config.cmdline.c_str(), config.cmdline.size() + 1));

    uint8_t start[56] = {};
    store_le<uint32_t>(start, kPvhStartInfoMagic);
    store_le<uint32_t>(start + 4, 1); // version
    store_le<uint64_t>(start + 24, kCmdlineAddress);
    store_le<uint64_t>(start + 32, config.acpi_rsdp);
    store_le<uint64_t>(start + 40, kPvhMemmapAddress);
    store_le<uint32_t>(start + 48, uint32_t(config.e820.size()));
    if (!config.initrd.empty()) {
        const core::RamRegion* low = memory.find(0);
        uint64_t top = std::min<uint64_t>(low ? low->size : 0, 1ull << 32);
        uint64_t size = config.initrd.size();
        if (size > top || align_down(top - size, 4096) < info.kernel_end)
            return Error::make("-initrd: {} MiB initrd does not fit in guest memory below {:#x} "
                               "(increase -m)",
                               (size + (1 << 20) - 1) >> 20, top);
        info.initrd_addr = align_down(top - size, 4096);
        TRY(memory.write(info.initrd_addr, config.initrd.data(), size));
        uint8_t mod[32] = {};
        store_le<uint64_t>(mod, info.initrd_addr);
        store_le<uint64_t>(mod + 8, size);
        TRY(memory.write(kPvhModlistAddress, mod, sizeof mod));
        store_le<uint32_t>(start + 12, 1); // nr_modules
        store_le<uint64_t>(start + 16, kPvhModlistAddress);
    }
    if (config.e820.size() * 24 > kPvhStartInfoAddress + 0x1000 - kPvhMemmapAddress)
        return Error::make("PVH memory map has too many entries ({})", config.e820.size());
    for (size_t i = 0; i < config.e820.size(); ++i) {
        uint8_t e[24] = {};
        store_le<uint64_t>(e, config.e820[i].addr);
        store_le<uint64_t>(e + 8, config.e820[i].size);
        store_le<uint32_t>(e + 16, uint32_t(config.e820[i].type));
        TRY(memory.write(kPvhMemmapAddress + i * 24, e, sizeof e));
    }
    TRY(memory.write(kPvhStartInfoAddress, start, sizeof start));
    return info;
}

} // namespace machina::boards::x86
