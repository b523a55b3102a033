#pragma once
// CPUID normalization: turns the host's KVM_GET_SUPPORTED_CPUID list into what one guest vCPU
// sees. Pure data in, data out, so it is unit-testable without /dev/kvm.

#include <cstdint>
#include <vector>

namespace machina::kvm::x86 {

/// One CPUID leaf/subleaf as KVM describes it (mirrors struct kvm_cpuid_entry2).
struct CpuidEntry {
    uint32_t function = 0;
    uint32_t index = 0;
    uint32_t flags = 0; ///< KVM_CPUID_FLAG_* bits (bit 0: index is significant)
    uint32_t eax = 0;
    uint32_t ebx = 0;
    uint32_t ecx = 0;
    uint32_t edx = 0;
};

/// Flag bit meaning "the subleaf index matters" (KVM_CPUID_FLAG_SIGNIFCANT_INDEX).
inline constexpr uint32_t kCpuidSignificantIndex = 1;

/// Which vCPU the leaves are for and how many there are.
struct CpuTopology {
    unsigned index = 0; ///< this vCPU (also its APIC id)
    unsigned count = 1; ///< vCPUs in the machine (one thread per core, one socket)
};

/// The "KVMKVMKVM\0\0\0" signature of hypervisor leaf 0x40000000.
inline constexpr uint32_t kKvmSignature[3] = {0x4b4d564b, 0x564b4d56, 0x0000004d};

/// Adjusts `entries` for vCPU `topo.index`: APIC ids in leaves 1, 0xB, 0x1F and 0x8000001E,
/// logical-processor counts, the hypervisor bit and KVM signature leaves; hides MONITOR/MWAIT
/// and the architectural PMU, which this VMM does not virtualize. The vendor passes through.
std::vector<CpuidEntry> normalize_cpuid(std::vector<CpuidEntry> entries, const CpuTopology& topo);

/// The entry for (function, index), or nullptr.
const CpuidEntry* find_cpuid(const std::vector<CpuidEntry>& entries, uint32_t function,
                             uint32_t index = 0);

} // namespace machina::kvm::x86
