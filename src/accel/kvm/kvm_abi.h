#pragma once
// C++-safe views of the KVM structures that end in a flexible array. In C++ the kernel's
// __DECLARE_FLEX_ARRAY wraps the array in a struct with an empty member, which changes
// sizeof() and so the ioctl numbers (and the array offset). These headers have the C layout.

#include <linux/kvm.h>
#include <sys/ioctl.h>

#include <cstdint>
#include <cstring>
#include <vector>

namespace machina::kvm::abi {

/// struct kvm_cpuid2 without its entries (C layout: 8 bytes, entries follow).
struct Cpuid2Header {
    uint32_t nent;
    uint32_t padding;
};
/// struct kvm_msrs without its entries (C layout: 8 bytes, entries follow).
struct MsrsHeader {
    uint32_t nmsrs;
    uint32_t pad;
};
static_assert(sizeof(kvm_cpuid_entry2) == 40 && sizeof(kvm_msr_entry) == 16);

inline constexpr unsigned long kGetSupportedCpuid = _IOWR(KVMIO, 0x05, Cpuid2Header);
inline constexpr unsigned long kSetCpuid2 = _IOW(KVMIO, 0x90, Cpuid2Header);
inline constexpr unsigned long kSetMsrs = _IOW(KVMIO, 0x89, MsrsHeader);

/// A header followed by `count` entries, laid out as the kernel expects.
template <typename Header, typename Entry>
class FlexBuffer {
  public:
    explicit FlexBuffer(size_t count) : m_bytes(sizeof(Header) + count * sizeof(Entry), 0) {}
    Header* header() { return reinterpret_cast<Header*>(m_bytes.data()); }
    Entry* entries() { return reinterpret_cast<Entry*>(m_bytes.data() + sizeof(Header)); }
    void* data() { return m_bytes.data(); }

  private:
    std::vector<uint8_t> m_bytes;
};

} // namespace machina::kvm::abi
