#pragma once
// PrivilegedState: the machine- and supervisor-level state of one RISC-V hart (privileged
// architecture 1.12): privilege mode, trap CSRs, interrupt enables and pending bits, address
// translation, counters' enables, PMP registers. HartState holds what user code sees; this holds
// the rest, so user-mode emulation carries none of it.

#include <atomic>
#include <cstdint>

namespace machina::riscv {

/// Privilege levels, encoded as in mstatus.MPP.
enum class Priv : uint8_t { User = 0, Supervisor = 1, Machine = 3 };

/// CSR numbers of the privileged architecture.
namespace csr {
enum : uint16_t {
    kSstatus = 0x100,
    kSie = 0x104,
    kStvec = 0x105,
    kScounteren = 0x106,
    kSenvcfg = 0x10a,
    kSscratch = 0x140,
    kSepc = 0x141,
    kScause = 0x142,
    kStval = 0x143,
    kSip = 0x144,
    kStimecmp = 0x14d,
    kSatp = 0x180,
    kMstatus = 0x300,
    kMisa = 0x301,
    kMedeleg = 0x302,
    kMideleg = 0x303,
    kMie = 0x304,
    kMtvec = 0x305,
    kMcounteren = 0x306,
    kMenvcfg = 0x30a,
    kMcountinhibit = 0x320,
    kMhpmevent3 = 0x323,
    kMhpmevent31 = 0x33f,
    kMscratch = 0x340,
    kMepc = 0x341,
    kMcause = 0x342,
    kMtval = 0x343,
    kMip = 0x344,
    kMtinst = 0x34a,
    kMtval2 = 0x34b,
    kPmpcfg0 = 0x3a0,
    kPmpcfg15 = 0x3af,
    kPmpaddr0 = 0x3b0,
    kPmpaddr63 = 0x3ef,
    kMseccfg = 0x747,
    kMcycle = 0xb00,
    kMinstret = 0xb02,
    kMhpmcounter3 = 0xb03,
    kMhpmcounter31 = 0xb1f,
    kCycle = 0xc00,
    kTime = 0xc01,
    kInstret = 0xc02,
    kHpmcounter3 = 0xc03,
    kHpmcounter31 = 0xc1f,
    kMvendorid = 0xf11,
    kMarchid = 0xf12,
    kMimpid = 0xf13,
    kMhartid = 0xf14,
    kMconfigptr = 0xf15,
};
} // namespace csr

/// mstatus fields.
namespace mstatus {
constexpr uint64_t kSie = 1ull << 1, kMie = 1ull << 3, kSpie = 1ull << 5, kMpie = 1ull << 7,
                   kSpp = 1ull << 8, kMppShift = 11, kMpp = 3ull << 11, kFsShift = 13,
                   kFs = 3ull << 13, kMprv = 1ull << 17, kSum = 1ull << 18, kMxr = 1ull << 19,
                   kTvm = 1ull << 20, kTw = 1ull << 21, kTsr = 1ull << 22, kUxl = 3ull << 32,
                   kSxl = 3ull << 34, kSd = 1ull << 63;
} // namespace mstatus

/// Interrupt bits of mip/mie (and causes, without the interrupt bit).
namespace irq {
constexpr unsigned kSSoft = 1, kMSoft = 3, kSTimer = 5, kMTimer = 7, kSExt = 9, kMExt = 11;
constexpr uint64_t bit(unsigned n) {
    return 1ull << n;
}
} // namespace irq

/// Exception causes (mcause/scause without the interrupt bit).
namespace cause {
enum : uint64_t {
    kInsnMisaligned = 0,
    kInsnAccessFault = 1,
    kIllegalInsn = 2,
    kBreakpoint = 3,
    kLoadMisaligned = 4,
    kLoadAccessFault = 5,
    kStoreMisaligned = 6,
    kStoreAccessFault = 7,
    kEcallU = 8,
    kEcallS = 9,
    kEcallM = 11,
    kInsnPageFault = 12,
    kLoadPageFault = 13,
    kStorePageFault = 15,
};
constexpr uint64_t kInterruptBit = 1ull << 63;
} // namespace cause

/// Privileged state of one hart. `mip_lines` is set from device threads (CLINT, PLIC) and read by
/// the hart at instruction boundaries, so it is atomic; everything else belongs to the hart thread.
struct PrivilegedState {
    Priv priv = Priv::Machine;
    uint64_t mhartid = 0;
    uint64_t mstatus = 0;
    uint64_t misa = 0;
    uint64_t medeleg = 0, mideleg = 0;
    uint64_t mie = 0;
    uint64_t mip = 0;                   ///< software-writable pending bits (SSIP, STIP, SEIP)
    std::atomic<uint64_t> mip_lines{0}; ///< bits driven by devices (MSIP, MTIP, MEIP, SEIP)
    uint64_t mtvec = 0, mscratch = 0, mepc = 0, mcause = 0, mtval = 0;
    uint64_t mcounteren = 0, mcountinhibit = 0, menvcfg = 0;
    uint64_t stvec = 0, sscratch = 0, sepc = 0, scause = 0, stval = 0;
    uint64_t scounteren = 0, senvcfg = 0, satp = 0;
    uint64_t stimecmp = ~0ull;
    uint64_t pmpcfg[8] = {}; ///< pmpcfg0, 2, ..., 14 (RV64 has only even ones)
    uint64_t pmpaddr[64] = {};
    uint64_t mcycle_offset = 0; ///< mcycle = instret + offset (written values shift it)

    /// Effective pending bits: software bits, device lines, and STIP from stimecmp (Sstc).
    uint64_t pending(uint64_t time) const;
};

} // namespace machina::riscv
