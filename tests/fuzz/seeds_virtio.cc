// Seeds for virtio_fuzz (layout in virtio_fuzz_layout.h): one well-formed request per device and
// request type, indirect tables, and the hostile chains of tests/devices/virtio.
#include <cstring>

#include "fuzz_common.h"
#include "seeds.h"
#include "virtio_fuzz_layout.h"

namespace machina::fuzz {
namespace {

using namespace virtio_layout;

constexpr uint16_t kNext = 1, kWrite = 2, kIndirect = 4;
constexpr uint64_t kAllFeatures = ~0ull;
constexpr uint64_t kNoIndirectNoEventIdx = ~((1ull << 28) | (1ull << 29));
/// Ring placement: queue q's descriptor table, avail and used rings, 16 entries each.
constexpr uint32_t kDesc[2] = {0x0000, 0x3000}, kAvail[2] = {0x1000, 0x4000},
                   kUsed[2] = {0x2000, 0x5000};
/// Where buffers go (offsets from the RAM base).
constexpr uint32_t kBuf = 0x8000;

/// A scenario under construction: guest RAM image plus driver operations.
struct Scenario {
    uint8_t device = kRng;
    uint64_t features = kAllFeatures;
    uint8_t size_log2 = 4;
    std::vector<uint8_t> ram = std::vector<uint8_t>(0x9000, 0);
    ByteWriter ops;

    void put(uint32_t at, const void* p, size_t n) { std::memcpy(ram.data() + at, p, n); }
    void desc(unsigned q, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next) {
        table(kDesc[q] + 16 * i, addr, len, flags, next);
    }
    /// A descriptor at RAM offset `at` (for indirect tables); `addr` is a guest address.
    void table(uint32_t at, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next) {
        ByteWriter w;
        w.u64(addr);
        w.u32(len);
        w.u16(flags);
        w.u16(next);
        put(at, w.out.data(), w.out.size());
    }
    void publish(unsigned q, uint16_t head) {
        ops.u8(kPublish);
        ops.u8(uint8_t(q));
        ops.u16(head);
    }
    std::vector<uint8_t> build() const {
        ByteWriter w;
        w.u8(device);
        w.u64(features);
        for (unsigned q = 0; q < 2; q++) {
            w.u32(kDesc[q]);
            w.u32(kAvail[q]);
            w.u32(kUsed[q]);
            w.u8(size_log2);
        }
        w.u16(uint16_t(ram.size()));
        w.bytes(ram);
        w.bytes(ops.out);
        return w.out;
    }
};

uint64_t gpa(uint32_t offset) {
    return kRamBase + offset;
}

/// A virtio-blk request: 16-byte header (type, sector), optional data, status byte.
Scenario blk_request(uint32_t type, uint64_t sector, uint32_t data_len, bool data_writable) {
    Scenario s;
    s.device = kBlk;
    ByteWriter h;
    h.u32(type);
    h.u32(0);
    h.u64(sector);
    s.put(kBuf, h.out.data(), h.out.size());
    uint16_t i = 0;
    s.desc(0, i, gpa(kBuf), 16, kNext, uint16_t(i + 1));
    i++;
    if (data_len) {
        s.desc(0, i, gpa(kBuf + 0x100), data_len, uint16_t(kNext | (data_writable ? kWrite : 0)),
               uint16_t(i + 1));
        i++;
    }
    s.desc(0, i, gpa(kBuf + 0x100 + data_len), 1, kWrite, 0);
    s.publish(0, 0);
    return s;
}

} // namespace

std::vector<Seed> virtio_seeds() {
    std::vector<Seed> out;
    auto add = [&](const char* name, const Scenario& s) { out.push_back({name, s.build()}); };

    Scenario rng;
    rng.desc(0, 0, gpa(kBuf), 64, kWrite, 0);
    rng.publish(0, 0);
    rng.publish(0, 0);
    add("rng", rng);

    Scenario indirect;
    indirect.desc(0, 0, gpa(0x6000), 32, kIndirect, 0);
    indirect.table(0x6000, gpa(kBuf), 16, kWrite | kNext, 1);
    indirect.table(0x6010, gpa(kBuf + 0x10), 16, kWrite, 0);
    indirect.publish(0, 0);
    add("rng-indirect", indirect);

    Scenario no_event_idx = rng;
    no_event_idx.features = kNoIndirectNoEventIdx;
    add("rng-plain-features", no_event_idx);

    Scenario loop;
    loop.desc(0, 0, gpa(kBuf), 8, kWrite | kNext, 1);
    loop.desc(0, 1, gpa(kBuf), 8, kWrite | kNext, 0);
    loop.publish(0, 0);
    loop.ops.u8(kReinit);
    loop.desc(0, 2, gpa(kBuf), 8, kWrite, 0);
    loop.publish(0, 2);
    add("rng-loop-then-reset", loop);

    Scenario huge;
    huge.desc(0, 0, gpa(kBuf), 0xffffffff, kWrite, 0);
    huge.publish(0, 0);
    add("rng-huge-length", huge);

    Scenario outside;
    outside.desc(0, 0, 0x1000, 16, kWrite, 0);
    outside.publish(0, 0);
    add("rng-outside-ram", outside);

    add("blk-read", blk_request(0, 1, 512, true));
    add("blk-write", blk_request(1, 2, 1024, false));
    add("blk-flush", blk_request(4, 0, 0, false));
    add("blk-get-id", blk_request(8, 0, 20, true));
    add("blk-past-end", blk_request(0, 127, 1024, true));
    Scenario ro = blk_request(1, 0, 512, false);
    ro.device |= kReadOnlyDisk;
    add("blk-read-only-write", ro);

    Scenario tx;
    tx.device = kNet;
    tx.desc(1, 0, gpa(kBuf), 12 + 60, 0, 0);
    tx.publish(1, 0);
    add("net-tx", tx);

    Scenario rx;
    rx.device = kNet;
    rx.desc(0, 0, gpa(kBuf), 1526, kWrite, 0);
    rx.publish(0, 0);
    rx.ops.u8(kInput);
    rx.ops.u8(60);
    rx.ops.bytes(std::vector<uint8_t>(60, 0xee));
    add("net-rx", rx);

    Scenario con_tx;
    con_tx.device = kConsole;
    con_tx.put(kBuf, "hello, console\n", 15);
    con_tx.desc(1, 0, gpa(kBuf), 15, 0, 0);
    con_tx.publish(1, 0);
    con_tx.ops.u8(kRegWrite); // emergency write of one character
    con_tx.ops.u8(uint8_t((0x100 + 8) / 4));
    con_tx.ops.u32('!');
    add("console-tx", con_tx);

    Scenario con_rx;
    con_rx.device = kConsole;
    con_rx.ops.u8(kInput);
    con_rx.ops.u8(5);
    con_rx.ops.bytes({'l', 's', ' ', '/', '\r'});
    con_rx.desc(0, 0, gpa(kBuf), 3, kWrite, 0);
    con_rx.desc(0, 1, gpa(kBuf + 0x10), 16, kWrite, 0);
    con_rx.publish(0, 0);
    con_rx.publish(0, 1);
    con_rx.ops.u8(kRegRead);
    con_rx.ops.u8(0x60 / 4); // interrupt status
    add("console-rx", con_rx);
    return out;
}

} // namespace machina::fuzz
