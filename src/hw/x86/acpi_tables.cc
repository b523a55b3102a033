#include "hw/x86/acpi_tables.h"

#include <cstdio>
#include <cstring>
#include <string_view>

#include "base/endian.h"

namespace machina::hw {

namespace {

constexpr size_t kHeaderSize = 36;
constexpr size_t kFadtSize = 276;
constexpr uint32_t kFadtResetRegSup = 1u << 10;
constexpr uint32_t kFadtHwReduced = 1u << 20;
constexpr uint16_t kBootArchLegacyDevices = 1u << 0;
constexpr uint16_t kBootArch8042 = 1u << 1;

/// Writes a standard table header; the checksum is filled in by finish_table().
void put_header(uint8_t* t, const char* signature, uint32_t length, uint8_t revision) {
    std::memcpy(t, signature, 4);
    store_le<uint32_t>(t + 4, length);
    t[8] = revision;
    std::memcpy(t + 10, "MACHNA", 6);
    std::memcpy(t + 16, "MACHINA ", 8);
    store_le<uint32_t>(t + 24, 1);
    std::memcpy(t + 28, "MCHN", 4);
    store_le<uint32_t>(t + 32, 1);
}

void finish_table(uint8_t* t) {
    uint32_t length = load_le<uint32_t>(t + 4);
    t[9] = 0;
    t[9] = uint8_t(-acpi_checksum(t, length));
}

/// A Generic Address Structure for a byte-wide I/O port.
void put_io_gas(uint8_t* g, uint16_t port) {
    g[0] = 1; // system I/O space
    g[1] = 8; // register width in bits
    g[2] = 0;
    g[3] = 1; // byte access
    store_le<uint64_t>(g + 4, port);
}

/// AML PkgLength encoding of a package whose contents (after the PkgLength) are `len` bytes.
void put_pkg_length(std::vector<uint8_t>& out, size_t len) {
    if (len + 1 < 0x40) {
        out.push_back(uint8_t(len + 1));
        return;
    }
    size_t total = len + 2; // two-byte form covers up to 4095
    out.push_back(uint8_t(0x40 | (total & 0xf)));
    out.push_back(uint8_t(total >> 4));
}

void put_name_seg(std::vector<uint8_t>& out, const char* seg) {
    out.insert(out.end(), seg, seg + 4);
}

void put_le32(std::vector<uint8_t>& out, uint32_t v) {
    for (int i = 0; i < 4; ++i)
        out.push_back(uint8_t(v >> (8 * i)));
}

/// Device (VRnn) { Name (_HID, "LNRO0005") Name (_UID, n) Name (_CRS, ResourceTemplate () {
///   Memory32Fixed (ReadWrite, base, size) Interrupt (ResourceConsumer, Level, ActiveHigh,
///   Exclusive) { gsi } }) }
std::vector<uint8_t> virtio_device_aml(unsigned index, const AcpiVirtioMmio& dev) {
    std::vector<uint8_t> crs = {0x86, 0x09, 0x00, 0x01}; // Memory32Fixed, read/write
    put_le32(crs, dev.base);
    put_le32(crs, dev.size);
    const uint8_t irq[] = {0x89, 0x06, 0x00, 0x01, 0x01}; // consumer, level, high, exclusive
    crs.insert(crs.end(), irq, irq + sizeof irq);
    put_le32(crs, dev.gsi);
    crs.push_back(0x79); // end tag
    crs.push_back(0x00);

    std::vector<uint8_t> body;
    char seg[5];
    std::snprintf(seg, sizeof seg, "VR%02X", index & 0xff);
    put_name_seg(body, seg);
    body.push_back(0x08); // Name (_HID, "LNRO0005")
    put_name_seg(body, "_HID");
    body.push_back(0x0d);
    for (char c : std::string_view("LNRO0005"))
        body.push_back(uint8_t(c));
    body.push_back(0x00);
    body.push_back(0x08); // Name (_UID, index)
    put_name_seg(body, "_UID");
    body.push_back(0x0a);
    body.push_back(uint8_t(index));
    body.push_back(0x08); // Name (_CRS, Buffer () { ... })
    put_name_seg(body, "_CRS");
    body.push_back(0x11);
    put_pkg_length(body, 2 + crs.size());
    body.push_back(0x0a);
    body.push_back(uint8_t(crs.size()));
    body.insert(body.end(), crs.begin(), crs.end());

    std::vector<uint8_t> out = {0x5b, 0x82}; // DeviceOp
    put_pkg_length(out, body.size());
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

} // namespace

std::vector<uint8_t> build_dsdt_aml(const AcpiConfig& config) {
    // Name (_S5, Package () { 5, 0, 0, 0 }) so the guest can power off through S5.
    std::vector<uint8_t> aml = {0x08, '_',  'S',  '5',  '_',  0x12, 0x07,
                                0x04, 0x0a, 0x05, 0x00, 0x00, 0x00};
    if (config.virtio_mmio.empty()) return aml;
    std::vector<uint8_t> scope = {'\\', '_', 'S', 'B', '_'};
    for (size_t i = 0; i < config.virtio_mmio.size(); ++i) {
        auto dev = virtio_device_aml(unsigned(i), config.virtio_mmio[i]);
        scope.insert(scope.end(), dev.begin(), dev.end());
    }
    aml.push_back(0x10); // Scope (\_SB) { devices }
    put_pkg_length(aml, scope.size());
    aml.insert(aml.end(), scope.begin(), scope.end());
    return aml;
}

uint8_t acpi_checksum(const uint8_t* data, size_t len) {
    uint8_t sum = 0;
    for (size_t i = 0; i < len; ++i)
        sum = uint8_t(sum + data[i]);
    return sum;
}

Result<std::vector<uint8_t>> build_acpi_tables(const AcpiConfig& config, uint64_t base) {
    if (config.cpu_count == 0 || config.cpu_count > 255)
        return Error::make("ACPI: {} CPUs do not fit in the MADT (1 to 255)", config.cpu_count);
    if ((base & 15) || base + 0x1000 > 0x100000000ull)
        return Error::make("ACPI: tables base {:#x} must be 16-byte aligned and below 4 GiB", base);
    if (config.virtio_mmio.size() > 255) return Error::make("ACPI: too many virtio-mmio devices");
    const size_t madt_size = 44 + 8 * config.cpu_count + 12 + 6;
    const std::vector<uint8_t> aml = build_dsdt_aml(config);
    const uint64_t dsdt_offset = (AcpiLayout::kMadt + madt_size + 15) & ~uint64_t(15);
    std::vector<uint8_t> blob(dsdt_offset + kHeaderSize + aml.size(), 0);

    // MADT: local APICs, the I/O APIC (GSI 0-23), NMI on LINT1 of every processor.
    uint8_t* madt = &blob[AcpiLayout::kMadt];
    put_header(madt, "APIC", uint32_t(madt_size), 5);
    store_le<uint32_t>(madt + 36, uint32_t(config.lapic_address));
    store_le<uint32_t>(madt + 40, 1); // PCAT_COMPAT: 8259 PICs present
    uint8_t* e = madt + 44;
    for (unsigned cpu = 0; cpu < config.cpu_count; ++cpu, e += 8) {
        e[0] = 0; // processor local APIC
        e[1] = 8;
        e[2] = uint8_t(cpu);          // ACPI processor UID
        e[3] = uint8_t(cpu);          // APIC id
        store_le<uint32_t>(e + 4, 1); // enabled
    }
    e[0] = 1; // I/O APIC
    e[1] = 12;
    e[2] = config.ioapic_id;
    store_le<uint32_t>(e + 4, uint32_t(config.ioapic_address));
    store_le<uint32_t>(e + 8, 0); // GSI base
    e += 12;
    e[0] = 4; // local APIC NMI
    e[1] = 6;
    e[2] = 0xff; // all processors
    store_le<uint16_t>(e + 3, 0);
    e[5] = 1; // LINT1
    finish_table(madt);

    uint8_t* dsdt = &blob[dsdt_offset];
    put_header(dsdt, "DSDT", uint32_t(kHeaderSize + aml.size()), 2);
    std::memcpy(dsdt + kHeaderSize, aml.data(), aml.size());
    finish_table(dsdt);

    // FADT (revision 6, hardware-reduced): DSDT pointer, reset and sleep registers.
    uint8_t* fadt = &blob[AcpiLayout::kFadt];
    put_header(fadt, "FACP", kFadtSize, 6);
    store_le<uint32_t>(fadt + 40, uint32_t(base + dsdt_offset));
    store_le<uint16_t>(fadt + 109, kBootArchLegacyDevices | kBootArch8042);
    store_le<uint32_t>(fadt + 112, kFadtHwReduced | kFadtResetRegSup);
    put_io_gas(fadt + 116, config.reset_port);
    fadt[128] = config.reset_value;
    fadt[131] = 0; // minor version
    store_le<uint64_t>(fadt + 140, base + dsdt_offset);
    if (config.sleep_control_port) {
        put_io_gas(fadt + 244, config.sleep_control_port);
        put_io_gas(fadt + 256, uint16_t(config.sleep_control_port + 1));
    }
    std::memcpy(fadt + 268, "MACHINA\0", 8);
    finish_table(fadt);

    // XSDT: FADT and MADT.
    uint8_t* xsdt = &blob[AcpiLayout::kXsdt];
    put_header(xsdt, "XSDT", kHeaderSize + 16, 1);
    store_le<uint64_t>(xsdt + 36, base + AcpiLayout::kFadt);
    store_le<uint64_t>(xsdt + 44, base + AcpiLayout::kMadt);
    finish_table(xsdt);

    // RSDP (ACPI 2.0+): checksum over the first 20 bytes, extended checksum over all 36.
    uint8_t* rsdp = &blob[AcpiLayout::kRsdp];
    std::memcpy(rsdp, "RSD PTR ", 8);
    std::memcpy(rsdp + 9, "MACHNA", 6);
    rsdp[15] = 2;
    store_le<uint32_t>(rsdp + 20, 36);
    store_le<uint64_t>(rsdp + 24, base + AcpiLayout::kXsdt);
    rsdp[8] = uint8_t(-acpi_checksum(rsdp, 20));
    rsdp[32] = uint8_t(-acpi_checksum(rsdp, 36));
    return blob;
}

} // namespace machina::hw
