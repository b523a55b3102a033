#include "boards/riscv_virt/virt_boot.h"

#include <elf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

#include "base/endian.h"
#include "boards/riscv_virt/virt_memory_map.h"

namespace machina::boards::riscv_virt {
namespace {

class VirtBootTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(mem.add_ram(kMromBase, kMromSize, "mrom").ok());
        ASSERT_TRUE(mem.add_ram(kDramBase, kRam, "ram").ok());
        dir = ::testing::TempDir() + "/virt_boot_" + std::to_string(::getpid());
        ::mkdir(dir.c_str(), 0700);
    }
    std::string file(const std::string& name, const std::vector<uint8_t>& bytes) {
        std::string path = dir + "/" + name;
        std::ofstream(path, std::ios::binary)
            .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
        return path;
    }
    static std::vector<uint8_t> linux_image(size_t size) {
        std::vector<uint8_t> v(size, 0x11);
        std::memcpy(v.data() + 48, "RISCV\0\0\0", 8);
        std::memcpy(v.data() + 56, "RSC\x05", 4);
        return v;
    }
    uint64_t u64(uint64_t gpa) { return load_le<uint64_t>(mem.host_ptr(gpa, 8)); }
    uint32_t u32(uint64_t gpa) { return load_le<uint32_t>(mem.host_ptr(gpa, 4)); }

    static constexpr uint64_t kRam = 256ull << 20;
    core::GuestMemory mem;
    std::string dir;
};

TEST_F(VirtBootTest, FirmwareKernelInitrdAndDeviceTree) {
    VirtBootConfig c;
    c.ram_size = kRam;
    c.harts = 2;
    c.bios = file("fw.bin", std::vector<uint8_t>(300'000, 0x42));
    c.kernel = file("Image", linux_image(1 << 20));
    c.initrd = file("initrd", std::vector<uint8_t>(5000, 0x77));
    c.append = "console=ttyS0";
    auto layout = prepare_virt_boot(mem, c);
    ASSERT_TRUE(layout.ok()) << layout.error().message;

    EXPECT_EQ(*mem.host_ptr(kDramBase), 0x42);
    EXPECT_EQ(layout->kernel_start, 0x8020'0000u) << "next 2 MiB boundary after the firmware";
    EXPECT_EQ(*mem.host_ptr(0x8020'0000), 0x11);
    ASSERT_TRUE(layout->initrd.has_value());
    EXPECT_EQ(layout->initrd->first, 0x8020'0000u + (128u << 20));
    EXPECT_EQ(*mem.host_ptr(layout->initrd->first), 0x77);
    EXPECT_EQ(layout->fdt_addr % (2 << 20), 0u);
    EXPECT_GT(layout->fdt_addr, layout->initrd->second);
    EXPECT_EQ(load_be<uint32_t>(mem.host_ptr(layout->fdt_addr, 4)), 0xd00dfeedu) << "FDT magic";

    // The reset code, word for word: auipc t0,0; addi a2,t0,40; csrr a0,mhartid;
    // ld a1,32(t0); ld t0,24(t0); jr t0.
    const uint32_t expected[] = {0x00000297, 0x02828613, 0xf1402573,
                                 0x0202b583, 0x0182b283, 0x00028067};
    for (int i = 0; i < 6; i++)
        EXPECT_EQ(u32(kMromBase + 4 * i), expected[i]) << i;
    EXPECT_EQ(u64(kMromBase + 24), kDramBase) << "enter the firmware";
    EXPECT_EQ(u64(kMromBase + 32), layout->fdt_addr);
    EXPECT_EQ(u64(kMromBase + 40), kFwDynamicMagic);
    EXPECT_EQ(u64(kMromBase + 48), kFwDynamicVersion);
    EXPECT_EQ(u64(kMromBase + 56), 0x8020'0000u) << "next_addr = kernel";
    EXPECT_EQ(u64(kMromBase + 64), 1u) << "next_mode = S";
}

TEST_F(VirtBootTest, NoFirmwareRunsTheKernelFromDramBase) {
    VirtBootConfig c;
    c.ram_size = kRam;
    c.kernel = file("raw.bin", std::vector<uint8_t>(4096, 0x13)); // raw binaries load as-is
    auto layout = prepare_virt_boot(mem, c);
    ASSERT_TRUE(layout.ok()) << layout.error().message;
    EXPECT_EQ(layout->kernel_start, kDramBase);
    EXPECT_EQ(u64(kMromBase + 24), kDramBase);
}

TEST_F(VirtBootTest, ElfKernelLoadsByPhysicalAddress) {
    std::vector<uint8_t> elf(0x2000, 0);
    Elf64_Ehdr eh{};
    std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_machine = EM_RISCV;
    eh.e_entry = 0x8040'0010;
    eh.e_phoff = sizeof eh;
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = 1;
    Elf64_Phdr ph{};
    ph.p_type = PT_LOAD;
    ph.p_offset = 0x1000;
    ph.p_paddr = 0x8040'0000;
    ph.p_filesz = 0x100;
    ph.p_memsz = 0x2000;
    std::memcpy(elf.data(), &eh, sizeof eh);
    std::memcpy(elf.data() + sizeof eh, &ph, sizeof ph);
    elf[0x1000] = 0xab;
    *mem.host_ptr(0x8040'1000) = 0xff; // .bss must be zeroed
    VirtBootConfig c;
    c.ram_size = kRam;
    c.kernel = file("vmlinux", elf);
    auto layout = prepare_virt_boot(mem, c);
    ASSERT_TRUE(layout.ok()) << layout.error().message;
    EXPECT_EQ(layout->kernel_start, 0x8040'0010u);
    EXPECT_EQ(*mem.host_ptr(0x8040'0000), 0xab);
    EXPECT_EQ(*mem.host_ptr(0x8040'1000), 0);
}

TEST_F(VirtBootTest, BadInputsAreClearErrors) {
    auto cfg = [](std::string bios, std::string kernel, std::string initrd = "") {
        VirtBootConfig c;
        c.bios = std::move(bios);
        c.kernel = std::move(kernel);
        c.initrd = std::move(initrd);
        return c;
    };
    auto expect_error = [&](VirtBootConfig c, const std::string& needle) {
        c.ram_size = kRam;
        auto r = prepare_virt_boot(mem, c);
        ASSERT_FALSE(r.ok()) << needle;
        EXPECT_NE(r.error().message.find(needle), std::string::npos) << r.error().message;
    };
    expect_error(cfg("", ""), "nothing to boot");
    expect_error(cfg("", dir + "/missing"), "missing");
    expect_error(cfg(dir, ""), "not a regular file");
    expect_error(cfg("", file("Image.gz", {0x1f, 0x8b, 8, 0})), "gzip");
    std::vector<uint8_t> bz(0x400, 0);
    std::memcpy(bz.data() + 0x202, "HdrS", 4);
    expect_error(cfg("", file("bzImage", bz)), "x86 bzImage");
    std::vector<uint8_t> x86elf(64, 0);
    std::memcpy(x86elf.data(), ELFMAG, SELFMAG);
    x86elf[EI_CLASS] = ELFCLASS64;
    x86elf[EI_DATA] = ELFDATA2LSB;
    x86elf[18] = EM_X86_64;
    expect_error(cfg("", file("x86.elf", x86elf)), "machine 62");
    expect_error(
        cfg("", file("trunc.elf", std::vector<uint8_t>(x86elf.begin(), x86elf.begin() + 20))),
        "truncated");
    expect_error(
        cfg("", file("k", linux_image(4096)), file("big", std::vector<uint8_t>(200 << 20, 1))),
        "does not fit");
    expect_error(cfg("", file("empty", {})), "empty");
    std::string script = "#!/bin/sh\necho not a kernel\n";
    expect_error(cfg("", file("script", std::vector<uint8_t>(script.begin(), script.end()))),
                 "is a text file, not a kernel image");
    std::string cpio = "070701000000010000";
    expect_error(cfg("", file("initramfs", std::vector<uint8_t>(cpio.begin(), cpio.end()))),
                 "cpio archive");
}

} // namespace
} // namespace machina::boards::riscv_virt
