// The KVM engine through its own API: probing errors, and a vCPU in long mode whose port I/O
// (including rep outsb), MMIO, ioeventfd, halt and kick() come back as the expected exits.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "accel/kvm/kvm_accelerator.h"
#include "accel/kvm/kvm_vcpu.h"
#include "accel/kvm/kvm_vm.h"

namespace {

using namespace machina;
using Kind = core::VcpuExit::Kind;

// See the listing in the test below; assembled from AT&T source with gas.
const uint8_t kCode[] = {
    0x66, 0xb8, 0x34, 0x12,                // mov $0x1234, %ax
    0x66, 0xe7, 0x80,                      // out %ax, $0x80
    0xe4, 0x81,                            // in $0x81, %al
    0xe6, 0x82,                            // out %al, $0x82
    0xbe, 0x00, 0x20, 0x00, 0x00,          // mov $0x2000, %esi
    0xb9, 0x03, 0x00, 0x00, 0x00,          // mov $3, %ecx
    0x66, 0xba, 0x83, 0x00,                // mov $0x83, %dx
    0xf3, 0x6e,                            // rep outsb
    0xbb, 0x00, 0x00, 0xb0, 0xfe,          // mov $0xfeb00000, %ebx
    0xc7, 0x03, 0xef, 0xbe, 0xad, 0xde,    // movl $0xdeadbeef, (%rbx)
    0x48, 0x8b, 0x03,                      // mov (%rbx), %rax
    0x48, 0x89, 0x43, 0x08,                // mov %rax, 8(%rbx)
    0xc7, 0x43, 0x10, 0x77, 0,    0,    0, // movl $0x77, 0x10(%rbx)   (ioeventfd)
    0xf4,                                  // 1: hlt
    0xeb, 0xfd,                            // jmp 1b
};

bool kvm_usable() {
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) return false;
    close(fd);
    return true;
}

TEST(KvmProbe, MissingDeviceIsOneClearSentence) {
    auto r = kvm::KvmAccelerator::open("/nonexistent/kvm");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "KVM is not available: /nonexistent/kvm does not exist (is the "
                                 "kvm module loaded and virtualization enabled?)");
}

TEST(KvmProbe, NonKvmDeviceIsRejected) {
    auto r = kvm::KvmAccelerator::open("/dev/null");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("KVM is not usable: /dev/null"), std::string::npos)
        << r.error().message;
}

TEST(KvmProbe, EnvironmentOverridesDevicePath) {
    setenv("MACHINA_KVM_DEVICE", "/tmp/not-kvm", 1);
    EXPECT_EQ(kvm::default_device_path(), "/tmp/not-kvm");
    unsetenv("MACHINA_KVM_DEVICE");
    EXPECT_EQ(kvm::default_device_path(), "/dev/kvm");
}

class KvmVcpuTest : public testing::Test {
  protected:
    void SetUp() override {
        if (!kvm_usable()) GTEST_SKIP() << "/dev/kvm is missing or not accessible";
        auto accel = kvm::KvmAccelerator::open("/dev/kvm");
        ASSERT_TRUE(accel.ok()) << accel.error().message;
        m_accel = std::move(*accel);
        ASSERT_TRUE(m_memory.add_ram(0, 2 << 20, "ram").ok());
        ASSERT_TRUE(m_memory.write(0x1000, kCode, sizeof kCode).ok());
        ASSERT_TRUE(m_memory.write(0x2000, "abc", 3).ok());
    }
    std::unique_ptr<kvm::KvmVm> make_vm(unsigned cpus) {
        auto vm = m_accel->create_kvm_vm({cpus, true, {}});
        EXPECT_TRUE(vm.ok()) << vm.error().message;
        EXPECT_TRUE((*vm)->map_memory(m_memory).ok());
        return std::move(*vm);
    }

    std::unique_ptr<kvm::KvmAccelerator> m_accel;
    core::GuestMemory m_memory;
};

TEST_F(KvmVcpuTest, PioMmioIoeventfdHaltAndKick) {
    auto vm = make_vm(1);
    auto vcpu_r = vm->create_kvm_vcpu(0);
    ASSERT_TRUE(vcpu_r.ok()) << vcpu_r.error().message;
    auto& vcpu = **vcpu_r;
    auto state = kvm::x86::write_boot_tables(m_memory, 2 << 20);
    ASSERT_TRUE(state.ok());
    state->rip = 0x1000;
    state->rsp = 0x8000;
    ASSERT_TRUE(vcpu.set_boot_state(*state).ok());
    int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    ASSERT_GE(efd, 0);
    ASSERT_TRUE(vm->add_ioeventfd(kvm::IoeventSpace::Mmio, 0xfeb00010, 4, efd).ok());

    auto next = [&] {
        auto e = vcpu.run();
        EXPECT_TRUE(e.ok());
        return e.ok() ? *e : core::VcpuExit{};
    };
    auto e = next();
    EXPECT_EQ(e.kind, Kind::Pio);
    EXPECT_EQ(e.address, 0x80u);
    EXPECT_EQ(e.size, 2u);
    EXPECT_TRUE(e.is_write);
    EXPECT_EQ(e.data, 0x1234u);

    e = next();
    EXPECT_EQ(e.kind, Kind::Pio);
    EXPECT_EQ(e.address, 0x81u);
    EXPECT_FALSE(e.is_write);
    vcpu.complete_read(0x5a);
    e = next();
    EXPECT_EQ(e.address, 0x82u);
    EXPECT_EQ(e.data, 0x5au) << "the value given to complete_read reached %al";

    for (char c : std::string("abc")) {
        e = next();
        EXPECT_EQ(e.kind, Kind::Pio);
        EXPECT_EQ(e.address, 0x83u);
        EXPECT_EQ(e.size, 1u);
        EXPECT_EQ(e.data, uint64_t(uint8_t(c))) << "rep outsb is split into single accesses";
    }

    e = next();
    EXPECT_EQ(e.kind, Kind::Mmio);
    EXPECT_EQ(e.address, 0xfeb00000u);
    EXPECT_EQ(e.size, 4u);
    EXPECT_TRUE(e.is_write);
    EXPECT_EQ(e.data, 0xdeadbeefu);

    e = next();
    EXPECT_EQ(e.kind, Kind::Mmio);
    EXPECT_FALSE(e.is_write);
    EXPECT_EQ(e.size, 8u);
    vcpu.complete_read(0x1122334455667788ull);
    e = next();
    EXPECT_EQ(e.kind, Kind::Mmio);
    EXPECT_EQ(e.address, 0xfeb00008u);
    EXPECT_EQ(e.data, 0x1122334455667788ull);

    // The ioeventfd write does not exit; the vCPU then halts (in-kernel LAPIC: it blocks in
    // KVM_RUN) until kick() from another thread.
    std::thread kicker([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        vcpu.kick();
    });
    e = next();
    kicker.join();
    EXPECT_EQ(e.kind, Kind::Interrupted);
    uint64_t count = 0;
    EXPECT_EQ(read(efd, &count, 8), 8);
    EXPECT_EQ(count, 1u) << "the guest write signalled the ioeventfd";
    auto rip = vcpu.reg(16);
    ASSERT_TRUE(rip.ok());
    EXPECT_GE(*rip, 0x1000u + sizeof kCode - 3);
    EXPECT_TRUE(vm->remove_ioeventfd(kvm::IoeventSpace::Mmio, 0xfeb00010, 4, efd).ok());
    close(efd);
}

TEST_F(KvmVcpuTest, KickBeforeRunReturnsInterruptedAtOnce) {
    auto vm = make_vm(1);
    auto vcpu = vm->create_kvm_vcpu(0);
    ASSERT_TRUE(vcpu.ok());
    (*vcpu)->kick();
    auto e = (*vcpu)->run();
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e->kind, Kind::Interrupted);
}

TEST_F(KvmVcpuTest, ApWaitsForSipiAndIrqPlumbingWorks) {
    auto vm = make_vm(2);
    auto bsp = vm->create_kvm_vcpu(0);
    auto ap = vm->create_kvm_vcpu(1);
    ASSERT_TRUE(bsp.ok() && ap.ok());
    EXPECT_EQ(*(*bsp)->mp_state(), kvm::MpState::Runnable);
    EXPECT_EQ(*(*ap)->mp_state(), kvm::MpState::WaitingForSipi);
    EXPECT_FALSE(vm->create_kvm_vcpu(2).ok()) << "only as many vCPUs as the VM was made for";
    EXPECT_TRUE(vm->set_irq(4, true).ok());
    EXPECT_TRUE(vm->set_irq(4, false).ok());
    int efd = eventfd(0, EFD_CLOEXEC);
    EXPECT_TRUE(vm->add_irqfd(5, efd).ok());
    EXPECT_TRUE(vm->remove_irqfd(5, efd).ok());
    close(efd);
}

TEST_F(KvmVcpuTest, HaltExitsWithoutInKernelIrqchip) {
    auto vm = m_accel->create_kvm_vm({1, false, {}});
    ASSERT_TRUE(vm.ok()) << vm.error().message;
    ASSERT_TRUE((*vm)->map_memory(m_memory).ok());
    auto vcpu = (*vm)->create_kvm_vcpu(0);
    ASSERT_TRUE(vcpu.ok()) << vcpu.error().message;
    const uint8_t hlt[] = {0xf4};
    ASSERT_TRUE(m_memory.write(0x3000, hlt, 1).ok());
    auto state = kvm::x86::write_boot_tables(m_memory, 2 << 20);
    ASSERT_TRUE(state.ok());
    state->rip = 0x3000;
    ASSERT_TRUE((*vcpu)->set_boot_state(*state).ok());
    auto e = (*vcpu)->run();
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e->kind, Kind::Halt);
    EXPECT_FALSE((*vm)->set_irq(4, true).ok()) << "no irqchip to drive";
}

TEST_F(KvmVcpuTest, ZeroVcpusRejected) {
    auto vm = m_accel->create_kvm_vm({0, true, {}});
    ASSERT_FALSE(vm.ok());
}

} // namespace
