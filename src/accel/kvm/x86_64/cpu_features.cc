#include "accel/kvm/x86_64/cpu_features.h"

namespace machina::kvm::x86 {

namespace {

constexpr CpuidFeature kFeatures[] = {
    {"sse3", 1, 0, CpuidReg::Ecx, 0},
    {"pclmulqdq", 1, 0, CpuidReg::Ecx, 1},
    {"monitor", 1, 0, CpuidReg::Ecx, 3},
    {"vmx", 1, 0, CpuidReg::Ecx, 5},
    {"ssse3", 1, 0, CpuidReg::Ecx, 9},
    {"fma", 1, 0, CpuidReg::Ecx, 12},
    {"cx16", 1, 0, CpuidReg::Ecx, 13},
    {"pcid", 1, 0, CpuidReg::Ecx, 17},
    {"sse4.1", 1, 0, CpuidReg::Ecx, 19},
    {"sse4.2", 1, 0, CpuidReg::Ecx, 20},
    {"x2apic", 1, 0, CpuidReg::Ecx, 21},
    {"movbe", 1, 0, CpuidReg::Ecx, 22},
    {"popcnt", 1, 0, CpuidReg::Ecx, 23},
    {"tsc-deadline", 1, 0, CpuidReg::Ecx, 24},
    {"aes", 1, 0, CpuidReg::Ecx, 25},
    {"xsave", 1, 0, CpuidReg::Ecx, 26},
    {"avx", 1, 0, CpuidReg::Ecx, 28},
    {"f16c", 1, 0, CpuidReg::Ecx, 29},
    {"rdrand", 1, 0, CpuidReg::Ecx, 30},
    {"hypervisor", 1, 0, CpuidReg::Ecx, 31},
    {"pse", 1, 0, CpuidReg::Edx, 3},
    {"tsc", 1, 0, CpuidReg::Edx, 4},
    {"pae", 1, 0, CpuidReg::Edx, 6},
    {"apic", 1, 0, CpuidReg::Edx, 9},
    {"mtrr", 1, 0, CpuidReg::Edx, 12},
    {"pge", 1, 0, CpuidReg::Edx, 13},
    {"pat", 1, 0, CpuidReg::Edx, 16},
    {"ht", 1, 0, CpuidReg::Edx, 28},
    {"fsgsbase", 7, 0, CpuidReg::Ebx, 0},
    {"bmi1", 7, 0, CpuidReg::Ebx, 3},
    {"avx2", 7, 0, CpuidReg::Ebx, 5},
    {"smep", 7, 0, CpuidReg::Ebx, 7},
    {"bmi2", 7, 0, CpuidReg::Ebx, 8},
    {"erms", 7, 0, CpuidReg::Ebx, 9},
    {"invpcid", 7, 0, CpuidReg::Ebx, 10},
    {"avx512f", 7, 0, CpuidReg::Ebx, 16},
    {"rdseed", 7, 0, CpuidReg::Ebx, 18},
    {"adx", 7, 0, CpuidReg::Ebx, 19},
    {"smap", 7, 0, CpuidReg::Ebx, 20},
    {"sha-ni", 7, 0, CpuidReg::Ebx, 29},
    {"umip", 7, 0, CpuidReg::Ecx, 2},
    {"pku", 7, 0, CpuidReg::Ecx, 3},
    {"la57", 7, 0, CpuidReg::Ecx, 16},
    {"rdpid", 7, 0, CpuidReg::Ecx, 22},
    {"fsrm", 7, 0, CpuidReg::Edx, 4},
    {"lahf-lm", 0x80000001, 0, CpuidReg::Ecx, 0},
    {"svm", 0x80000001, 0, CpuidReg::Ecx, 2},
    {"abm", 0x80000001, 0, CpuidReg::Ecx, 5},
    {"nx", 0x80000001, 0, CpuidReg::Edx, 20},
    {"pdpe1gb", 0x80000001, 0, CpuidReg::Edx, 26},
    {"rdtscp", 0x80000001, 0, CpuidReg::Edx, 27},
};

uint32_t* reg_of(CpuidEntry& e, CpuidReg reg) {
    switch (reg) {
    case CpuidReg::Eax: return &e.eax;
    case CpuidReg::Ebx: return &e.ebx;
    case CpuidReg::Ecx: return &e.ecx;
    case CpuidReg::Edx: return &e.edx;
    }
    return &e.eax;
}

} // namespace

const CpuidFeature* find_feature(std::string_view name) {
    for (const auto& f : kFeatures)
        if (name == f.name) return &f;
    // QEMU accepts underscores for dashes in feature names.
    for (const auto& f : kFeatures) {
        std::string_view n = f.name;
        if (n.size() != name.size()) continue;
        bool same = true;
        for (size_t i = 0; i < n.size() && same; ++i)
            same = n[i] == name[i] || (n[i] == '-' && name[i] == '_');
        if (same) return &f;
    }
    return nullptr;
}

Result<std::vector<FeatureOverride>> parse_cpu_model(std::string_view model) {
    std::vector<FeatureOverride> out;
    size_t comma = model.find(',');
    std::string_view name = model.substr(0, comma);
    if (!name.empty() && name != "host" && name != "max")
        return Error::make("-cpu: unknown CPU model '{}' (KVM runs 'host' or 'max')", name);
    while (comma != std::string_view::npos) {
        model.remove_prefix(comma + 1);
        comma = model.find(',');
        std::string_view item = model.substr(0, comma);
        if (item.empty()) return Error::make("-cpu: empty feature in the list");
        bool enable = true;
        std::string_view feature = item;
        if (item[0] == '+' || item[0] == '-') {
            enable = item[0] == '+';
            feature = item.substr(1);
        } else if (auto eq = item.find('='); eq != std::string_view::npos) {
            std::string_view value = item.substr(eq + 1);
            feature = item.substr(0, eq);
            if (value == "on" || value == "true")
                enable = true;
            else if (value == "off" || value == "false")
                enable = false;
            else
                return Error::make("-cpu: '{}' needs on or off", item);
        }
        const CpuidFeature* f = find_feature(feature);
        if (!f) return Error::make("-cpu: unknown CPU feature '{}'", feature);
        out.push_back({f, enable});
    }
    return out;
}

Result<void> apply_feature_overrides(std::vector<CpuidEntry>& entries,
                                     const std::vector<FeatureOverride>& overrides) {
    for (const auto& o : overrides) {
        CpuidEntry* entry = nullptr;
        for (auto& e : entries) {
            if (e.function != o.feature->function) continue;
            if ((e.flags & kCpuidSignificantIndex) && e.index != o.feature->index) continue;
            entry = &e;
            break;
        }
        uint32_t mask = 1u << o.feature->bit;
        if (o.enable) {
            if (!entry || !(*reg_of(*entry, o.feature->reg) & mask))
                return Error::make("-cpu: feature '{}' is not available from this host's KVM",
                                   o.feature->name);
            continue;
        }
        if (entry) *reg_of(*entry, o.feature->reg) &= ~mask;
    }
    return ok();
}

} // namespace machina::kvm::x86
