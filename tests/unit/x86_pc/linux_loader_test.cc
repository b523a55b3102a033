// The bzImage loader and the PC memory map, on synthetic images in plain GuestMemory.

#include <gtest/gtest.h>

#include <cstring>

#include "base/endian.h"
#include "boards/x86_pc/boot_params.h"
#include "boards/x86_pc/linux_loader.h"
#include "boards/x86_pc/memory_map.h"
#include "boards/x86_pc/pvh_loader.h"

namespace {

using namespace machina;
using namespace machina::boards::x86;

/// A synthetic bzImage: boot sector + one setup sector + `payload` bytes of kernel.
std::vector<uint8_t> make_bzimage(size_t payload = 4096, uint16_t version = 0x020f) {
    std::vector<uint8_t> img(1024 + payload, 0);
    img[0x1f1] = 1;
    store_le<uint16_t>(&img[0x1fe], 0xaa55);
    img[0x200] = 0xeb;
    img[0x201] = 0x6a;
    memcpy(&img[0x202], "HdrS", 4);
    store_le<uint16_t>(&img[0x206], version);
    img[0x211] = 0x01;
    store_le<uint32_t>(&img[0x22c], 0x7fffffff);
    store_le<uint16_t>(&img[0x236], 0x0001);
    store_le<uint32_t>(&img[0x238], 2048);
    store_le<uint32_t>(&img[0x260], 0x200000);
    for (size_t i = 0; i < payload; ++i)
        img[1024 + i] = uint8_t(i * 13);
    return img;
}

class LoaderTest : public testing::Test {
  protected:
    void SetUp() override {
        auto layout = plan_memory(64 << 20);
        ASSERT_TRUE(layout.ok());
        m_layout = *layout;
        ASSERT_TRUE(m_mem.add_ram(0, m_layout.low_size, "ram").ok());
    }
    LinuxBootConfig config(std::vector<uint8_t> kernel) {
        LinuxBootConfig c;
        c.kernel = std::move(kernel);
        c.kernel_name = "bzImage";
        c.cmdline = "console=ttyS0";
        c.e820 = m_layout.e820;
        return c;
    }
    template <typename T>
    T zp(uint64_t off) {
        T v{};
        EXPECT_TRUE(m_mem.read(kZeroPageAddress + off, &v, sizeof v).ok());
        return v;
    }

    MemoryLayout m_layout;
    core::GuestMemory m_mem;
};

TEST(MemoryMap, SplitsAroundTheHoleAndBuildsE820) {
    auto small = plan_memory(512ull << 20);
    ASSERT_TRUE(small.ok());
    EXPECT_EQ(small->low_size, 512ull << 20);
    EXPECT_EQ(small->high_size, 0u);
    ASSERT_EQ(small->e820.size(), 4u);
    EXPECT_EQ(small->e820[3].addr, 0x100000u);
    EXPECT_EQ(small->e820[3].size, (512ull << 20) - 0x100000);
    auto big = plan_memory(6ull << 30);
    ASSERT_TRUE(big.ok());
    EXPECT_EQ(big->low_size, 3ull << 30);
    EXPECT_EQ(big->high_size, 3ull << 30);
    ASSERT_EQ(big->e820.size(), 5u);
    EXPECT_EQ(big->e820[4].addr, 4ull << 30);
    EXPECT_EQ(big->e820[4].type, E820Type::Ram);
    EXPECT_EQ(big->e820[1].type, E820Type::Reserved);
    EXPECT_FALSE(plan_memory(8 << 20).ok());
    EXPECT_FALSE(plan_memory((64 << 20) + 1).ok());
}

TEST_F(LoaderTest, LoadsKernelZeroPageCmdlineAndE820) {
    auto img = make_bzimage();
    auto info = load_linux(m_mem, config(img));
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_EQ(info->entry, 0x100200u);
    EXPECT_EQ(info->zero_page, kZeroPageAddress);
    EXPECT_EQ(info->protocol, 0x020f);
    std::vector<uint8_t> loaded(4096);
    ASSERT_TRUE(m_mem.read(0x100000, loaded.data(), loaded.size()).ok());
    EXPECT_TRUE(std::equal(loaded.begin(), loaded.end(), img.begin() + 1024));
    EXPECT_EQ(zp<uint8_t>(bp::kTypeOfLoader), 0xff);
    EXPECT_EQ(zp<uint32_t>(bp::kHeaderMagic), bp::kHdrSMagic);
    EXPECT_EQ(zp<uint16_t>(bp::kBootFlag), 0xaa55);
    EXPECT_EQ(zp<uint8_t>(bp::kLoadFlags) & 0x81, 0x81);
    EXPECT_EQ(zp<uint32_t>(bp::kCmdLinePtr), kCmdlineAddress);
    char cmdline[32] = {};
    ASSERT_TRUE(m_mem.read(kCmdlineAddress, cmdline, sizeof cmdline).ok());
    EXPECT_STREQ(cmdline, "console=ttyS0");
    EXPECT_EQ(zp<uint8_t>(bp::kE820Entries), 4);
    EXPECT_EQ(zp<uint64_t>(bp::kE820Table + 3 * 20), 0x100000u);
    EXPECT_EQ(zp<uint32_t>(bp::kE820Table + 3 * 20 + 16), 1u);
    EXPECT_EQ(zp<uint32_t>(bp::kRamdiskImage), 0u);
    EXPECT_EQ(zp<uint64_t>(bp::kAcpiRsdpAddr), 0u);
}

TEST_F(LoaderTest, AcpiRsdpAddressForProtocol214AndLater) {
    auto c = config(make_bzimage());
    c.acpi_rsdp = kAcpiTablesAddress;
    ASSERT_TRUE(load_linux(m_mem, c).ok());
    EXPECT_EQ(zp<uint64_t>(bp::kAcpiRsdpAddr), kAcpiTablesAddress);
    c.kernel = make_bzimage(4096, 0x020d);
    ASSERT_TRUE(m_mem.write(kZeroPageAddress, std::vector<uint8_t>(4096, 0).data(), 4096).ok());
    ASSERT_TRUE(load_linux(m_mem, c).ok());
    EXPECT_EQ(zp<uint64_t>(bp::kAcpiRsdpAddr), 0u) << "field did not exist before 2.14";
}

TEST_F(LoaderTest, InitrdAtTopOfRamBelowLimit) {
    auto c = config(make_bzimage());
    c.initrd.assign(10000, 0xab);
    auto info = load_linux(m_mem, c);
    ASSERT_TRUE(info.ok()) << info.error().message;
    uint64_t expect = ((64ull << 20) - 10000) & ~0xfffull;
    EXPECT_EQ(info->initrd_addr, expect);
    EXPECT_EQ(zp<uint32_t>(bp::kRamdiskImage), expect);
    EXPECT_EQ(zp<uint32_t>(bp::kRamdiskSize), 10000u);
    uint8_t b = 0;
    ASSERT_TRUE(m_mem.read(expect + 9999, &b, 1).ok());
    EXPECT_EQ(b, 0xab);

    // A lower initrd_addr_max pulls it down.
    auto img = make_bzimage();
    store_le<uint32_t>(&img[0x22c], (16 << 20) - 1);
    c.kernel = img;
    info = load_linux(m_mem, c);
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->initrd_addr, ((16ull << 20) - 10000) & ~0xfffull);
}

TEST_F(LoaderTest, InitrdTooLarge) {
    auto c = config(make_bzimage());
    c.initrd.assign(63 << 20, 1);
    auto info = load_linux(m_mem, c);
    ASSERT_FALSE(info.ok());
    EXPECT_NE(info.error().message.find("-initrd: 63 MiB initrd does not fit"), std::string::npos)
        << info.error().message;
}

TEST_F(LoaderTest, HeaderErrors) {
    auto check = [&](std::vector<uint8_t> img, const char* needle) {
        auto r = load_linux(m_mem, config(std::move(img)));
        ASSERT_FALSE(r.ok()) << needle;
        EXPECT_NE(r.error().message.find(needle), std::string::npos) << r.error().message;
    };
    check(std::vector<uint8_t>(100, 0), "not a bzImage");
    auto img = make_bzimage();
    img[0x1fe] = 0;
    check(img, "no 0xAA55 boot flag");
    img = make_bzimage();
    img[0x203] = 'x';
    check(img, "no \"HdrS\" magic");
    check(make_bzimage(4096, 0x0205), "boot protocol 2.05 is too old");
    img = make_bzimage();
    store_le<uint16_t>(&img[0x236], 0);
    check(img, "no 64-bit entry point");
    img = make_bzimage();
    img[0x211] = 0;
    check(img, "zImage");
    img = make_bzimage();
    img[0x1f1] = 9;
    check(img, "setup_sects 9 runs past the end");
    std::vector<uint8_t> elf = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};
    check(elf, "truncated ELF header");
    img = make_bzimage();
    store_le<uint32_t>(&img[0x260], 100 << 20);
    check(img, "kernel needs 100 MiB");
}

TEST_F(LoaderTest, CommandLineTooLong) {
    auto c = config(make_bzimage());
    c.cmdline.assign(3000, 'x');
    auto r = load_linux(m_mem, c);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("-append: command line of 3000 bytes exceeds"),
              std::string::npos);
}

} // namespace

namespace {

using namespace machina;
using namespace machina::boards::x86;

/// A synthetic ELF64 kernel: one PT_LOAD of `code` at `paddr` and, optionally, a PT_NOTE with
/// the Xen PVH entry note.
std::vector<uint8_t> make_elf(uint64_t paddr, const std::vector<uint8_t>& code, bool note,
                              uint64_t memsz_extra = 0) {
    std::vector<uint8_t> f(0x200 + code.size(), 0);
    std::copy(code.begin(), code.end(), f.begin() + 0x200);
    memcpy(&f[0],
           "\x7f"
           "ELF",
           4);
    f[4] = 2;
    f[5] = 1;
    f[6] = 1;
    store_le<uint16_t>(&f[16], 2);
    store_le<uint16_t>(&f[18], 62);
    store_le<uint64_t>(&f[32], 64);
    store_le<uint16_t>(&f[52], 64);
    store_le<uint16_t>(&f[54], 56);
    store_le<uint16_t>(&f[56], note ? 2 : 1);
    uint8_t* load = &f[64];
    store_le<uint32_t>(load, 1);
    store_le<uint64_t>(load + 8, 0x200);
    store_le<uint64_t>(load + 24, paddr);
    store_le<uint64_t>(load + 32, code.size());
    store_le<uint64_t>(load + 40, code.size() + memsz_extra);
    if (note) {
        uint8_t* n = &f[120];
        store_le<uint32_t>(n, 4);
        store_le<uint64_t>(n + 8, 0x100);
        store_le<uint64_t>(n + 32, 20);
        uint8_t* d = &f[0x100];
        store_le<uint32_t>(d, 4);
        store_le<uint32_t>(d + 4, 4);
        store_le<uint32_t>(d + 8, kXenElfnotePhys32Entry);
        memcpy(d + 12, "Xen", 4);
        store_le<uint32_t>(d + 16, uint32_t(paddr + 0x10));
    }
    return f;
}

class PvhTest : public testing::Test {
  protected:
    void SetUp() override { ASSERT_TRUE(m_mem.add_ram(0, 32 << 20, "ram").ok()); }
    LinuxBootConfig config(std::vector<uint8_t> kernel) {
        LinuxBootConfig c;
        c.kernel = std::move(kernel);
        c.kernel_name = "vmlinux";
        c.cmdline = "root=/dev/vda";
        c.e820 = plan_memory(32 << 20)->e820;
        c.acpi_rsdp = kAcpiTablesAddress;
        return c;
    }
    core::GuestMemory m_mem;
};

TEST_F(PvhTest, LoadsSegmentsAndBuildsStartInfo) {
    std::vector<uint8_t> code(64, 0x90);
    auto c = config(make_elf(0x200000, code, true, 0x1000));
    c.initrd.assign(5000, 7);
    ASSERT_TRUE(m_mem.write(0x200000 + 64, std::vector<uint8_t>(16, 0xcc).data(), 16).ok());
    auto info = load_linux(m_mem, c);
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_TRUE(info->pvh);
    EXPECT_EQ(info->entry, 0x200010u);
    EXPECT_EQ(info->zero_page, kPvhStartInfoAddress);
    uint8_t b = 0;
    ASSERT_TRUE(m_mem.read(0x200000, &b, 1).ok());
    EXPECT_EQ(b, 0x90);
    ASSERT_TRUE(m_mem.read(0x200000 + 64, &b, 1).ok());
    EXPECT_EQ(b, 0) << "bss beyond filesz is zeroed";
    uint8_t si[56];
    ASSERT_TRUE(m_mem.read(kPvhStartInfoAddress, si, sizeof si).ok());
    EXPECT_EQ(load_le<uint32_t>(si), kPvhStartInfoMagic);
    EXPECT_EQ(load_le<uint32_t>(si + 4), 1u);
    EXPECT_EQ(load_le<uint32_t>(si + 12), 1u);
    EXPECT_EQ(load_le<uint64_t>(si + 24), kCmdlineAddress);
    EXPECT_EQ(load_le<uint32_t>(si + 48), 4u);
    EXPECT_EQ(load_le<uint64_t>(si + 32), kAcpiTablesAddress) << "rsdp_paddr";
    uint8_t mod[16];
    ASSERT_TRUE(m_mem.read(load_le<uint64_t>(si + 16), mod, sizeof mod).ok());
    EXPECT_EQ(load_le<uint64_t>(mod), ((32u << 20) - 5000) & ~0xfffu);
    EXPECT_EQ(load_le<uint64_t>(mod + 8), 5000u);
    uint8_t mm[24];
    ASSERT_TRUE(m_mem.read(load_le<uint64_t>(si + 40) + 3 * 24, mm, sizeof mm).ok());
    EXPECT_EQ(load_le<uint64_t>(mm), 0x100000u);
    EXPECT_EQ(load_le<uint32_t>(mm + 16), 1u);
}

TEST_F(PvhTest, Errors) {
    std::vector<uint8_t> code(16, 0x90);
    auto r = load_linux(m_mem, config(make_elf(0x200000, code, false)));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("no PVH entry note"), std::string::npos);
    r = load_linux(m_mem, config(make_elf(0x4000000, code, true)));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("outside guest RAM"), std::string::npos) << r.error().message;
    auto elf = make_elf(0x200000, code, true);
    store_le<uint16_t>(&elf[18], 3);
    r = load_linux(m_mem, config(elf));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("not for x86-64"), std::string::npos);
    elf = make_elf(0x200000, code, true);
    store_le<uint16_t>(&elf[56], 500);
    r = load_linux(m_mem, config(elf));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("corrupt ELF program header table"), std::string::npos);
}

// Regression (found while fuzzing the loaders): a segment with no bss that ends exactly at the top
// of RAM zeroed an empty range through a null host pointer (memset(nullptr, 0, 0), undefined
// behaviour that UBSan reports in the asan preset).
TEST_F(PvhTest, SegmentEndingAtTopOfRam) {
    std::vector<uint8_t> code(64, 0x90);
    auto r = load_linux(m_mem, config(make_elf((32u << 20) - code.size(), code, true)));
    ASSERT_TRUE(r.ok()) << r.error().message;
    uint8_t b = 0;
    ASSERT_TRUE(m_mem.read((32u << 20) - 1, &b, 1).ok());
    EXPECT_EQ(b, 0x90);
    EXPECT_EQ(r->kernel_end, 32u << 20);
}

// Regression (found while fuzzing the loaders): an empty segment whose file offset is the file's
// end is accepted; its data pointer was formed with vector::operator[] one past the end, which
// aborts under -D_GLIBCXX_ASSERTIONS.
TEST_F(PvhTest, EmptySegmentAtEndOfFile) {
    std::vector<uint8_t> code(16, 0x90);
    auto elf = make_elf(0x200000, code, true, 0x1000);
    store_le<uint64_t>(&elf[64 + 8], elf.size()); // p_offset = file size
    store_le<uint64_t>(&elf[64 + 32], 0);         // p_filesz = 0
    auto r = load_linux(m_mem, config(elf));
    ASSERT_TRUE(r.ok()) << r.error().message;
    uint8_t b = 0xff;
    ASSERT_TRUE(m_mem.read(0x200000, &b, 1).ok());
    EXPECT_EQ(b, 0) << "the whole segment is bss";
}

} // namespace

namespace {

using namespace machina;
using namespace machina::boards::x86;

// Bad input must give an error, never a crash: truncations and byte flips of valid images.
TEST(LoaderRobustness, TruncatedAndCorruptedImagesNeverCrash) {
    core::GuestMemory mem;
    ASSERT_TRUE(mem.add_ram(0, 32 << 20, "ram").ok());
    std::vector<uint8_t> good = make_bzimage(2048);
    uint32_t seed = 12345;
    auto rnd = [&] { return seed = seed * 1103515245u + 12345u; };
    unsigned ok_count = 0;
    for (int i = 0; i < 400; ++i) {
        std::vector<uint8_t> img = good;
        if (i % 2) {
            img.resize(rnd() % img.size());
        } else {
            for (int flips = 0; flips < 4; ++flips)
                img[0x1f0 + rnd() % 0x80] = uint8_t(rnd());
        }
        LinuxBootConfig c;
        c.kernel = img;
        c.kernel_name = "fuzz";
        c.e820 = plan_memory(32 << 20)->e820;
        auto r = load_linux(mem, c);
        if (r.ok()) {
            ++ok_count;
        } else {
            EXPECT_FALSE(r.error().message.empty());
        }
    }
    EXPECT_LT(ok_count, 400u);

    std::vector<uint8_t> elf = make_elf(0x200000, std::vector<uint8_t>(64, 0x90), true);
    for (int i = 0; i < 400; ++i) {
        std::vector<uint8_t> img = elf;
        if (i % 2)
            img.resize(rnd() % img.size());
        else
            for (int flips = 0; flips < 4; ++flips)
                img[rnd() % 0x120] = uint8_t(rnd());
        LinuxBootConfig c;
        c.kernel = img;
        c.kernel_name = "fuzz.elf";
        c.e820 = plan_memory(32 << 20)->e820;
        auto r = load_linux(mem, c);
        if (!r.ok()) {
            EXPECT_FALSE(r.error().message.empty());
        }
    }
}

} // namespace
