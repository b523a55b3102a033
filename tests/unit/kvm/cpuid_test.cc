// CPUID normalization (pure function over KVM_GET_SUPPORTED_CPUID-shaped data).

#include <gtest/gtest.h>

#include "accel/kvm/x86_64/cpuid.h"

namespace {

using namespace machina::kvm::x86;

std::vector<CpuidEntry> host_like() {
    return {
        {0, 0, 0, 0xd, 0x68747541, 0x444d4163, 0x69746e65}, // "AuthenticAMD"
        {1, 0, 0, 0x00a50f00, 0x00000800, 0x0000000b, 0x178bfbff},
        {5, 0, 0, 0x40, 0x40, 3, 0x11},
        {0xa, 0, 0, 0x07300403, 0, 0, 0x603},
        {0xb, 0, kCpuidSignificantIndex, 1, 2, 0x100, 7},
        {0xb, 1, kCpuidSignificantIndex, 4, 16, 0x201, 7},
        {0xb, 2, kCpuidSignificantIndex, 0, 0, 2, 7},
        {0x40000001, 0, 0, 0x01007afb, 0, 0, 0},
        {0x80000008, 0, 0, 0x3030, 0, 0x700f, 0},
        {0x8000001e, 0, 0, 7, 0x107, 0, 0},
    };
}

TEST(Cpuid, VendorPassedThrough) {
    auto out = normalize_cpuid(host_like(), {0, 1});
    const CpuidEntry* leaf0 = find_cpuid(out, 0);
    ASSERT_NE(leaf0, nullptr);
    EXPECT_EQ(leaf0->ebx, 0x68747541u);
    EXPECT_EQ(leaf0->edx, 0x69746e65u);
    EXPECT_EQ(leaf0->ecx, 0x444d4163u);
}

TEST(Cpuid, Leaf1ApicIdCountHypervisorAndMasks) {
    auto out = normalize_cpuid(host_like(), {3, 4});
    const CpuidEntry* leaf1 = find_cpuid(out, 1);
    ASSERT_NE(leaf1, nullptr);
    EXPECT_EQ(leaf1->ebx >> 24, 3u);
    EXPECT_EQ((leaf1->ebx >> 16) & 0xff, 4u);
    EXPECT_EQ(leaf1->ebx & 0xffff, 0x0800u) << "brand/clflush bits kept";
    EXPECT_TRUE(leaf1->ecx & (1u << 31)) << "hypervisor bit";
    EXPECT_FALSE(leaf1->ecx & (1u << 3)) << "MONITOR hidden";
    EXPECT_TRUE(leaf1->edx & (1u << 28)) << "HTT with several logical CPUs";
    auto single = normalize_cpuid(host_like(), {0, 1});
    EXPECT_FALSE(find_cpuid(single, 1)->edx & (1u << 28));
}

TEST(Cpuid, MwaitAndPmuLeavesCleared) {
    auto out = normalize_cpuid(host_like(), {0, 1});
    EXPECT_EQ(find_cpuid(out, 5)->eax, 0u);
    EXPECT_EQ(find_cpuid(out, 0xa)->eax, 0u);
}

TEST(Cpuid, ExtendedTopologyPerVcpu) {
    auto out = normalize_cpuid(host_like(), {2, 3});
    const CpuidEntry* smt = find_cpuid(out, 0xb, 0);
    const CpuidEntry* core = find_cpuid(out, 0xb, 1);
    const CpuidEntry* end = find_cpuid(out, 0xb, 2);
    ASSERT_TRUE(smt && core && end);
    EXPECT_EQ(smt->edx, 2u);
    EXPECT_EQ(core->edx, 2u);
    EXPECT_EQ(end->edx, 2u);
    EXPECT_EQ(smt->ebx, 1u);
    EXPECT_EQ((smt->ecx >> 8) & 0xff, 1u);
    EXPECT_EQ(core->eax, 2u) << "3 CPUs need 2 bits of APIC id";
    EXPECT_EQ(core->ebx, 3u);
    EXPECT_EQ((core->ecx >> 8) & 0xff, 2u);
    EXPECT_EQ((end->ecx >> 8) & 0xff, 0u);
}

TEST(Cpuid, KvmSignatureLeaves) {
    auto out = normalize_cpuid(host_like(), {0, 1});
    const CpuidEntry* hv = find_cpuid(out, 0x40000000);
    ASSERT_NE(hv, nullptr);
    char sig[13] = {};
    memcpy(sig, &hv->ebx, 4);
    memcpy(sig + 4, &hv->ecx, 4);
    memcpy(sig + 8, &hv->edx, 4);
    EXPECT_STREQ(sig, "KVMKVMKVM");
    EXPECT_EQ(hv->eax, 0x40000001u);
    EXPECT_EQ(find_cpuid(out, 0x40000001)->eax, 0x01007afbu) << "KVM features kept";
}

TEST(Cpuid, AmdCoreCountAndExtendedApicId) {
    auto out = normalize_cpuid(host_like(), {1, 2});
    EXPECT_EQ(find_cpuid(out, 0x80000008)->ecx & 0xff, 1u);
    EXPECT_EQ((find_cpuid(out, 0x80000008)->ecx >> 12) & 0xf, 1u);
    EXPECT_EQ(find_cpuid(out, 0x8000001e)->eax, 1u);
    EXPECT_EQ(find_cpuid(out, 0x8000001e)->ebx & 0xff, 1u);
}

} // namespace

#include "accel/kvm/x86_64/cpu_features.h"

namespace {

using namespace machina::kvm::x86;

TEST(CpuFeatures, ParseModelAndFlags) {
    auto o = parse_cpu_model("host,-cx16,+x2apic,avx=off,tsc_deadline=on");
    ASSERT_TRUE(o.ok()) << o.error().message;
    ASSERT_EQ(o->size(), 4u);
    EXPECT_STREQ((*o)[0].feature->name, "cx16");
    EXPECT_FALSE((*o)[0].enable);
    EXPECT_TRUE((*o)[1].enable);
    EXPECT_FALSE((*o)[2].enable);
    EXPECT_STREQ((*o)[3].feature->name, "tsc-deadline");
    EXPECT_TRUE(parse_cpu_model("host").ok());
    EXPECT_TRUE(parse_cpu_model("max,-la57").ok());
    EXPECT_EQ(parse_cpu_model("qemu64").error().message,
              "-cpu: unknown CPU model 'qemu64' (KVM runs 'host' or 'max')");
    EXPECT_EQ(parse_cpu_model("host,-warp").error().message, "-cpu: unknown CPU feature 'warp'");
    EXPECT_FALSE(parse_cpu_model("host,,").ok());
    EXPECT_FALSE(parse_cpu_model("host,avx=maybe").ok());
}

TEST(CpuFeatures, OverridesClearBitsAndRefuseMissingOnes) {
    std::vector<CpuidEntry> leaves = {{1, 0, 0, 0, 0, (1u << 13) | (1u << 21) | (1u << 26), 0},
                                      {7, 0, kCpuidSignificantIndex, 0, 1u << 7, 0, 0}};
    auto o = parse_cpu_model("host,-cx16,-smep,+x2apic,xsave=off");
    ASSERT_TRUE(o.ok());
    ASSERT_TRUE(apply_feature_overrides(leaves, *o).ok());
    EXPECT_EQ(leaves[0].ecx, 1u << 21);
    EXPECT_EQ(leaves[1].ebx, 0u);
    auto want = parse_cpu_model("host,+avx");
    auto r = apply_feature_overrides(leaves, *want);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "-cpu: feature 'avx' is not available from this host's KVM");
}

} // namespace
