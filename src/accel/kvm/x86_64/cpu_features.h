#pragma once
// Named CPUID feature flags for `-cpu host,+feat,-feat` (QEMU spelling): hide a feature from
// the guest, or insist on one the host's KVM offers.

#include <string>
#include <string_view>
#include <vector>

#include "accel/kvm/x86_64/cpuid.h"
#include "base/result.h"

namespace machina::kvm::x86 {

/// Which register of a CPUID leaf a feature bit lives in.
enum class CpuidReg { Eax, Ebx, Ecx, Edx };

/// A named feature: leaf, subleaf, register and bit.
struct CpuidFeature {
    const char* name;
    uint32_t function;
    uint32_t index;
    CpuidReg reg;
    unsigned bit;
};

/// One +feat / -feat from the command line.
struct FeatureOverride {
    const CpuidFeature* feature = nullptr;
    bool enable = false;
};

/// Parses "host[,+feat|-feat|feat=on|feat=off...]" (also "max"); errors name an unknown model
/// or feature.
Result<std::vector<FeatureOverride>> parse_cpu_model(std::string_view model);

/// Applies overrides to normalized leaves; enabling a feature the host does not offer fails.
Result<void> apply_feature_overrides(std::vector<CpuidEntry>& entries,
                                     const std::vector<FeatureOverride>& overrides);

/// The feature named `name`, or nullptr.
const CpuidFeature* find_feature(std::string_view name);

} // namespace machina::kvm::x86
