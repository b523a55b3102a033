// x86-64 vCPU defaults (CPUID, MSRs, FPU, LAPIC LINT pins) and the 64-bit boot entry state.

#include <linux/kvm.h>
#include <sys/ioctl.h>

#include <cstring>
#include <vector>

#include "accel/kvm/kvm_abi.h"
#include "accel/kvm/kvm_vcpu.h"
#include "accel/kvm/kvm_vm.h"
#include "base/endian.h"
#include "base/log.h"

namespace machina::kvm {

namespace {

// MSR numbers (Intel SDM vol. 4).
constexpr uint32_t kMsrSysenterCs = 0x174;
constexpr uint32_t kMsrSysenterEsp = 0x175;
constexpr uint32_t kMsrSysenterEip = 0x176;
constexpr uint32_t kMsrMiscEnable = 0x1a0;
constexpr uint32_t kMsrPat = 0x277;
constexpr uint32_t kMsrStar = 0xc0000081;
constexpr uint32_t kMsrLstar = 0xc0000082;
constexpr uint32_t kMsrCstar = 0xc0000083;
constexpr uint32_t kMsrSyscallMask = 0xc0000084;
constexpr uint32_t kMsrKernelGsBase = 0xc0000102;

constexpr uint64_t kMiscEnableFastString = 1;
constexpr uint64_t kPatDefault = 0x0007040600070406ull;

// LAPIC register offsets and LVT delivery modes.
constexpr unsigned kApicLvtLint0 = 0x350;
constexpr unsigned kApicLvtLint1 = 0x360;
constexpr uint32_t kApicModeExtInt = 0x700;
constexpr uint32_t kApicModeNmi = 0x400;

constexpr uint64_t kCr0Pe = 1u << 0, kCr0Mp = 1u << 1, kCr0Et = 1u << 4, kCr0Ne = 1u << 5,
                   kCr0Wp = 1u << 16, kCr0Am = 1u << 18, kCr0Pg = 1u << 31;
constexpr uint64_t kCr4Pae = 1u << 5;
constexpr uint64_t kEferLme = 1u << 8, kEferLma = 1u << 10;

kvm_segment flat_segment(uint16_t selector, uint8_t type, bool code) {
    kvm_segment s{};
    s.base = 0;
    s.limit = 0xffffffff;
    s.selector = selector;
    s.type = type;
    s.present = 1;
    s.dpl = 0;
    s.db = code ? 0 : 1;
    s.s = 1;
    s.l = code ? 1 : 0;
    s.g = 1;
    return s;
}

} // namespace

Result<void> KvmVcpu::setup_cpuid() {
    x86::CpuTopology topo{m_index, m_vm.options().vcpu_count};
    auto entries = x86::normalize_cpuid(m_vm.accelerator().supported_cpuid(), topo);
    TRY(x86::apply_feature_overrides(entries, m_vm.options().cpu_features));
    abi::FlexBuffer<abi::Cpuid2Header, kvm_cpuid_entry2> buf(entries.size());
    buf.header()->nent = uint32_t(entries.size());
    for (size_t i = 0; i < entries.size(); ++i) {
        auto& out = buf.entries()[i];
        const auto& in = entries[i];
        out.function = in.function;
        out.index = in.index;
        out.flags = in.flags;
        out.eax = in.eax;
        out.ebx = in.ebx;
        out.ecx = in.ecx;
        out.edx = in.edx;
    }
    if (::ioctl(m_fd.get(), abi::kSetCpuid2, buf.data()) < 0)
        return Error::from_errno("KVM_SET_CPUID2 failed");
    return ok();
}

Result<void> KvmVcpu::setup_msrs() {
    const std::pair<uint32_t, uint64_t> values[] = {
        {kMsrSysenterCs, 0},    {kMsrSysenterEsp, 0},
        {kMsrSysenterEip, 0},   {kMsrStar, 0},
        {kMsrLstar, 0},         {kMsrCstar, 0},
        {kMsrSyscallMask, 0},   {kMsrKernelGsBase, 0},
        {kMsrPat, kPatDefault}, {kMsrMiscEnable, kMiscEnableFastString},
    };
    constexpr size_t kCount = sizeof(values) / sizeof(values[0]);
    abi::FlexBuffer<abi::MsrsHeader, kvm_msr_entry> buf(kCount);
    buf.header()->nmsrs = kCount;
    for (size_t i = 0; i < kCount; ++i) {
        buf.entries()[i].index = values[i].first;
        buf.entries()[i].data = values[i].second;
    }
    int set = ::ioctl(m_fd.get(), abi::kSetMsrs, buf.data());
    if (set < 0) return Error::from_errno("KVM_SET_MSRS failed");
    if (size_t(set) != kCount)
        log::warn("vCPU {}: KVM accepted only {} of {} boot MSRs (first refused: {:#x})", m_index,
                  set, kCount, values[set].first);
    return ok();
}

Result<void> KvmVcpu::setup_fpu() {
    kvm_fpu fpu{};
    fpu.fcw = 0x37f;
    fpu.mxcsr = 0x1f80;
    if (::ioctl(m_fd.get(), KVM_SET_FPU, &fpu) < 0) return Error::from_errno("KVM_SET_FPU failed");
    return ok();
}

Result<void> KvmVcpu::setup_lapic() {
    kvm_lapic_state lapic{};
    if (::ioctl(m_fd.get(), KVM_GET_LAPIC, &lapic) < 0)
        return Error::from_errno("KVM_GET_LAPIC failed");
    auto* regs = reinterpret_cast<uint8_t*>(lapic.regs);
    // The BSP takes legacy PIC interrupts through LINT0 as ExtINT; every CPU gets NMI on LINT1.
    uint32_t lint0 = load_le<uint32_t>(regs + kApicLvtLint0);
    if (m_index == 0) lint0 = (lint0 & ~0x1ffffu) | kApicModeExtInt;
    store_le<uint32_t>(regs + kApicLvtLint0, lint0);
    uint32_t lint1 = load_le<uint32_t>(regs + kApicLvtLint1);
    store_le<uint32_t>(regs + kApicLvtLint1, (lint1 & ~0x1ffffu) | kApicModeNmi);
    if (::ioctl(m_fd.get(), KVM_SET_LAPIC, &lapic) < 0)
        return Error::from_errno("KVM_SET_LAPIC failed");
    return ok();
}

Result<void> KvmVcpu::set_boot_state(const x86::BootCpuState& state) {
    kvm_sregs sregs{};
    if (::ioctl(m_fd.get(), KVM_GET_SREGS, &sregs) < 0)
        return Error::from_errno("KVM_GET_SREGS failed on vCPU {}", m_index);
    kvm_segment data = flat_segment(x86::kBootDataSelector, 0x3, false);
    sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
    sregs.gdt.base = state.gdt_base;
    sregs.gdt.limit = state.gdt_limit;
    if (state.protected32) {
        // PVH: 32-bit protected mode, paging off, flat 4 GiB segments.
        sregs.cs = flat_segment(x86::kBootCode32Selector, 0xb, true);
        sregs.cs.l = 0;
        sregs.cs.db = 1;
        sregs.cr0 = kCr0Pe | kCr0Et;
        sregs.cr3 = 0;
        sregs.cr4 = 0;
        sregs.efer = 0;
    } else {
        sregs.cs = flat_segment(x86::kBootCodeSelector, 0xb, true);
        sregs.cr0 = kCr0Pe | kCr0Mp | kCr0Et | kCr0Ne | kCr0Wp | kCr0Am | kCr0Pg;
        sregs.cr3 = state.cr3;
        sregs.cr4 = kCr4Pae;
        sregs.efer = kEferLme | kEferLma;
    }
    if (::ioctl(m_fd.get(), KVM_SET_SREGS, &sregs) < 0)
        return Error::from_errno("KVM_SET_SREGS failed on vCPU {}", m_index);

    kvm_regs regs{};
    regs.rip = state.rip;
    regs.rsi = state.rsi;
    regs.rbx = state.rbx;
    regs.rsp = state.rsp;
    regs.rflags = 2; // reserved bit 1; interrupts off
    if (::ioctl(m_fd.get(), KVM_SET_REGS, &regs) < 0)
        return Error::from_errno("KVM_SET_REGS failed on vCPU {}", m_index);
    return ok();
}

} // namespace machina::kvm
