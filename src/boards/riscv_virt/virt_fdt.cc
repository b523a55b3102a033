#include "boards/riscv_virt/virt_fdt.h"

#include <fmt/format.h>

#include "boards/common/fdt_writer.h"
#include "boards/riscv_virt/virt_memory_map.h"

namespace machina::boards::riscv_virt {
namespace {

/// Writes /cpus; returns the phandle of each hart's interrupt controller.
std::vector<uint32_t> write_cpus(FdtWriter& fdt, const VirtFdtConfig& config) {
    std::vector<uint32_t> intc(config.harts);
    std::vector<uint32_t> cpu_phandles(config.harts);
    fdt.begin_node("cpus");
    fdt.prop_u32("#address-cells", {1});
    fdt.prop_u32("#size-cells", {0});
    fdt.prop_u32("timebase-frequency", {uint32_t(kTimebaseHz)});
    for (unsigned h = 0; h < config.harts; h++) {
        cpu_phandles[h] = fdt.new_phandle();
        intc[h] = fdt.new_phandle();
        fdt.begin_node(fmt::format("cpu@{}", h));
        fdt.prop_string("device_type", "cpu");
        fdt.prop_u32("reg", {h});
        fdt.prop_string("status", "okay");
        fdt.prop_string("compatible", "riscv");
        fdt.prop_string("riscv,isa", config.isa);
        fdt.prop_string("mmu-type", config.mmu_type);
        fdt.prop_u32("phandle", {cpu_phandles[h]});
        fdt.begin_node("interrupt-controller");
        fdt.prop_u32("#interrupt-cells", {1});
        fdt.prop_empty("interrupt-controller");
        fdt.prop_string("compatible", "riscv,cpu-intc");
        fdt.prop_u32("phandle", {intc[h]});
        fdt.end_node();
        fdt.end_node();
    }
    fdt.begin_node("cpu-map");
    fdt.begin_node("cluster0");
    for (unsigned h = 0; h < config.harts; h++) {
        fdt.begin_node(fmt::format("core{}", h));
        fdt.prop_u32("cpu", {cpu_phandles[h]});
        fdt.end_node();
    }
    fdt.end_node();
    fdt.end_node();
    fdt.end_node();
    return intc;
}

/// interrupts-extended cells: for each hart, (intc, irq) for every irq in `irqs`.
std::vector<uint32_t> per_hart_interrupts(const std::vector<uint32_t>& intc,
                                          std::initializer_list<uint32_t> irqs) {
    std::vector<uint32_t> cells;
    for (uint32_t phandle : intc)
        for (uint32_t irq : irqs) {
            cells.push_back(phandle);
            cells.push_back(irq);
        }
    return cells;
}

void write_soc(FdtWriter& fdt, const std::vector<uint32_t>& intc, uint32_t plic, uint32_t test) {
    fdt.begin_node("soc");
    fdt.prop_u32("#address-cells", {2});
    fdt.prop_u32("#size-cells", {2});
    fdt.prop_string("compatible", "simple-bus");
    fdt.prop_empty("ranges");

    fdt.begin_node(fmt::format("clint@{:x}", kClintBase));
    fdt.prop_strings("compatible", {"sifive,clint0", "riscv,clint0"});
    fdt.prop_reg64("reg", {{kClintBase, kClintSize}});
    fdt.prop_u32("interrupts-extended", per_hart_interrupts(intc, {kIrqMSoft, kIrqMTimer}));
    fdt.end_node();

    fdt.begin_node(fmt::format("plic@{:x}", kPlicBase));
    fdt.prop_strings("compatible", {"sifive,plic-1.0.0", "riscv,plic0"});
    fdt.prop_reg64("reg", {{kPlicBase, kPlicSize}});
    fdt.prop_u32("#address-cells", {0});
    fdt.prop_u32("#interrupt-cells", {1});
    fdt.prop_empty("interrupt-controller");
    fdt.prop_u32("interrupts-extended", per_hart_interrupts(intc, {kIrqMExt, kIrqSExt}));
    fdt.prop_u32("riscv,ndev", {kPlicSources - 1});
    fdt.prop_u32("phandle", {plic});
    fdt.end_node();

    fdt.begin_node(fmt::format("serial@{:x}", kUartBase));
    fdt.prop_string("compatible", "ns16550a");
    fdt.prop_reg64("reg", {{kUartBase, kUartSize}});
    fdt.prop_u32("clock-frequency", {kUartClockHz});
    fdt.prop_u32("interrupt-parent", {plic});
    fdt.prop_u32("interrupts", {kUartIrq});
    fdt.end_node();

    fdt.begin_node(fmt::format("test@{:x}", kTestBase));
    fdt.prop_strings("compatible", {"sifive,test1", "sifive,test0", "syscon"});
    fdt.prop_reg64("reg", {{kTestBase, kTestSize}});
    fdt.prop_u32("phandle", {test});
    fdt.end_node();

    fdt.begin_node(fmt::format("rtc@{:x}", kRtcBase));
    fdt.prop_string("compatible", "google,goldfish-rtc");
    fdt.prop_reg64("reg", {{kRtcBase, kRtcSize}});
    fdt.prop_u32("interrupt-parent", {plic});
    fdt.prop_u32("interrupts", {kRtcIrq});
    fdt.end_node();

    // Linux probes every slot and ignores those whose device ID reads 0, as on QEMU.
    for (unsigned i = 0; i < kVirtioCount; i++) {
        uint64_t base = kVirtioBase + i * kVirtioStride;
        fdt.begin_node(fmt::format("virtio_mmio@{:x}", base));
        fdt.prop_string("compatible", "virtio,mmio");
        fdt.prop_reg64("reg", {{base, kVirtioStride}});
        fdt.prop_u32("interrupt-parent", {plic});
        fdt.prop_u32("interrupts", {kVirtioIrqBase + i});
        fdt.end_node();
    }
    fdt.end_node();
}

} // namespace

Result<std::vector<uint8_t>> build_virt_fdt(const VirtFdtConfig& config) {
    if (config.harts == 0) return Error::make("the virt board needs at least one hart");
    FdtWriter fdt;
    fdt.begin_node("");
    fdt.prop_u32("#address-cells", {2});
    fdt.prop_u32("#size-cells", {2});
    fdt.prop_string("compatible", "riscv-virtio");
    fdt.prop_string("model", "riscv-virtio,qemu");

    std::vector<uint32_t> intc = write_cpus(fdt, config);
    uint32_t plic = fdt.new_phandle();
    uint32_t test = fdt.new_phandle();

    fdt.begin_node(fmt::format("memory@{:x}", kDramBase));
    fdt.prop_string("device_type", "memory");
    fdt.prop_reg64("reg", {{kDramBase, config.ram_size}});
    fdt.end_node();

    write_soc(fdt, intc, plic, test);

    fdt.begin_node("poweroff");
    fdt.prop_string("compatible", "syscon-poweroff");
    fdt.prop_u32("regmap", {test});
    fdt.prop_u32("offset", {0});
    fdt.prop_u32("value", {0x5555});
    fdt.end_node();
    fdt.begin_node("reboot");
    fdt.prop_string("compatible", "syscon-reboot");
    fdt.prop_u32("regmap", {test});
    fdt.prop_u32("offset", {0});
    fdt.prop_u32("value", {0x7777});
    fdt.end_node();

    fdt.begin_node("chosen");
    fdt.prop_string("stdout-path", fmt::format("/soc/serial@{:x}", kUartBase));
    if (!config.bootargs.empty()) fdt.prop_string("bootargs", config.bootargs);
    if (config.initrd) {
        fdt.prop_u64("linux,initrd-start", config.initrd->first);
        fdt.prop_u64("linux,initrd-end", config.initrd->second);
    }
    fdt.end_node();

    fdt.end_node();
    return fdt.finish();
}

} // namespace machina::boards::riscv_virt
