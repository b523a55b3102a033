// libFuzzer target: the riscv `virt` boot loaders (src/boards/common/image_loader.* for ELF and raw
// images, src/boards/riscv_virt/virt_boot.* for the Linux Image header checks and the boot
// layout). Input: one mode byte, then the file under test. The mode says whether that file is
// the kernel or the firmware (-bios), whether the other one is present, whether an initrd is
// given, and the RAM size.
#include <elf.h>

#include <cstdlib>

#include "base/log.h"
#include "boards/common/image_loader.h"
#include "boards/riscv_virt/virt_boot.h"
#include "boards/riscv_virt/virt_memory_map.h"
#include "fuzz_common.h"

using namespace machina;
using namespace machina::boards;
using namespace machina::boards::riscv_virt;

namespace {

/// MROM plus `dram` bytes of DRAM, created once per size and reused.
core::GuestMemory& memory_of(uint64_t dram) {
    auto make = [](uint64_t bytes) {
        auto* m = new core::GuestMemory();
        if (!m->add_ram(kMromBase, kMromSize, "mrom").ok() ||
            !m->add_ram(kDramBase, bytes, "dram").ok())
            std::abort();
        return m;
    };
    static core::GuestMemory* small = make(8ull << 20);
    static core::GuestMemory* large = make(64ull << 20);
    return dram == (8ull << 20) ? *small : *large;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static fuzz::ScratchFile* subject = [] {
        log::set_level(log::Level::Error);
        return new fuzz::ScratchFile("riscv_boot_fuzz");
    }();
    static fuzz::ScratchFile* other = new fuzz::ScratchFile("riscv_boot_fuzz_other");
    // Two initrds (4 KiB and 4 MiB), written once: rewriting megabytes per input is slow.
    static fuzz::ScratchFile* initrds[2] = {new fuzz::ScratchFile("riscv_boot_fuzz_initrd"),
                                            new fuzz::ScratchFile("riscv_boot_fuzz_big_initrd")};
    static const std::string initrd_paths[2] = {
        initrds[0]->write(std::vector<uint8_t>(4096, 0x5a).data(), 4096),
        initrds[1]->write(std::vector<uint8_t>(4u << 20, 0x5a).data(), 4u << 20)};

    if (size == 0) return 0;
    const uint8_t mode = data[0];
    const std::string& path = subject->write(data + 1, size - 1);
    // The companion image: a few raw instructions (nop; j .), as OpenSBI or U-Boot would be.
    static const uint8_t kRaw[] = {0x13, 0x00, 0x00, 0x00, 0x6f, 0x00, 0x00, 0x00};
    const std::string& other_path = other->write(kRaw, sizeof kRaw);

    VirtBootConfig config;
    config.ram_size = (mode & 8) ? (8ull << 20) : (64ull << 20);
    config.append = "console=ttyS0";
    switch (mode & 3) {
    case 0: config.kernel = path; break;
    case 1: config.bios = path; break;
    case 2:
        config.bios = other_path;
        config.kernel = path;
        break;
    case 3:
        config.bios = path;
        config.kernel = other_path;
        break;
    }
    if (mode & 4) config.initrd = initrd_paths[(mode & 0x10) ? 1 : 0];
    core::GuestMemory& memory = memory_of(config.ram_size);
    fuzz::report("prepare_virt_boot", prepare_virt_boot(memory, config));

    // The ELF loader on its own, whatever the mode (the kernel path only sees ELF kernels).
    std::vector<uint8_t> bytes(data + 1, data + size);
    if (is_elf(bytes)) (void)load_elf64(memory, bytes, EM_RISCV, "fuzz");
    return 0;
}
