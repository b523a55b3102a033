#include "boards/riscv_virt/virt_boot.h"

#include <elf.h>

#include <algorithm>
#include <cstring>

#include "base/bits.h"
#include "base/endian.h"
#include "base/log.h"
#include "boards/common/image_loader.h"
#include "boards/riscv_virt/virt_fdt.h"
#include "boards/riscv_virt/virt_memory_map.h"

namespace machina::boards::riscv_virt {
namespace {

constexpr uint64_t kTwoMiB = 2ull << 20;

// Tiny RV64 encoders for the reset code.
constexpr uint32_t i_type(uint32_t imm, uint32_t rs1, uint32_t f3, uint32_t rd, uint32_t opcode) {
    return (imm << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opcode;
}
constexpr uint32_t kT0 = 5, kA0 = 10, kA1 = 11, kA2 = 12;
constexpr uint32_t kResetCodeBytes = 24; // six instructions, then the data words

/// True when the start of `bytes` is printable text: no raw RISC-V program looks like that (its
/// instructions have bytes below 0x20), but a script or a mistyped path's target easily does.
bool looks_like_text(const std::vector<uint8_t>& bytes) {
    size_t n = std::min<size_t>(bytes.size(), 512);
    for (size_t i = 0; i < n; i++) {
        uint8_t c = bytes[i];
        if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') return false;
        if (c == 0x7f) return false;
    }
    return n > 0;
}

/// Recognizes what kind of kernel file `bytes` is; rejects files that are certainly not a
/// RISC-V kernel.
Result<bool> looks_like_linux_image(const std::vector<uint8_t>& bytes, const std::string& path) {
    if (bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
        return Error::make("kernel '{}' is gzip-compressed: give the uncompressed Image", path);
    if (bytes.size() >= 0x206 && std::memcmp(bytes.data() + 0x202, "HdrS", 4) == 0)
        return Error::make("kernel '{}' is an x86 bzImage, not a RISC-V kernel", path);
    if (bytes.size() >= 64 && std::memcmp(bytes.data() + 48, "RISCV\0\0\0", 8) == 0) return true;
    if (bytes.size() >= 6 && (std::memcmp(bytes.data(), "070701", 6) == 0 ||
                              std::memcmp(bytes.data(), "070702", 6) == 0))
        return Error::make("kernel '{}' is a cpio archive (an initramfs?), not a kernel image",
                           path);
    if (looks_like_text(bytes))
        return Error::make("kernel '{}' is a text file, not a kernel image", path);
    return false;
}

Result<uint64_t> load_kernel(core::GuestMemory& memory, const std::string& path, uint64_t start,
                             uint64_t* end) {
    std::vector<uint8_t> bytes = TRY(read_file(path, "kernel"));
    std::string what = fmt::format("kernel '{}'", path);
    if (is_elf(bytes)) {
        LoadedImage image = TRY(load_elf64(memory, bytes, EM_RISCV, what));
        *end = image.end;
        return image.entry;
    }
    bool image_header = TRY(looks_like_linux_image(bytes, path));
    if (!image_header) log::info("kernel '{}' has no Linux Image header: loading it raw", path);
    LoadedImage image = TRY(load_blob(memory, bytes, start, what));
    *end = image.end;
    return image.start;
}

void write_reset_code(core::GuestMemory& memory, const VirtBootLayout& layout) {
    uint8_t rom[kResetCodeBytes + 16 + 48] = {};
    const uint32_t code[] = {
        0x17 | (kT0 << 7),                               // auipc t0, 0
        i_type(kResetCodeBytes + 16, kT0, 0, kA2, 0x13), // addi a2, t0, &fw_dynamic_info
        i_type(0xf14, 0, 2, kA0, 0x73),                  // csrr a0, mhartid
        i_type(kResetCodeBytes + 8, kT0, 3, kA1, 0x03),  // ld a1, fdt(t0)
        i_type(kResetCodeBytes, kT0, 3, kT0, 0x03),      // ld t0, entry(t0)
        i_type(0, kT0, 0, 0, 0x67),                      // jr t0
    };
    for (size_t i = 0; i < std::size(code); i++)
        store_le<uint32_t>(rom + 4 * i, code[i]);
    uint64_t entry = layout.firmware_end ? kDramBase : layout.kernel_start;
    store_le<uint64_t>(rom + kResetCodeBytes, entry);
    store_le<uint64_t>(rom + kResetCodeBytes + 8, layout.fdt_addr);
    uint8_t* info = rom + kResetCodeBytes + 16;
    store_le<uint64_t>(info + 0, kFwDynamicMagic);
    store_le<uint64_t>(info + 8, kFwDynamicVersion);
    store_le<uint64_t>(info + 16, layout.next_addr);
    store_le<uint64_t>(info + 24, 1); // next_mode: S
    store_le<uint64_t>(info + 32, 0); // options
    store_le<uint64_t>(info + 40, 0); // boot_hart
    ASSERT(memory.write(kMromBase, rom, sizeof rom).ok(), "MROM must be mapped");
}

} // namespace

Result<VirtBootLayout> prepare_virt_boot(core::GuestMemory& memory, const VirtBootConfig& config) {
    if (!memory.host_ptr(kMromBase, kMromSize) || !memory.host_ptr(kDramBase, config.ram_size))
        return Error::make("virt: MROM and DRAM must be mapped before boot set-up");
    if (config.bios.empty() && config.kernel.empty())
        return Error::make("virt: nothing to boot: give -bios or -kernel");
    VirtBootLayout layout;
    layout.reset_pc = kMromBase;
    uint64_t dram_end = kDramBase + config.ram_size;

    if (!config.bios.empty()) {
        std::vector<uint8_t> fw = TRY(read_file(config.bios, "firmware"));
        std::string what = fmt::format("firmware '{}'", config.bios);
        LoadedImage image = is_elf(fw) ? TRY(load_elf64(memory, fw, EM_RISCV, what))
                                       : TRY(load_blob(memory, fw, kDramBase, what));
        layout.firmware_end = image.end;
    }
    uint64_t kernel_base = layout.firmware_end ? align_up(layout.firmware_end, kTwoMiB) : kDramBase;
    uint64_t kernel_end = kernel_base;
    if (!config.kernel.empty()) {
        layout.kernel_start = TRY(load_kernel(memory, config.kernel, kernel_base, &kernel_end));
        layout.next_addr = layout.kernel_start;
    } else {
        layout.next_addr = kernel_base; // firmware-only boots (OpenSBI payload-less)
    }
    if (!config.initrd.empty()) {
        if (config.kernel.empty()) return Error::make("-initrd needs -kernel");
        std::vector<uint8_t> initrd = TRY(read_file(config.initrd, "initrd"));
        uint64_t start = align_up(
            std::max(layout.kernel_start + std::min<uint64_t>(config.ram_size / 2, 128ull << 20),
                     kernel_end),
            4096);
        if (start + initrd.size() > dram_end)
            return Error::make("initrd '{}' ({} bytes) does not fit in {} MiB of RAM",
                               config.initrd, initrd.size(), config.ram_size >> 20);
        TRY(load_blob(memory, initrd, start, fmt::format("initrd '{}'", config.initrd)));
        layout.initrd = {{start, start + initrd.size()}};
    }

    VirtFdtConfig fdt_config;
    fdt_config.harts = config.harts;
    fdt_config.ram_size = config.ram_size;
    fdt_config.bootargs = config.append;
    fdt_config.initrd = layout.initrd;
    layout.fdt = TRY(build_virt_fdt(fdt_config));
    uint64_t top = std::min<uint64_t>(dram_end, 3ull << 30);
    if (top < kDramBase + layout.fdt.size())
        return Error::make("virt: RAM too small for the device tree");
    layout.fdt_addr = align_down(top - layout.fdt.size(), kTwoMiB);
    if (layout.fdt_addr < kernel_end || (layout.initrd && layout.fdt_addr < layout.initrd->second))
        return Error::make(
            "virt: {} MiB of RAM is too small for the kernel, initrd and device tree",
            config.ram_size >> 20);
    TRY(memory.write(layout.fdt_addr, layout.fdt.data(), layout.fdt.size()));
    write_reset_code(memory, layout);
    return layout;
}

} // namespace machina::boards::riscv_virt
