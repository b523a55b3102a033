// The bzImage loader and the PC memory map, on synthetic images in plain GuestMemory.

#include <gtest/gtest.h>

#include <cstring>

#include "base/endian.h"
#include "boards/x86_pc/boot_params.h"
#include "boards/x86_pc/linux_loader.h"
#include "boards/x86_pc/memory_map.h"

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
    check(elf, "ELF kernels");
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
