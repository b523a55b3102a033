#include "accel/kvm/x86_64/long_mode.h"

#include <algorithm>
#include <vector>

#include "base/bits.h"
#include "base/endian.h"

namespace machina::kvm::x86 {

namespace {
constexpr uint64_t kGiB = 1ull << 30;
constexpr uint64_t kPresent = 1u << 0;
constexpr uint64_t kWritable = 1u << 1;
constexpr uint64_t kLargePage = 1u << 7;
constexpr uint64_t kAddrMask = 0x000ffffffffff000ull;
} // namespace

Result<BootCpuState> write_boot_tables(core::GuestMemory& memory, uint64_t map_bytes,
                                       const BootTablesLayout& layout) {
    uint64_t bytes = std::max<uint64_t>(align_up(map_bytes, kGiB), 4 * kGiB);
    bytes = std::min(bytes, std::max<uint64_t>(layout.max_map_bytes, 4 * kGiB));
    const uint64_t gibs = bytes / kGiB;
    if (gibs > 512) return Error::make("identity map of {} GiB needs more than one PDPT", gibs);

    const uint64_t pdpt = layout.pml4 + 0x1000;
    const uint64_t pd0 = layout.pml4 + 0x2000;
    std::vector<uint64_t> tables((2 + gibs) * 512, 0);
    tables[0] = pdpt | kPresent | kWritable;
    for (uint64_t g = 0; g < gibs; ++g) {
        tables[512 + g] = (pd0 + g * 0x1000) | kPresent | kWritable;
        for (uint64_t i = 0; i < 512; ++i)
            tables[(2 + g) * 512 + i] =
                (g * kGiB + i * (2ull << 20)) | kPresent | kWritable | kLargePage;
    }
    std::vector<uint8_t> raw(tables.size() * 8);
    for (size_t i = 0; i < tables.size(); ++i)
        store_le<uint64_t>(&raw[i * 8], tables[i]);
    TRY_CTX(memory.write(layout.pml4, raw.data(), raw.size()), "writing boot page tables");

    uint8_t gdt[sizeof(kBootGdt)];
    for (size_t i = 0; i < 4; ++i)
        store_le<uint64_t>(&gdt[i * 8], kBootGdt[i]);
    TRY_CTX(memory.write(layout.gdt, gdt, sizeof gdt), "writing boot GDT");

    BootCpuState state;
    state.cr3 = layout.pml4;
    state.gdt_base = layout.gdt;
    state.gdt_limit = sizeof(kBootGdt) - 1;
    return state;
}

Result<uint64_t> lookup_boot_mapping(const core::GuestMemory& memory, uint64_t cr3, uint64_t gva) {
    uint64_t entry = 0;
    uint64_t table = cr3 & kAddrMask;
    const unsigned shifts[3] = {39, 30, 21};
    for (unsigned level = 0; level < 3; ++level) {
        uint64_t index = (gva >> shifts[level]) & 511;
        TRY(memory.read(table + index * 8, &entry, 8));
        if (!(entry & kPresent)) return Error::make("{:#x} is not mapped", gva);
        if (level == 2 && !(entry & kLargePage)) return Error::make("expected a 2 MiB page");
        table = entry & kAddrMask;
    }
    return entry;
}

} // namespace machina::kvm::x86
