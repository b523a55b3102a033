#include "boards/x86_pc/linux_loader.h"

#include <algorithm>
#include <cstring>

#include "base/bits.h"
#include "base/endian.h"
#include "boards/x86_pc/boot_params.h"
#include "boards/x86_pc/pvh_loader.h"

namespace machina::boards::x86 {

namespace {

uint64_t low_ram_end(const core::GuestMemory& memory) {
    const core::RamRegion* r = memory.find(0);
    return r ? r->size : 0;
}

} // namespace

bool is_elf(const std::vector<uint8_t>& image) {
    return image.size() >= 4 && image[0] == 0x7f && image[1] == 'E' && image[2] == 'L' &&
           image[3] == 'F';
}

Result<SetupHeader> parse_setup_header(const std::vector<uint8_t>& image, const std::string& name) {
    if (image.size() < bp::kHeaderMagic + 4 ||
        load_le<uint16_t>(&image[bp::kBootFlag]) != bp::kBootFlagValue) {
        return Error::make("{}: not a bzImage (no 0xAA55 boot flag) and not an ELF file", name);
    }
    if (load_le<uint32_t>(&image[bp::kHeaderMagic]) != bp::kHdrSMagic)
        return Error::make("{}: corrupt bzImage setup header (no \"HdrS\" magic)", name);
    SetupHeader h;
    h.header_end = 0x202 + image[bp::kJump + 1];
    if (h.header_end > image.size() || h.header_end < bp::kCmdlineSize + 4)
        return Error::make("{}: corrupt bzImage setup header (length {:#x} out of range)", name,
                           h.header_end);
    h.version = load_le<uint16_t>(&image[bp::kVersion]);
    if (h.version < 0x0206)
        return Error::make("{}: boot protocol {}.{:02} is too old (2.06 or newer needed)", name,
                           h.version >> 8, h.version & 0xff);
    h.setup_sects = image[bp::kSetupSects] ? image[bp::kSetupSects] : 4;
    h.kernel_offset = size_t(h.setup_sects + 1) * 512;
    if (h.kernel_offset >= image.size())
        return Error::make("{}: corrupt bzImage: setup_sects {} runs past the end of the file",
                           name, h.setup_sects);
    h.loadflags = image[bp::kLoadFlags];
    if (!(h.loadflags & bp::kLoadedHigh))
        return Error::make("{}: a zImage (loaded low) is not supported; use a bzImage", name);
    h.initrd_addr_max = load_le<uint32_t>(&image[bp::kInitrdAddrMax]);
    h.cmdline_size = load_le<uint32_t>(&image[bp::kCmdlineSize]);
    if (h.version >= 0x020c && h.header_end >= bp::kXloadflags + 2) {
        h.xloadflags = load_le<uint16_t>(&image[bp::kXloadflags]);
        if (!(h.xloadflags & bp::kXlfKernel64))
            return Error::make("{}: the kernel has no 64-bit entry point (xloadflags bit 0 "
                               "clear); only 64-bit kernels are supported",
                               name);
    }
    if (h.version >= 0x020a && h.header_end >= bp::kInitSize + 4)
        h.init_size = load_le<uint32_t>(&image[bp::kInitSize]);
    return h;
}

Result<LinuxBootInfo> load_linux(core::GuestMemory& memory, const LinuxBootConfig& config) {
    const std::string& name = config.kernel_name;
    if (is_elf(config.kernel)) return load_pvh(memory, config);
    SetupHeader h = TRY(parse_setup_header(config.kernel, name));
    const uint64_t ram_end = low_ram_end(memory);

    // Protected-mode kernel at 1 MiB; it needs init_size bytes there to decompress itself.
    const uint64_t kernel_size = config.kernel.size() - h.kernel_offset;
    const uint64_t reserve = std::max<uint64_t>(kernel_size, h.init_size);
    if (kHighMemStart + reserve > ram_end)
        return Error::make("{}: kernel needs {} MiB above 1 MiB but the guest has only {} MiB of "
                           "low RAM",
                           name, (reserve + (1 << 20) - 1) >> 20, ram_end >> 20);
    TRY_CTX(memory.write(kHighMemStart, &config.kernel[h.kernel_offset], kernel_size), name);

    LinuxBootInfo info;
    info.entry = kHighMemStart + 0x200;
    info.zero_page = kZeroPageAddress;
    info.kernel_end = align_up(kHighMemStart + reserve, 4096);
    info.protocol = h.version;

    // Zero page: zeroed, with the setup header copied to the same offsets.
    uint8_t zp[bp::kSize] = {};
    std::memcpy(zp + bp::kSetupHeader, &config.kernel[bp::kSetupHeader],
                h.header_end - bp::kSetupHeader);
    zp[bp::kTypeOfLoader] = bp::kLoaderUndefined;
    zp[bp::kLoadFlags] = uint8_t(h.loadflags | bp::kCanUseHeap);
    store_le<uint16_t>(zp + bp::kVidMode, 0xffff);
    store_le<uint16_t>(zp + bp::kHeapEndPtr, 0xfe00);
    store_le<uint32_t>(zp + bp::kCode32Start, uint32_t(kHighMemStart));
    // Protocol 2.14 added acpi_rsdp_addr; older kernels scan 0xE0000-0xFFFFF instead.
    if (h.version >= 0x020e) store_le<uint64_t>(zp + bp::kAcpiRsdpAddr, config.acpi_rsdp);

    // Command line (NUL-terminated), bounded by the kernel's cmdline_size.
    uint64_t cmdline_limit = h.cmdline_size ? h.cmdline_size : 255;
    if (config.cmdline.size() > cmdline_limit || config.cmdline.size() >= kCmdlineMax)
        return Error::make("-append: command line of {} bytes exceeds the kernel's limit of {}",
                           config.cmdline.size(), std::min(cmdline_limit, kCmdlineMax - 1));
    TRY(memory.write(kCmdlineAddress, config.cmdline.c_str(), config.cmdline.size() + 1));
    store_le<uint32_t>(zp + bp::kCmdLinePtr, uint32_t(kCmdlineAddress));

    // Initrd: as high as allowed, page-aligned, above the kernel.
    if (!config.initrd.empty()) {
        uint64_t max_addr = h.initrd_addr_max ? h.initrd_addr_max : 0x37ffffff;
        uint64_t top = std::min<uint64_t>(max_addr + 1, ram_end);
        uint64_t size = config.initrd.size();
        if (size > top || align_down(top - size, 4096) < info.kernel_end)
            return Error::make("-initrd: {} MiB initrd does not fit in guest memory below {:#x} "
                               "(increase -m)",
                               (size + (1 << 20) - 1) >> 20, top);
        uint64_t addr = align_down(top - size, 4096);
        TRY_CTX(memory.write(addr, config.initrd.data(), size), "loading initrd");
        store_le<uint32_t>(zp + bp::kRamdiskImage, uint32_t(addr));
        store_le<uint32_t>(zp + bp::kRamdiskSize, uint32_t(size));
        store_le<uint32_t>(zp + bp::kExtRamdiskImage, uint32_t(addr >> 32));
        store_le<uint32_t>(zp + bp::kExtRamdiskSize, uint32_t(size >> 32));
        info.initrd_addr = addr;
    }

    if (config.e820.size() > bp::kE820Max)
        return Error::make("e820 map has {} entries (max {})", config.e820.size(), bp::kE820Max);
    zp[bp::kE820Entries] = uint8_t(config.e820.size());
    for (size_t i = 0; i < config.e820.size(); ++i) {
        uint8_t* e = zp + bp::kE820Table + i * bp::kE820EntrySize;
        store_le<uint64_t>(e, config.e820[i].addr);
        store_le<uint64_t>(e + 8, config.e820[i].size);
        store_le<uint32_t>(e + 16, uint32_t(config.e820[i].type));
    }
    TRY(memory.write(kZeroPageAddress, zp, sizeof zp));
    return info;
}

} // namespace machina::boards::x86
