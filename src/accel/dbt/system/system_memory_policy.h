#pragma once
// The interpreter's memory policy in system mode: TLB hits go straight to host memory, misses,
// page crossings and MMIO take the softmmu slow path. Built afresh for each interpreter run, so
// it caches the regimes (privilege, MPRV, SUM) and the current fetch page: every instruction that
// changes them (CSR writes, traps, xret, sfence.vma) ends the run.

#include <cstdint>
#include <cstring>

#include "accel/dbt/system/softmmu.h"
#include "accel/dbt/system/system_hart.h"

namespace machina::dbt::system {

/// Memory policy for interp::run() in system mode.
class SystemMemoryPolicy {
  public:
    /// Privileged instructions and CSRs exit to the system loop; FP needs mstatus.FS.
    static constexpr bool kSystem = true;

    SystemMemoryPolicy(SystemHart& hart, PhysicalBus& bus)
        : m_hart(hart), m_bus(bus), m_data(hart.data_regime()), m_fetch(hart.fetch_regime()) {}

    /// Loads a T at any alignment; false (hart.fault set) on a fault.
    template <typename T>
    bool load(uint64_t addr, T& out) const {
        const TlbEntry& e = m_hart.tlb.slot(m_data, addr);
        if (e.read_tag == (addr & ~SoftTlb::kPageMask) &&
            (addr & SoftTlb::kPageMask) <= SoftTlb::kPageSize - sizeof(T)) {
            std::memcpy(&out, reinterpret_cast<const void*>(addr + e.addend), sizeof(T));
            return true;
        }
        uint64_t v = 0;
        if (!softmmu_load(m_hart, m_bus, addr, sizeof(T), &v)) return false;
        out = T(v);
        return true;
    }

    /// Stores a T at any alignment; false (hart.fault set, nothing written) on a fault.
    template <typename T>
    bool store(uint64_t addr, T value) const {
        const TlbEntry& e = m_hart.tlb.slot(m_data, addr);
        if (e.write_tag == (addr & ~SoftTlb::kPageMask) &&
            (addr & SoftTlb::kPageMask) <= SoftTlb::kPageSize - sizeof(T)) {
            std::memcpy(reinterpret_cast<void*>(addr + e.addend), &value, sizeof(T));
            return true;
        }
        return softmmu_store(m_hart, m_bus, addr, sizeof(T), uint64_t(value));
    }

    /// Fetches the instruction at `pc` (16 or 32 bits); on a fault sets *fault_addr to the parcel
    /// that failed (hart.fault set too).
    bool fetch(uint64_t pc, uint32_t* raw, uint64_t* fault_addr) const {
        const uint64_t page = pc & ~SoftTlb::kPageMask;
        if ((pc & SoftTlb::kPageMask) <= SoftTlb::kPageSize - 4) {
            if (page != m_fetch_page && !refill_fetch_page(pc)) {
                *fault_addr = pc;
                return false;
            }
            std::memcpy(raw, m_fetch_host + (pc & SoftTlb::kPageMask), 4);
            return true;
        }
        uint16_t lo = 0, hi = 0;
        if (!softmmu_fetch16(m_hart, m_bus, pc, &lo)) {
            *fault_addr = pc;
            return false;
        }
        if ((lo & 3) != 3) {
            *raw = lo;
            return true;
        }
        if (!softmmu_fetch16(m_hart, m_bus, pc + 2, &hi)) {
            *fault_addr = pc + 2;
            return false;
        }
        *raw = uint32_t(lo) | uint32_t(hi) << 16;
        return true;
    }

    /// Host pointer for an aligned atomic, or nullptr (hart.fault set).
    uint8_t* atomic_ptr(uint64_t addr, uint64_t size, bool write) const {
        const TlbEntry& e = m_hart.tlb.slot(m_data, addr);
        const uint64_t page = addr & ~SoftTlb::kPageMask;
        if ((write ? e.write_tag : e.read_tag) == page)
            return reinterpret_cast<uint8_t*>(addr + e.addend);
        return softmmu_atomic(m_hart, m_bus, addr, unsigned(size), write);
    }

    /// FP instructions are legal when mstatus.FS is not Off; they leave FS Dirty.
    bool fp_usable() const {
        uint64_t& status = m_hart.priv.mstatus;
        if ((status & riscv::mstatus::kFs) == 0) return false;
        status |= riscv::mstatus::kFs;
        return true;
    }

  private:
    /// Makes the page of `pc` the cached fetch page; false (hart.fault set) on a fault.
    bool refill_fetch_page(uint64_t pc) const {
        const uint64_t page = pc & ~SoftTlb::kPageMask;
        const TlbEntry& e = m_hart.tlb.slot(m_fetch, pc);
        if (e.exec_tag != page &&
            softmmu_lookup(m_hart, m_bus, pc, riscv::AccessType::Fetch, m_fetch).kind !=
                PageLookup::Kind::Ram)
            return false;
        if (e.exec_tag != page) { // RAM regions are whole pages, so this cannot happen
            m_hart.fault = PendingFault{riscv::cause::kInsnAccessFault, pc};
            return false;
        }
        m_fetch_page = page;
        m_fetch_host = reinterpret_cast<const uint8_t*>(page + e.addend);
        return true;
    }

    SystemHart& m_hart;
    PhysicalBus& m_bus;
    TlbRegime m_data;
    TlbRegime m_fetch;
    mutable uint64_t m_fetch_page = ~0ull;
    mutable const uint8_t* m_fetch_host = nullptr;
};

} // namespace machina::dbt::system
