#include "accel/kvm/x86_64/cpuid.h"

#include <bit>

namespace machina::kvm::x86 {

namespace {

constexpr uint32_t kLeaf1EcxMonitor = 1u << 3;
constexpr uint32_t kLeaf1EcxHypervisor = 1u << 31;
constexpr uint32_t kLeaf1EdxHtt = 1u << 28;

/// Bits needed to hold ids 0..count-1 (the x2APIC id shift of the core level).
uint32_t id_bits(unsigned count) {
    return count <= 1 ? 0 : uint32_t(std::bit_width(count - 1));
}

/// Fills one subleaf of the extended topology leaves (0xB and 0x1F): SMT level, core level, end.
void fill_topology_leaf(CpuidEntry& e, const CpuTopology& topo) {
    e.flags |= kCpuidSignificantIndex;
    e.edx = topo.index;
    switch (e.index) {
    case 0: // SMT: one thread per core
        e.eax = 0;
        e.ebx = 1;
        e.ecx = (1u << 8) | e.index;
        break;
    case 1: // core: all vCPUs in one package
        e.eax = id_bits(topo.count);
        e.ebx = topo.count;
        e.ecx = (2u << 8) | e.index;
        break;
    default: // invalid level terminates the enumeration
        e.eax = 0;
        e.ebx = 0;
        e.ecx = e.index;
        break;
    }
}

} // namespace

const CpuidEntry* find_cpuid(const std::vector<CpuidEntry>& entries, uint32_t function,
                             uint32_t index) {
    for (const auto& e : entries) {
        if (e.function != function) continue;
        if ((e.flags & kCpuidSignificantIndex) && e.index != index) continue;
        return &e;
    }
    return nullptr;
}

std::vector<CpuidEntry> normalize_cpuid(std::vector<CpuidEntry> entries, const CpuTopology& topo) {
    bool has_hv_base = false;
    bool has_hv_features = false;
    for (auto& e : entries) {
        switch (e.function) {
        case 1:
            e.ebx = (e.ebx & 0x0000ffffu) | (uint32_t(topo.index) << 24) |
                    (uint32_t(topo.count > 255 ? 255 : topo.count) << 16);
            e.ecx = (e.ecx | kLeaf1EcxHypervisor) & ~kLeaf1EcxMonitor;
            if (topo.count > 1)
                e.edx |= kLeaf1EdxHtt;
            else
                e.edx &= ~kLeaf1EdxHtt;
            break;
        case 4: // deterministic cache parameters: cores per package in EAX[31:26]
            if (e.eax & 0x1f) {
                e.eax = (e.eax & 0x03ffffffu) | (uint32_t(topo.count - 1) << 26);
                e.eax &= ~(0xfffu << 14); // one thread shares each cache level
            }
            break;
        case 5:   // MONITOR/MWAIT: not offered
        case 0xa: // architectural PMU: not virtualized here
            e.eax = e.ebx = e.ecx = e.edx = 0;
            break;
        case 0xb:
        case 0x1f: fill_topology_leaf(e, topo); break;
        case 0x40000000:
            has_hv_base = true;
            e.eax = 0x40000001;
            e.ebx = kKvmSignature[0];
            e.ecx = kKvmSignature[1];
            e.edx = kKvmSignature[2];
            break;
        case 0x40000001: has_hv_features = true; break;
        case 0x80000008: // AMD: number of cores - 1 in ECX[7:0], APIC id size in ECX[15:12]
            e.ecx = (e.ecx & ~0xf0ffu) | (id_bits(topo.count) << 12) | (topo.count - 1);
            break;
        case 0x8000001e: // AMD: extended APIC id, compute-unit id, node id
            e.eax = topo.index;
            e.ebx = (e.ebx & ~0xffffu) | (topo.index & 0xff);
            e.ecx = e.ecx & ~0xffu;
            break;
        default: break;
        }
    }
    if (!has_hv_base)
        entries.push_back(
            {0x40000000, 0, 0, 0x40000001, kKvmSignature[0], kKvmSignature[1], kKvmSignature[2]});
    if (!has_hv_features) entries.push_back({0x40000001, 0, 0, 0, 0, 0, 0});
    return entries;
}

} // namespace machina::kvm::x86
