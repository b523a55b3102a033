#include "boards/riscv_virt/virt_fdt.h"

#include <gtest/gtest.h>
#include <libfdt.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "base/endian.h"
#include "boards/riscv_virt/virt_memory_map.h"

namespace machina::boards::riscv_virt {
namespace {

std::string prop_string(const std::vector<uint8_t>& fdt, const char* path, const char* name) {
    int node = fdt_path_offset(fdt.data(), path);
    if (node < 0) return "<no node>";
    int len = 0;
    const void* p = fdt_getprop(fdt.data(), node, name, &len);
    return p ? std::string(static_cast<const char*>(p), size_t(len > 0 ? len - 1 : 0)) : "<none>";
}

std::vector<uint32_t> prop_cells(const std::vector<uint8_t>& fdt, const char* path,
                                 const char* name) {
    int node = fdt_path_offset(fdt.data(), path);
    int len = 0;
    const uint8_t* p =
        node < 0 ? nullptr : static_cast<const uint8_t*>(fdt_getprop(fdt.data(), node, name, &len));
    std::vector<uint32_t> cells;
    for (int i = 0; p && i + 4 <= len; i += 4)
        cells.push_back(load_be<uint32_t>(p + i));
    return cells;
}

TEST(VirtFdt, DescribesTheBoard) {
    VirtFdtConfig config;
    config.harts = 4;
    config.ram_size = 256ull << 20;
    config.bootargs = "console=ttyS0 earlycon";
    config.initrd = {{0x8400'0000, 0x8420'0000}};
    auto fdt = build_virt_fdt(config);
    ASSERT_TRUE(fdt.ok()) << fdt.error().message;
    ASSERT_EQ(fdt_check_header(fdt->data()), 0);

    EXPECT_EQ(prop_string(*fdt, "/", "compatible"), "riscv-virtio");
    EXPECT_EQ(prop_cells(*fdt, "/memory@80000000", "reg"),
              (std::vector<uint32_t>{0, 0x8000'0000, 0, 0x1000'0000}));
    EXPECT_EQ(prop_string(*fdt, "/cpus/cpu@3", "riscv,isa"), config.isa);
    EXPECT_EQ(prop_cells(*fdt, "/cpus", "timebase-frequency"), (std::vector<uint32_t>{10'000'000}));
    EXPECT_EQ(prop_string(*fdt, "/chosen", "bootargs"), "console=ttyS0 earlycon");
    EXPECT_EQ(prop_string(*fdt, "/chosen", "stdout-path"), "/soc/serial@10000000");
    EXPECT_EQ(prop_cells(*fdt, "/chosen", "linux,initrd-end"),
              (std::vector<uint32_t>{0, 0x8420'0000}));
    EXPECT_EQ(prop_cells(*fdt, "/soc/serial@10000000", "interrupts"),
              (std::vector<uint32_t>{kUartIrq}));
    EXPECT_EQ(prop_cells(*fdt, "/soc/virtio_mmio@10008000", "interrupts"),
              (std::vector<uint32_t>{8}));
    // CLINT: (intc, MSI), (intc, MTI) per hart; PLIC: (intc, MEI), (intc, SEI) per hart.
    EXPECT_EQ(prop_cells(*fdt, "/soc/clint@2000000", "interrupts-extended").size(), 4u * 4);
    auto plic = prop_cells(*fdt, "/soc/plic@c000000", "interrupts-extended");
    ASSERT_EQ(plic.size(), 4u * 4);
    EXPECT_EQ(plic[1], kIrqMExt);
    EXPECT_EQ(plic[3], kIrqSExt);
    // The PLIC's interrupt-controller phandle resolves, and the UART points at it.
    uint32_t plic_phandle = prop_cells(*fdt, "/soc/plic@c000000", "phandle").at(0);
    EXPECT_EQ(prop_cells(*fdt, "/soc/serial@10000000", "interrupt-parent").at(0), plic_phandle);
    EXPECT_GE(fdt_node_offset_by_phandle(fdt->data(), plic_phandle), 0);
    EXPECT_EQ(prop_cells(*fdt, "/poweroff", "value"), (std::vector<uint32_t>{0x5555}));
}

TEST(VirtFdt, NoInitrdNoBootargs) {
    auto fdt = build_virt_fdt({});
    ASSERT_TRUE(fdt.ok());
    EXPECT_EQ(prop_string(*fdt, "/chosen", "bootargs"), "<none>");
    EXPECT_EQ(prop_string(*fdt, "/chosen", "linux,initrd-start"), "<none>");
    EXPECT_EQ(prop_string(*fdt, "/cpus/cpu@1", "riscv,isa"), "<no node>");
}

TEST(VirtFdt, ZeroHartsIsAnError) {
    VirtFdtConfig config;
    config.harts = 0;
    EXPECT_FALSE(build_virt_fdt(config).ok());
}

TEST(VirtFdt, DtcAcceptsTheBlob) {
    const char* dtc = std::getenv("MACHINA_DTC");
    if (!dtc || !*dtc || std::string(dtc).find("NOTFOUND") != std::string::npos)
        GTEST_SKIP() << "dtc (Debian package device-tree-compiler) is not installed";
    VirtFdtConfig config;
    config.harts = 2;
    auto fdt = build_virt_fdt(config);
    ASSERT_TRUE(fdt.ok());
    std::string path = ::testing::TempDir() + "/virt_fdt_test.dtb";
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(fdt->data()), std::streamsize(fdt->size()));
    std::string cmd = std::string(dtc) + " -q -I dtb -O dts -o /dev/null " + path;
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

} // namespace
} // namespace machina::boards::riscv_virt
