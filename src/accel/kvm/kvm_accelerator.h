#pragma once
// KvmAccelerator: the /dev/kvm engine. Probing checks the API version and the capabilities
// machina relies on, and fails with one clear sentence when KVM is absent or unusable.

#include <memory>
#include <string>
#include <vector>

#include "accel/kvm/x86_64/cpu_features.h"
#include "accel/kvm/x86_64/cpuid.h"
#include "base/result.h"
#include "base/unique_fd.h"
#include "core/accelerator.h"

namespace machina::kvm {

class KvmVm;

/// Options for a KVM virtual machine.
struct VmOptions {
    unsigned vcpu_count = 1;       ///< for CPUID topology and the MP/ACPI tables
    bool in_kernel_irqchip = true; ///< PIC + IOAPIC + LAPIC in the kernel, plus the PIT
    std::vector<x86::FeatureOverride> cpu_features; ///< from -cpu host,+feat,-feat
};

/// The device path: $MACHINA_KVM_DEVICE when set, else /dev/kvm.
std::string default_device_path();

/// The /dev/kvm engine.
class KvmAccelerator : public core::Accelerator {
  public:
    /// Opens and probes `device_path`; the error is one sentence a user can act on.
    static Result<std::unique_ptr<KvmAccelerator>> open(const std::string& device_path);

    std::string_view name() const override { return "kvm"; }
    Result<std::unique_ptr<core::Vm>> create_vm() override;

    /// Creates a VM with explicit options (vCPU count, irqchip).
    Result<std::unique_ptr<KvmVm>> create_kvm_vm(const VmOptions& options);

    /// The /dev/kvm descriptor.
    int fd() const { return m_fd.get(); }
    /// Size of each vCPU's shared kvm_run area.
    size_t vcpu_mmap_size() const { return m_vcpu_mmap_size; }
    /// CPUID leaves KVM can offer (KVM_GET_SUPPORTED_CPUID), before per-vCPU normalization.
    const std::vector<x86::CpuidEntry>& supported_cpuid() const { return m_supported_cpuid; }
    /// The path this accelerator opened.
    const std::string& device_path() const { return m_path; }

  private:
    KvmAccelerator() = default;
    Result<void> probe();

    std::string m_path;
    UniqueFd m_fd;
    size_t m_vcpu_mmap_size = 0;
    std::vector<x86::CpuidEntry> m_supported_cpuid;
};

} // namespace machina::kvm
