#pragma once
// EmptyVirtioSlot: a virtio-mmio transport with nothing plugged in. The device tree lists all
// eight slots, so drivers probe each one; as on QEMU an empty slot answers the magic value,
// version 2 and device ID 0 ("no device"), and ignores writes.

#include <cstdint>

#include "core/address_space.h"

namespace machina::boards::riscv_virt {

/// Register window of an unused virtio-mmio slot.
class EmptyVirtioSlot final : public core::MmioDevice {
  public:
    static constexpr uint32_t kMagic = 0x74726976;  ///< "virt"
    static constexpr uint32_t kVersion = 2;         ///< virtio-mmio v2 (modern)
    static constexpr uint32_t kVendor = 0x554d4551; ///< "QEMU", as on QEMU's board

    /// Magic, version, vendor; device ID and everything else read 0.
    uint64_t read(uint64_t offset, unsigned size) override {
        if (size != 4) return 0;
        switch (offset) {
        case 0x000: return kMagic;
        case 0x004: return kVersion;
        case 0x00c: return kVendor;
        default: return 0;
        }
    }
    /// Writes (a driver resetting the slot's status) have no effect.
    void write(uint64_t, unsigned, uint64_t) override {}
};

} // namespace machina::boards::riscv_virt
