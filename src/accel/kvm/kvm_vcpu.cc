#include "accel/kvm/kvm_vcpu.h"

#include <linux/kvm.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <cstring>
#include <mutex>

#include "accel/kvm/kvm_vm.h"
#include "base/log.h"

namespace machina::kvm {

namespace {

int kick_signal() {
    return SIGRTMIN + 3;
}

void on_kick_signal(int) {}

const char* exit_reason_name(uint32_t reason) {
    switch (reason) {
    case KVM_EXIT_UNKNOWN: return "unknown";
    case KVM_EXIT_EXCEPTION: return "exception";
    case KVM_EXIT_HYPERCALL: return "hypercall";
    case KVM_EXIT_DEBUG: return "debug";
    case KVM_EXIT_IRQ_WINDOW_OPEN: return "irq window open";
    case KVM_EXIT_NMI: return "nmi";
    case KVM_EXIT_TPR_ACCESS: return "tpr access";
    default: return "unexpected";
    }
}

} // namespace

void install_kick_signal_handler() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction sa {};
        sa.sa_handler = on_kick_signal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = 0; // no SA_RESTART: KVM_RUN must return EINTR
        sigaction(kick_signal(), &sa, nullptr);
    });
}

Result<std::unique_ptr<KvmVcpu>> KvmVcpu::create(KvmVm& vm, unsigned index) {
    install_kick_signal_handler();
    std::unique_ptr<KvmVcpu> vcpu(new KvmVcpu(vm, index));
    int fd = ::ioctl(vm.fd(), KVM_CREATE_VCPU, index);
    if (fd < 0) return Error::from_errno("KVM: cannot create vCPU {}", index);
    vcpu->m_fd.reset(fd);
    vcpu->m_run_size = vm.accelerator().vcpu_mmap_size();
    void* run = ::mmap(nullptr, vcpu->m_run_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (run == MAP_FAILED) return Error::from_errno("KVM: cannot map kvm_run of vCPU {}", index);
    vcpu->m_run = static_cast<kvm_run*>(run);
    TRY_CTX(vcpu->setup_cpuid(), fmt::format("vCPU {}", index));
    TRY_CTX(vcpu->setup_msrs(), fmt::format("vCPU {}", index));
    TRY_CTX(vcpu->setup_fpu(), fmt::format("vCPU {}", index));
    if (vm.options().in_kernel_irqchip) TRY_CTX(vcpu->setup_lapic(), fmt::format("vCPU {}", index));
    return vcpu;
}

KvmVcpu::~KvmVcpu() {
    if (m_run) ::munmap(m_run, m_run_size);
}

void KvmVcpu::kick() {
    m_kick_pending.store(true, std::memory_order_release);
    // immediate_exit covers the window between the check in run() and entering KVM_RUN.
    __atomic_store_n(&m_run->immediate_exit, 1, __ATOMIC_RELEASE);
    if (m_thread_known.load(std::memory_order_acquire))
        pthread_kill(m_thread.load(std::memory_order_acquire), kick_signal());
}

void KvmVcpu::complete_read(uint64_t value) {
    if (!m_pending_read) return;
    std::memcpy(m_pending_read, &value, m_pending_read_size);
    m_pending_read = nullptr;
}

core::VcpuExit KvmVcpu::next_io_exit() {
    core::VcpuExit exit;
    exit.kind = core::VcpuExit::Kind::Pio;
    exit.address = m_run->io.port;
    exit.size = m_run->io.size;
    exit.is_write = m_run->io.direction == KVM_EXIT_IO_OUT;
    uint8_t* data = reinterpret_cast<uint8_t*>(m_run) + m_run->io.data_offset +
                    size_t(m_io_next) * m_run->io.size;
    if (exit.is_write) {
        uint64_t value = 0;
        std::memcpy(&value, data, exit.size);
        exit.data = value;
    } else {
        m_pending_read = data;
        m_pending_read_size = exit.size;
    }
    ++m_io_next;
    return exit;
}

core::VcpuExit KvmVcpu::exit_from_run() {
    using Kind = core::VcpuExit::Kind;
    core::VcpuExit exit;
    switch (m_run->exit_reason) {
    case KVM_EXIT_IO:
        m_io_next = 0;
        m_io_count = m_run->io.count;
        return next_io_exit();
    case KVM_EXIT_MMIO:
        exit.kind = Kind::Mmio;
        exit.address = m_run->mmio.phys_addr;
        exit.size = m_run->mmio.len;
        exit.is_write = m_run->mmio.is_write != 0;
        if (exit.is_write) {
            uint64_t value = 0;
            std::memcpy(&value, m_run->mmio.data, std::min<unsigned>(exit.size, 8));
            exit.data = value;
        } else {
            m_pending_read = m_run->mmio.data;
            m_pending_read_size = std::min<unsigned>(exit.size, 8);
        }
        return exit;
    case KVM_EXIT_HLT: exit.kind = Kind::Halt; return exit;
    case KVM_EXIT_SHUTDOWN:
        exit.kind = Kind::Shutdown;
        exit.detail = "triple fault";
        return exit;
    case KVM_EXIT_SYSTEM_EVENT:
        exit.kind =
            m_run->system_event.type == KVM_SYSTEM_EVENT_RESET ? Kind::Reset : Kind::Shutdown;
        exit.detail = fmt::format("system event {}", m_run->system_event.type);
        return exit;
    case KVM_EXIT_DEBUG: exit.kind = Kind::Debug; return exit;
    case KVM_EXIT_INTR: exit.kind = Kind::Interrupted; return exit;
    case KVM_EXIT_FAIL_ENTRY:
        exit.kind = Kind::Error;
        exit.detail =
            fmt::format("vCPU {}: KVM could not enter the guest (hardware entry "
                        "failure reason {:#x}); {}",
                        m_index, m_run->fail_entry.hardware_entry_failure_reason, describe_state());
        return exit;
    case KVM_EXIT_INTERNAL_ERROR: {
        exit.kind = Kind::Error;
        std::string data;
        for (uint32_t i = 0; i < m_run->internal.ndata && i < 4; ++i)
            data += fmt::format(" {:#x}", m_run->internal.data[i]);
        const char* what = m_run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION
                               ? "instruction emulation failed"
                               : "internal error";
        exit.detail = fmt::format("vCPU {}: KVM {} (suberror {}{}); {}", m_index, what,
                                  m_run->internal.suberror, data, describe_state());
        return exit;
    }
    default:
        exit.kind = Kind::Error;
        exit.detail =
            fmt::format("vCPU {}: unhandled KVM exit {} ({}); {}", m_index, m_run->exit_reason,
                        exit_reason_name(m_run->exit_reason), describe_state());
        return exit;
    }
}

Result<core::VcpuExit> KvmVcpu::run() {
    ASSERT(m_pending_read == nullptr, "run() before complete_read() of a pending read");
    if (m_io_next < m_io_count) return next_io_exit();
    m_io_next = m_io_count = 0;

    if (!m_thread_known.load(std::memory_order_relaxed) ||
        !pthread_equal(m_thread.load(std::memory_order_relaxed), pthread_self())) {
        m_thread.store(pthread_self(), std::memory_order_release);
        m_thread_known.store(true, std::memory_order_release);
    }
    if (m_kick_pending.exchange(false, std::memory_order_acq_rel)) {
        __atomic_store_n(&m_run->immediate_exit, 0, __ATOMIC_RELEASE);
        return core::VcpuExit{core::VcpuExit::Kind::Interrupted, 0, 0, false, 0, {}};
    }
    int rc = ::ioctl(m_fd.get(), KVM_RUN, 0);
    if (rc < 0) {
        if (errno == EINTR || errno == EAGAIN) {
            m_kick_pending.store(false, std::memory_order_release);
            __atomic_store_n(&m_run->immediate_exit, 0, __ATOMIC_RELEASE);
            return core::VcpuExit{core::VcpuExit::Kind::Interrupted, 0, 0, false, 0, {}};
        }
        return Error::from_errno("KVM_RUN failed on vCPU {}", m_index);
    }
    return exit_from_run();
}

Result<MpState> KvmVcpu::mp_state() const {
    kvm_mp_state state{};
    if (::ioctl(m_fd.get(), KVM_GET_MP_STATE, &state) < 0)
        return Error::from_errno("KVM_GET_MP_STATE failed on vCPU {}", m_index);
    switch (state.mp_state) {
    case KVM_MP_STATE_RUNNABLE: return MpState::Runnable;
    case KVM_MP_STATE_UNINITIALIZED:
    case KVM_MP_STATE_INIT_RECEIVED:
    case KVM_MP_STATE_SIPI_RECEIVED: return MpState::WaitingForSipi;
    case KVM_MP_STATE_HALTED: return MpState::Halted;
    default: return MpState::Other;
    }
}

Result<uint64_t> KvmVcpu::reg(unsigned which) const {
    kvm_regs regs{};
    if (::ioctl(m_fd.get(), KVM_GET_REGS, &regs) < 0)
        return Error::from_errno("KVM_GET_REGS failed on vCPU {}", m_index);
    constexpr unsigned kCount = sizeof(kvm_regs) / sizeof(uint64_t);
    if (which >= kCount) return Error::make("register index {} out of range", which);
    uint64_t values[kCount];
    std::memcpy(values, &regs, sizeof values);
    return values[which];
}

std::string KvmVcpu::describe_state() const {
    kvm_regs regs{};
    kvm_sregs sregs{};
    if (::ioctl(m_fd.get(), KVM_GET_REGS, &regs) < 0 ||
        ::ioctl(m_fd.get(), KVM_GET_SREGS, &sregs) < 0)
        return "(registers unavailable)";
    return fmt::format("rip={:#x} cs={:#x} rsp={:#x} cr0={:#x} cr3={:#x} cr4={:#x} efer={:#x}",
                       regs.rip, sregs.cs.selector, regs.rsp, sregs.cr0, sregs.cr3, sregs.cr4,
                       sregs.efer);
}

} // namespace machina::kvm
