#include "boards/x86_pc/memory_map.h"

#include <algorithm>

#include "base/bits.h"

namespace machina::boards::x86 {

Result<MemoryLayout> plan_memory(uint64_t ram_bytes) {
    if (ram_bytes < (16ull << 20))
        return Error::make("-m: {} MiB of RAM is too little for an x86 guest (16 MiB minimum)",
                           ram_bytes >> 20);
    if (!is_aligned(ram_bytes, 4096))
        return Error::make("-m: RAM size {:#x} is not a multiple of 4 KiB", ram_bytes);
    if (ram_bytes > (1ull << 40)) return Error::make("-m: more than 1 TiB of RAM is not supported");
    MemoryLayout layout;
    layout.low_size = std::min(ram_bytes, kLowRamMax);
    layout.high_size = ram_bytes - layout.low_size;
    layout.e820.push_back({0, kEbdaStart, E820Type::Ram});
    layout.e820.push_back({kEbdaStart, 0xa0000 - kEbdaStart, E820Type::Reserved});
    layout.e820.push_back({kBiosStart, kHighMemStart - kBiosStart, E820Type::Reserved});
    layout.e820.push_back({kHighMemStart, layout.low_size - kHighMemStart, E820Type::Ram});
    if (layout.high_size) layout.e820.push_back({kHighRamStart, layout.high_size, E820Type::Ram});
    return layout;
}

} // namespace machina::boards::x86
