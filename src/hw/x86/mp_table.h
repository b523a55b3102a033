#pragma once
// MP table (Intel MultiProcessor Specification 1.4): how a guest without ACPI learns its CPUs,
// the I/O APIC and the ISA interrupt routing. Built as bytes for the board to copy into RAM.

#include <cstdint>
#include <vector>

#include "base/result.h"

namespace machina::hw {

/// What the MP table describes.
struct MpTableConfig {
    unsigned cpu_count = 1; ///< APIC ids 0..cpu_count-1, CPU 0 is the BSP
    uint64_t lapic_address = 0xfee00000;
    uint64_t ioapic_address = 0xfec00000;
    unsigned ioapic_pins = 24; ///< ISA IRQ i goes to pin i for i < 16
};

/// Builds the floating pointer structure followed by the configuration table, to be placed at
/// guest address `base` (16-byte aligned, inside 0xF0000-0xFFFFF or the EBDA).
Result<std::vector<uint8_t>> build_mp_table(const MpTableConfig& config, uint64_t base);

/// Sum of bytes modulo 256 (0 for a valid MP structure).
uint8_t mp_checksum(const uint8_t* data, size_t len);

} // namespace machina::hw
