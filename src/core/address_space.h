#pragma once
// AddressSpace: a checked interval map from guest addresses to devices. One instance serves MMIO,
// another x86 port I/O. Devices see offsets from their own base, never absolute addresses.

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"

namespace machina::core {

/// A device register window. Implementations receive offsets relative to where the board mapped
/// them, and access sizes of 1, 2, 4 or 8 bytes within the sizes they declared.
class MmioDevice {
  public:
    virtual ~MmioDevice() = default;
    /// Reads `size` bytes at `offset`.
    virtual uint64_t read(uint64_t offset, unsigned size) = 0;
    /// Writes the low `size` bytes of `value` at `offset`.
    virtual void write(uint64_t offset, unsigned size, uint64_t value) = 0;
};

/// What happened to an access routed through an AddressSpace.
enum class AccessStatus {
    Ok,       ///< a device handled it
    Unmapped, ///< no device at that address (or the access ran past the device's end)
    BadSize,  ///< the device does not accept that access size
};

/// Access sizes a mapping accepts, in bytes (powers of two between 1 and 8).
struct AccessSizes {
    unsigned min = 1;
    unsigned max = 8;
};

/// One device placed at [base, base+size).
struct Mapping {
    uint64_t base = 0;
    uint64_t size = 0;
    MmioDevice* device = nullptr;
    std::string name;
    AccessSizes sizes;
};

/// Interval map of device windows. Built during board set-up, read-only afterwards, so lookups
/// from several vCPU threads need no lock (devices do their own locking).
class AddressSpace {
  public:
    /// Creates an empty space; `name` ("mmio", "pio") appears in messages.
    explicit AddressSpace(std::string name) : m_name(std::move(name)) {}

    /// Places `device` at [base, base+size). Rejects an empty or wrapping window and any overlap,
    /// naming the device already there.
    Result<void> map(uint64_t base, uint64_t size, MmioDevice& device, std::string name,
                     AccessSizes sizes = {});

    /// The mapping containing `addr`, or nullptr.
    const Mapping* find(uint64_t addr) const;

    /// Reads through the map. `*value` is set to all-ones when the access is not Ok, which is
    /// what a bus returns for a read nobody answers.
    AccessStatus read(uint64_t addr, unsigned size, uint64_t* value) const;

    /// Writes through the map; an access that is not Ok changes nothing.
    AccessStatus write(uint64_t addr, unsigned size, uint64_t value) const;

    /// All mappings sorted by base (for `info mtree`-style listings and device trees).
    const std::vector<Mapping>& mappings() const { return m_mappings; }

    const std::string& name() const { return m_name; }

  private:
    AccessStatus route(uint64_t addr, unsigned size, const Mapping** out) const;

    std::string m_name;
    std::vector<Mapping> m_mappings;
};

/// Text for an AccessStatus ("unmapped", ...), for log lines.
const char* to_string(AccessStatus status);

} // namespace machina::core
