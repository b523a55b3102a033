// libFuzzer target: the virtqueue walker (src/hw/virtio/virtqueue.*), the virtio-mmio transport
// and the request parsing of virtio-blk, -net, -console and -rng, driven with no CPU: the fuzzer
// fills guest RAM (descriptor tables, rings, buffers) and then plays a driver that notifies,
// publishes heads, pokes memory, writes registers and feeds host input. The input layout is in
// virtio_fuzz_layout.h.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "base/endian.h"
#include "base/log.h"
#include "block/block_device.h"
#include "core/irq_line.h"
#include "fuzz_common.h"
#include "hw/virtio/blk/virtio_blk.h"
#include "hw/virtio/console/virtio_console.h"
#include "hw/virtio/net/virtio_net.h"
#include "hw/virtio/rng/virtio_rng.h"
#include "hw/virtio/transport/virtio_mmio.h"
#include "hw/virtio/virtio_constants.h"
#include "virtio_fuzz_layout.h"

using namespace machina;
using namespace machina::hw::virtio;
using namespace machina::fuzz::virtio_layout;

namespace {

/// A 64 KiB disk in memory.
class MemDisk final : public block::BlockDevice {
  public:
    explicit MemDisk(bool read_only) : m_bytes(64 * 1024, 0x33), m_read_only(read_only) {}
    uint64_t size() const override { return m_bytes.size(); }
    bool read_only() const override { return m_read_only; }
    Result<void> read(uint64_t offset, void* dst, size_t len) override {
        if (offset > size() || len > size() - offset) std::abort(); // the device must check
        if (len) std::memcpy(dst, m_bytes.data() + offset, len);    // dst may be null when empty
        return ok();
    }
    Result<void> write(uint64_t offset, const void* src, size_t len) override {
        if (m_read_only || offset > size() || len > size() - offset) std::abort();
        if (len) std::memcpy(m_bytes.data() + offset, src, len);
        return ok();
    }
    Result<void> flush() override { return ok(); }

  private:
    std::vector<uint8_t> m_bytes;
    bool m_read_only;
};

/// A network backend that drops what the guest sends.
class NullNet final : public net::NetBackend {
  public:
    void send(const uint8_t*, size_t len) override {
        if (len > 65536) std::abort(); // the device bounds frames
    }
    void set_receiver(Receiver) override {}
    void start() override {}
};

/// One queue's ring placement from the input.
struct QueueSetup {
    uint32_t desc = 0, avail = 0, used = 0;
    uint16_t size = 0;
};

/// The driver side: register access through the transport, as a guest's stores would.
struct Driver {
    VirtioMmio& mmio;
    VirtioDevice& device;
    uint64_t features;
    QueueSetup queues[2];
    uint16_t avail_idx[2] = {};

    void set(uint64_t reg, uint32_t value) { mmio.write(reg, 4, value); }
    uint32_t get(uint64_t reg) { return uint32_t(mmio.read(reg, 4)); }

    /// The status/feature handshake and queue set-up (virtio 1.2 §3.1.1).
    void initialize() {
        set(0x70, 0);
        avail_idx[0] = avail_idx[1] = 0;
        set(0x70, kStatusAcknowledge);
        set(0x70, kStatusAcknowledge | kStatusDriver);
        set(0x14, 0);
        uint64_t offered = get(0x10);
        set(0x14, 1);
        offered |= uint64_t(get(0x10)) << 32;
        uint64_t accepted = offered & features;
        set(0x24, 0);
        set(0x20, uint32_t(accepted));
        set(0x24, 1);
        set(0x20, uint32_t(accepted >> 32));
        set(0x70, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
        for (unsigned q = 0; q < device.queue_count() && q < 2; q++) {
            const QueueSetup& s = queues[q];
            set(0x30, q);
            set(0x38, s.size);
            set(0x80, uint32_t(kRamBase + s.desc));
            set(0x84, uint32_t((kRamBase + s.desc) >> 32));
            set(0x90, uint32_t(kRamBase + s.avail));
            set(0x94, uint32_t((kRamBase + s.avail) >> 32));
            set(0xa0, uint32_t(kRamBase + s.used));
            set(0xa4, uint32_t((kRamBase + s.used) >> 32));
            set(0x44, 1);
        }
        set(0x70, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk | kStatusDriverOk);
    }

    /// Puts `head` in queue `q`'s avail ring (when the ring lies in RAM) and notifies.
    void publish(core::GuestMemory& memory, unsigned q, uint16_t head) {
        const QueueSetup& s = queues[q];
        uint16_t size = std::max<uint16_t>(s.size, 1);
        uint64_t slot = kRamBase + s.avail + 4 + 2 * (avail_idx[q] % size);
        if (uint8_t* p = memory.host_ptr(slot, 2)) store_le<uint16_t>(p, head);
        avail_idx[q]++;
        if (uint8_t* p = memory.host_ptr(kRamBase + s.avail + 2, 2))
            store_le<uint16_t>(p, avail_idx[q]);
        set(0x50, q);
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const bool quiet = (log::set_level(log::Level::Error), true);
    (void)quiet;
    fuzz::ByteReader in(data, size);
    const uint8_t device_byte = in.u8();
    const uint64_t features = in.u64();
    QueueSetup queues[2];
    for (QueueSetup& q : queues) {
        q.desc = in.u32();
        q.avail = in.u32();
        q.used = in.u32();
        q.size = uint16_t(1u << (in.u8() % 16));
    }

    core::GuestMemory memory;
    if (!memory.add_ram(kRamBase, kRamSize, "ram").ok()) std::abort();
    std::vector<uint8_t> image = in.bytes(in.u16());
    if (!image.empty())
        std::memcpy(memory.host_ptr(kRamBase, kRamSize), image.data(), image.size());

    NullNet backend;
    std::unique_ptr<VirtioDevice> device;
    VirtioNet* net = nullptr;
    VirtioConsole* console = nullptr;
    switch (device_byte & 3) {
    case kRng: device = std::make_unique<VirtioRng>(); break;
    case kBlk:
        device = std::make_unique<VirtioBlk>(
            std::make_unique<MemDisk>((device_byte & kReadOnlyDisk) != 0), "fuzz-serial");
        break;
    case kNet: {
        auto n = std::make_unique<VirtioNet>(backend, std::array<uint8_t, 6>{2, 0, 0, 0, 0, 1});
        net = n.get();
        device = std::move(n);
        break;
    }
    default: {
        auto c = std::make_unique<VirtioConsole>();
        c->set_tx_sink([](const uint8_t*, size_t) {});
        console = c.get();
        device = std::move(c);
        break;
    }
    }
    core::IrqLine irq;
    VirtioMmio mmio(*device, memory, irq);
    Driver driver{mmio, *device, features, {queues[0], queues[1]}};
    driver.initialize();

    for (unsigned n = 0; n < kMaxOps && in.left() > 0; n++) {
        switch (in.u8() % kOpCount) {
        case kNotify: driver.set(0x50, in.u8() % 4); break;
        case kPoke: {
            uint16_t offset = in.u16() % (kRamSize - 1), value = in.u16();
            store_le<uint16_t>(memory.host_ptr(kRamBase + offset, 2), value);
            break;
        }
        case kPublish: {
            unsigned q = in.u8() % 2;
            driver.publish(memory, q, in.u16());
            break;
        }
        case kInput: {
            std::vector<uint8_t> bytes = in.bytes(in.u8());
            if (net) net->receive(bytes.data(), bytes.size());
            if (console)
                for (uint8_t b : bytes)
                    console->receive(b);
            break;
        }
        case kRegWrite: {
            uint64_t reg = uint64_t(in.u8()) * 4 % kMmioWindowSize;
            driver.set(reg, in.u32());
            break;
        }
        case kRegRead: (void)driver.get(uint64_t(in.u8()) * 4 % kMmioWindowSize); break;
        case kReinit: driver.initialize(); break;
        }
    }
    if (std::getenv("MACHINA_FUZZ_VERBOSE"))
        std::fprintf(stderr, "%s: status %#x%s, interrupt status %#x\n",
                     std::string(device->name()).c_str(), device->status(),
                     device->broken() ? " (broken)" : "", mmio.interrupt_status());
    return 0;
}
