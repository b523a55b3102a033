#include "accel/kvm/kvm_vm.h"

#include <linux/kvm.h>
#include <sys/ioctl.h>

#include "accel/kvm/kvm_vcpu.h"

namespace machina::kvm {

Result<std::unique_ptr<KvmVm>> KvmVm::create(KvmAccelerator& accel, const VmOptions& options) {
    if (options.vcpu_count == 0 || options.vcpu_count > 255)
        return Error::make("KVM: {} vCPUs requested; between 1 and 255 are supported",
                           options.vcpu_count);
    std::unique_ptr<KvmVm> vm(new KvmVm(accel, options));
    int fd = ::ioctl(accel.fd(), KVM_CREATE_VM, 0);
    if (fd < 0) return Error::from_errno("KVM: cannot create a VM (KVM_CREATE_VM)");
    vm->m_fd.reset(fd);
    if (::ioctl(fd, KVM_SET_TSS_ADDR, kTssAddress) < 0)
        return Error::from_errno("KVM: KVM_SET_TSS_ADDR failed");
    uint64_t identity = kIdentityMapAddress;
    if (::ioctl(accel.fd(), KVM_CHECK_EXTENSION, KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0 &&
        ::ioctl(fd, KVM_SET_IDENTITY_MAP_ADDR, &identity) < 0)
        return Error::from_errno("KVM: KVM_SET_IDENTITY_MAP_ADDR failed");
    // The irqchip and PIT come later (ensure_irqchip()): once they exist, every memory slot
    // change waits for KVM's SRCU grace periods (5-8 ms on a slow host), so memory goes first.
    return vm;
}

Result<void> KvmVm::ensure_irqchip() {
    if (!m_options.in_kernel_irqchip || m_irqchip_created.load(std::memory_order_acquire))
        return ok();
    // A device thread (a network backend) may raise an interrupt while the board still builds.
    std::lock_guard lock(m_irqchip_mutex);
    if (m_irqchip_created.load(std::memory_order_relaxed)) return ok();
    if (::ioctl(m_fd.get(), KVM_CREATE_IRQCHIP, 0) < 0)
        return Error::from_errno("KVM: cannot create the in-kernel irqchip");
    kvm_pit_config pit{};
    pit.flags = KVM_PIT_SPEAKER_DUMMY;
    if (::ioctl(m_fd.get(), KVM_CREATE_PIT2, &pit) < 0)
        return Error::from_errno("KVM: cannot create the in-kernel PIT (KVM_CREATE_PIT2)");
    m_irqchip_created.store(true, std::memory_order_release);
    return ok();
}

KvmVm::~KvmVm() = default;

Result<void> KvmVm::map_memory(const core::GuestMemory& memory) {
    for (const auto& region : memory.regions()) {
        kvm_userspace_memory_region slot{};
        slot.slot = m_next_slot;
        slot.guest_phys_addr = region.gpa;
        slot.memory_size = region.size;
        slot.userspace_addr = reinterpret_cast<uint64_t>(region.host);
        if (::ioctl(m_fd.get(), KVM_SET_USER_MEMORY_REGION, &slot) < 0)
            return Error::from_errno("KVM: cannot map RAM region '{}' at {:#x} ({} MiB)",
                                     region.name, region.gpa, region.size >> 20);
        ++m_next_slot;
    }
    return ok();
}

Result<std::unique_ptr<core::Vcpu>> KvmVm::create_vcpu(unsigned index) {
    auto vcpu = TRY(create_kvm_vcpu(index));
    return std::unique_ptr<core::Vcpu>(std::move(vcpu));
}

Result<std::unique_ptr<KvmVcpu>> KvmVm::create_kvm_vcpu(unsigned index) {
    if (index >= m_options.vcpu_count)
        return Error::make("KVM: vCPU {} requested but the VM was created for {}", index,
                           m_options.vcpu_count);
    TRY(ensure_irqchip()); // KVM needs the irqchip before the first vCPU
    return KvmVcpu::create(*this, index);
}

Result<void> KvmVm::set_irq(unsigned gsi, bool level) {
    if (!m_options.in_kernel_irqchip)
        return Error::make("KVM: set_irq({}) without an in-kernel irqchip", gsi);
    TRY(ensure_irqchip());
    kvm_irq_level irq{};
    irq.irq = gsi;
    irq.level = level ? 1 : 0;
    if (::ioctl(m_fd.get(), KVM_IRQ_LINE, &irq) < 0)
        return Error::from_errno("KVM: KVM_IRQ_LINE for GSI {} failed", gsi);
    return ok();
}

Result<void> KvmVm::add_irqfd(unsigned gsi, int eventfd) {
    TRY(ensure_irqchip());
    kvm_irqfd req{};
    req.fd = uint32_t(eventfd);
    req.gsi = gsi;
    if (::ioctl(m_fd.get(), KVM_IRQFD, &req) < 0)
        return Error::from_errno("KVM: cannot attach irqfd to GSI {}", gsi);
    return ok();
}

Result<void> KvmVm::remove_irqfd(unsigned gsi, int eventfd) {
    kvm_irqfd req{};
    req.fd = uint32_t(eventfd);
    req.gsi = gsi;
    req.flags = KVM_IRQFD_FLAG_DEASSIGN;
    if (::ioctl(m_fd.get(), KVM_IRQFD, &req) < 0)
        return Error::from_errno("KVM: cannot detach irqfd from GSI {}", gsi);
    return ok();
}

Result<void> KvmVm::ioeventfd(IoeventSpace space, uint64_t addr, unsigned len, int eventfd,
                              std::optional<uint64_t> datamatch, bool remove) {
    kvm_ioeventfd req{};
    req.addr = addr;
    req.len = len;
    req.fd = eventfd;
    if (space == IoeventSpace::Pio) req.flags |= KVM_IOEVENTFD_FLAG_PIO;
    if (datamatch) {
        req.flags |= KVM_IOEVENTFD_FLAG_DATAMATCH;
        req.datamatch = *datamatch;
    }
    if (remove) req.flags |= KVM_IOEVENTFD_FLAG_DEASSIGN;
    if (::ioctl(m_fd.get(), KVM_IOEVENTFD, &req) < 0)
        return Error::from_errno("KVM: cannot {} ioeventfd at {} {:#x}/{}",
                                 remove ? "remove" : "add",
                                 space == IoeventSpace::Pio ? "port" : "address", addr, len);
    return ok();
}

Result<void> KvmVm::add_ioeventfd(IoeventSpace space, uint64_t addr, unsigned len, int eventfd,
                                  std::optional<uint64_t> datamatch) {
    return ioeventfd(space, addr, len, eventfd, datamatch, false);
}

Result<void> KvmVm::remove_ioeventfd(IoeventSpace space, uint64_t addr, unsigned len, int eventfd,
                                     std::optional<uint64_t> datamatch) {
    return ioeventfd(space, addr, len, eventfd, datamatch, true);
}

} // namespace machina::kvm
