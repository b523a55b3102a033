#include "hw/x86/mp_table.h"

#include <cstring>

#include "base/endian.h"

namespace machina::hw {

namespace {

constexpr size_t kFloatingSize = 16;
constexpr size_t kHeaderSize = 44;
constexpr uint8_t kSpecRev = 4; // MP spec 1.4

enum EntryType : uint8_t { kProcessor = 0, kBus = 1, kIoApic = 2, kIoInt = 3, kLocalInt = 4 };
enum IntType : uint8_t { kIntInt = 0, kIntNmi = 1, kIntExtInt = 3 };

void put_processor(std::vector<uint8_t>& out, unsigned apic_id, bool bsp) {
    uint8_t e[20] = {};
    e[0] = kProcessor;
    e[1] = uint8_t(apic_id);
    e[2] = 0x14;                             // local APIC version
    e[3] = uint8_t(0x01 | (bsp ? 0x02 : 0)); // enabled, BSP
    store_le<uint32_t>(e + 4, 0x600);        // family 6 signature
    store_le<uint32_t>(e + 8, 0x201);        // FPU + APIC feature flags
    out.insert(out.end(), e, e + sizeof e);
}

void put_interrupt(std::vector<uint8_t>& out, uint8_t type, uint8_t int_type, uint8_t src_bus,
                   uint8_t src_irq, uint8_t dst_id, uint8_t dst_pin) {
    uint8_t e[8] = {type, int_type, 0, 0, src_bus, src_irq, dst_id, dst_pin};
    out.insert(out.end(), e, e + sizeof e);
}

} // namespace

uint8_t mp_checksum(const uint8_t* data, size_t len) {
    uint8_t sum = 0;
    for (size_t i = 0; i < len; ++i)
        sum = uint8_t(sum + data[i]);
    return sum;
}

Result<std::vector<uint8_t>> build_mp_table(const MpTableConfig& config, uint64_t base) {
    if (config.cpu_count == 0 || config.cpu_count > 254)
        return Error::make("MP table: {} CPUs do not fit (1 to 254)", config.cpu_count);
    if (base & 15) return Error::make("MP table: base {:#x} is not 16-byte aligned", base);
    if (base + 0x10000 > 0x100000000ull)
        return Error::make("MP table: base {:#x} must be below 4 GiB", base);

    const uint8_t ioapic_id = uint8_t(config.cpu_count);
    std::vector<uint8_t> entries;
    uint16_t count = 0;
    for (unsigned cpu = 0; cpu < config.cpu_count; ++cpu, ++count)
        put_processor(entries, cpu, cpu == 0);
    const uint8_t bus[8] = {kBus, 0, 'I', 'S', 'A', ' ', ' ', ' '};
    entries.insert(entries.end(), bus, bus + 8);
    ++count;
    uint8_t ioapic[8] = {kIoApic, ioapic_id, 0x11, 0x01, 0, 0, 0, 0};
    store_le<uint32_t>(ioapic + 4, uint32_t(config.ioapic_address));
    entries.insert(entries.end(), ioapic, ioapic + 8);
    ++count;
    for (unsigned irq = 0; irq < 16 && irq < config.ioapic_pins; ++irq, ++count)
        put_interrupt(entries, kIoInt, kIntInt, 0, uint8_t(irq), ioapic_id, uint8_t(irq));
    // Local interrupts of every local APIC (0xff): PIC through LINT0, NMI on LINT1.
    put_interrupt(entries, kLocalInt, kIntExtInt, 0, 0, 0xff, 0);
    put_interrupt(entries, kLocalInt, kIntNmi, 0, 0, 0xff, 1);
    count += 2;

    std::vector<uint8_t> out(kFloatingSize + kHeaderSize);
    uint8_t* fp = out.data();
    std::memcpy(fp, "_MP_", 4);
    store_le<uint32_t>(fp + 4, uint32_t(base + kFloatingSize));
    fp[8] = 1; // length in 16-byte units
    fp[9] = kSpecRev;
    uint8_t* hdr = out.data() + kFloatingSize;
    std::memcpy(hdr, "PCMP", 4);
    store_le<uint16_t>(hdr + 4, uint16_t(kHeaderSize + entries.size()));
    hdr[6] = kSpecRev;
    std::memcpy(hdr + 8, "MACHINA ", 8);
    std::memcpy(hdr + 16, "X86 PC      ", 12);
    store_le<uint16_t>(hdr + 34, count);
    store_le<uint32_t>(hdr + 36, uint32_t(config.lapic_address));
    out.insert(out.end(), entries.begin(), entries.end());

    hdr = out.data() + kFloatingSize;
    hdr[7] = uint8_t(-mp_checksum(hdr, kHeaderSize + entries.size()));
    fp = out.data();
    fp[10] = uint8_t(-mp_checksum(fp, kFloatingSize));
    return out;
}

} // namespace machina::hw
