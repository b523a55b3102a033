#include "accel/kvm/kvm_accelerator.h"

#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>

#include <cstdlib>

#include "accel/kvm/kvm_abi.h"
#include "accel/kvm/kvm_vm.h"

namespace machina::kvm {

namespace {

/// A capability machina cannot work without, with the name users see in the error.
struct RequiredCap {
    int cap;
    const char* name;
};

constexpr RequiredCap kRequiredCaps[] = {
    {KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY"},
    {KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP"},
    {KVM_CAP_IRQFD, "KVM_CAP_IRQFD"},
    {KVM_CAP_IOEVENTFD, "KVM_CAP_IOEVENTFD"},
    {KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR"},
    {KVM_CAP_PIT2, "KVM_CAP_PIT2"},
    {KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID"},
    {KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT"},
    {KVM_CAP_MP_STATE, "KVM_CAP_MP_STATE"},
};

} // namespace

std::string default_device_path() {
    const char* env = std::getenv("MACHINA_KVM_DEVICE");
    return env && *env ? std::string(env) : std::string("/dev/kvm");
}

Result<std::unique_ptr<KvmAccelerator>> KvmAccelerator::open(const std::string& device_path) {
    std::unique_ptr<KvmAccelerator> accel(new KvmAccelerator());
    accel->m_path = device_path;
    int fd = ::open(device_path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT)
            return Error{fmt::format("KVM is not available: {} does not exist (is the kvm module "
                                     "loaded and virtualization enabled?)",
                                     device_path),
                         e};
        if (e == EACCES || e == EPERM)
            return Error{fmt::format("KVM is not accessible: no permission to open {} (add the "
                                     "user to the 'kvm' group)",
                                     device_path),
                         e};
        return Error::from_errno("KVM is not available: cannot open {}", device_path);
    }
    accel->m_fd.reset(fd);
    TRY(accel->probe());
    return accel;
}

Result<void> KvmAccelerator::probe() {
    int version = ::ioctl(m_fd.get(), KVM_GET_API_VERSION, 0);
    if (version < 0)
        return Error::from_errno("KVM is not usable: {} does not answer KVM_GET_API_VERSION",
                                 m_path);
    if (version != KVM_API_VERSION)
        return Error::make("KVM is not usable: {} reports API version {}, machina needs {}", m_path,
                           version, KVM_API_VERSION);
    for (const auto& req : kRequiredCaps) {
        if (::ioctl(m_fd.get(), KVM_CHECK_EXTENSION, req.cap) <= 0)
            return Error::make("KVM is not usable: {} lacks the required capability {}", m_path,
                               req.name);
    }
    int size = ::ioctl(m_fd.get(), KVM_GET_VCPU_MMAP_SIZE, 0);
    if (size < int(sizeof(kvm_run)))
        return Error::from_errno("KVM is not usable: bad KVM_GET_VCPU_MMAP_SIZE from {}", m_path);
    m_vcpu_mmap_size = size_t(size);

    // KVM_GET_SUPPORTED_CPUID fails with E2BIG until the buffer is large enough.
    for (unsigned n = 64; n <= 4096; n *= 2) {
        abi::FlexBuffer<abi::Cpuid2Header, kvm_cpuid_entry2> buf(n);
        buf.header()->nent = n;
        if (::ioctl(m_fd.get(), abi::kGetSupportedCpuid, buf.data()) < 0) {
            if (errno == E2BIG) continue;
            return Error::from_errno("KVM is not usable: KVM_GET_SUPPORTED_CPUID failed");
        }
        m_supported_cpuid.clear();
        for (unsigned i = 0; i < buf.header()->nent; ++i) {
            const auto& e = buf.entries()[i];
            m_supported_cpuid.push_back({e.function, e.index, e.flags, e.eax, e.ebx, e.ecx, e.edx});
        }
        return ok();
    }
    return Error::make("KVM is not usable: KVM_GET_SUPPORTED_CPUID needs too many entries");
}

Result<std::unique_ptr<core::Vm>> KvmAccelerator::create_vm() {
    auto vm = TRY(create_kvm_vm(VmOptions{}));
    return std::unique_ptr<core::Vm>(std::move(vm));
}

Result<std::unique_ptr<KvmVm>> KvmAccelerator::create_kvm_vm(const VmOptions& options) {
    return KvmVm::create(*this, options);
}

} // namespace machina::kvm
