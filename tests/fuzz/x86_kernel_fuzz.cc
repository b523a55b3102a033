// libFuzzer target: the x86 kernel loaders (src/boards/x86_pc/linux_loader.* for bzImage setup
// headers, pvh_loader.* for ELF vmlinux files with a PVH note). Input: one mode byte, then the
// kernel file. The mode picks the guest RAM size, whether an initrd is given and how long the
// command line is, so the fuzzer reaches the fit checks as well as the header checks.
#include <cstdlib>

#include "base/log.h"
#include "boards/x86_pc/linux_loader.h"
#include "boards/x86_pc/memory_map.h"
#include "boards/x86_pc/pvh_loader.h"
#include "fuzz_common.h"

using namespace machina;
using namespace machina::boards::x86;

namespace {

/// Guest memory with `size` bytes of low RAM at 0, created once per size and reused.
core::GuestMemory& memory_of(uint64_t size) {
    auto make = [](uint64_t bytes) {
        auto* m = new core::GuestMemory();
        if (!m->add_ram(0, bytes, "ram").ok()) std::abort();
        return m;
    };
    static core::GuestMemory* small = make(2ull << 20);
    static core::GuestMemory* large = make(32ull << 20);
    return size == (2ull << 20) ? *small : *large;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const bool quiet = (log::set_level(log::Level::Error), true);
    (void)quiet;
    fuzz::ByteReader in(data, size);
    const uint8_t mode = in.u8();
    LinuxBootConfig config;
    config.kernel = in.rest();
    config.kernel_name = "fuzz-kernel";
    const uint64_t ram = (mode & 1) ? (2ull << 20) : (32ull << 20);
    if (mode & 2) config.initrd.assign((mode & 4) ? (1u << 20) : 4096, 0xab);
    static constexpr size_t kCmdlineLengths[] = {0, 13, 255, 256, 2047, kCmdlineMax};
    config.cmdline.assign(kCmdlineLengths[(mode >> 3) % std::size(kCmdlineLengths)], 'c');
    config.e820 = {{0, kEbdaStart, E820Type::Ram},
                   {kHighMemStart, ram - kHighMemStart, E820Type::Ram}};
    if (mode & 0x80) config.acpi_rsdp = 0xe0000;

    // The pieces first (as the boards' error paths call them), then the whole load.
    if (is_elf(config.kernel))
        (void)find_pvh_entry(config.kernel, config.kernel_name);
    else
        (void)parse_setup_header(config.kernel, config.kernel_name);
    fuzz::report("load_linux", load_linux(memory_of(ram), config));
    return 0;
}
