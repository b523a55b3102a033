// libFuzzer target: the user-mode ELF loader (src/linux_user/elf_loader.*). The input is the ELF
// file. It is checked twice, in memory (parse_elf_bytes) and as a file (open_elf, through pread),
// and the two must agree; an image that passes is then mapped into a fresh guest address space
// (choose_bias + map_elf), as machina-riscv64 does for a program or its interpreter.
#include <elf.h>

#include <cstdio>
#include <cstdlib>

#include "base/log.h"
#include "fuzz_common.h"
#include "linux_user/elf_loader.h"
#include "linux_user/guest_address_space.h"

using namespace machina;
using namespace machina::linux_user;

namespace {

/// A small guest space (16 GiB) so that the fuzzer also reaches "outside the space" errors.
constexpr uint64_t kSpaceLimit = 1ull << 34;

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static fuzz::ScratchFile* file = [] {
        log::set_level(log::Level::Error);
        return new fuzz::ScratchFile("elf_loader_fuzz");
    }();
    auto in_memory = parse_elf_bytes({data, size});
    const std::string& path = file->write(data, size);
    auto opened = open_elf(path);
    if (in_memory.ok() != opened.ok()) {
        std::fprintf(stderr, "parse_elf_bytes and open_elf disagree: %s / %s\n",
                     in_memory.ok() ? "ok" : in_memory.error().message.c_str(),
                     opened.ok() ? "ok" : opened.error().message.c_str());
        std::abort();
    }
    fuzz::report("open_elf", opened);
    if (!opened) return 0;

    auto mm = GuestAddressSpace::create(kSpaceLimit);
    if (!mm) std::abort();
    // EI_PAD's first byte picks the program or interpreter placement for ET_DYN images.
    const bool interpreter = size > EI_PAD && (data[EI_PAD] & 1);
    auto bias = choose_bias(**mm, opened->info, interpreter);
    fuzz::report("choose_bias", bias);
    if (bias) fuzz::report("map_elf", map_elf(**mm, *opened, *bias));
    ::close(opened->fd);
    return 0;
}
