#pragma once
// ACPI tables for a hardware-reduced x86 PC (as minimal VMMs provide them): RSDP, XSDT, FADT,
// DSDT (just \_S5 for power-off) and MADT (one local APIC per CPU, the I/O APIC, LINT1 NMI).
// Modern kernels find their CPUs through the MADT (Debian's cloud kernel has no MP-table
// support). Reset goes through the FADT reset register, power-off through the sleep registers.

#include <cstdint>
#include <vector>

#include "base/result.h"

namespace machina::hw {

/// A virtio-mmio window the DSDT announces (_HID "LNRO0005", as Linux's virtio_mmio driver
/// matches it), with its level-triggered, active-high interrupt.
struct AcpiVirtioMmio {
    uint32_t base = 0;
    uint32_t size = 0x200;
    uint32_t gsi = 0;
};

/// What the ACPI tables describe and where the board put the matching devices.
struct AcpiConfig {
    unsigned cpu_count = 1;
    uint64_t lapic_address = 0xfee00000;
    uint64_t ioapic_address = 0xfec00000;
    uint8_t ioapic_id = 0;           ///< usually cpu_count (after the local APIC ids)
    uint16_t sleep_control_port = 0; ///< 1-byte sleep control register, status at port + 1
    uint16_t reset_port = 0x64;      ///< FADT reset register (i8042 command port)
    uint8_t reset_value = 0xfe;
    std::vector<AcpiVirtioMmio> virtio_mmio; ///< devices under \_SB in the DSDT
};

/// Offsets of each table inside the blob build_acpi_tables() returns.
struct AcpiLayout {
    static constexpr uint64_t kRsdp = 0x0;
    static constexpr uint64_t kXsdt = 0x40;
    static constexpr uint64_t kFadt = 0x80;
    static constexpr uint64_t kMadt = 0x200; ///< DSDT follows the MADT (its size varies)
};

/// Builds the tables for guest address `base` (16-byte aligned, below 4 GiB); the RSDP is at
/// `base`. The blob must be copied to `base` unchanged (tables hold absolute addresses).
Result<std::vector<uint8_t>> build_acpi_tables(const AcpiConfig& config, uint64_t base);

/// The DSDT's AML body: \_S5 and one device per virtio-mmio window (exposed for tests).
std::vector<uint8_t> build_dsdt_aml(const AcpiConfig& config);

/// Sum of bytes modulo 256 (0 for a valid ACPI table).
uint8_t acpi_checksum(const uint8_t* data, size_t len);

} // namespace machina::hw
