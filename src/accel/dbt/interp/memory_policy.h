#pragma once
// Memory-access policies for the interpreter core. The core is a template over one of these, so
// the system-mode policy (accel/dbt/system/system_memory_policy.h: MMU, TLB, MMIO) shares the
// instruction semantics. A policy answers: load/store of 1-8 bytes, instruction fetch, and a host
// pointer for atomics (nullptr = fault). `kSystem` selects system-mode behaviour: CSR accesses and
// privileged instructions exit to the system loop, and FP instructions need fp_usable().

#include <cstdint>
#include <cstring>

#include "accel/dbt/interp/interpreter.h"

namespace machina::dbt::interp {

/// User mode: guest address `a` is host `base + a`, valid when every byte is below `limit`.
class UserMemoryPolicy {
  public:
    /// User mode: privileged instructions are illegal, CSRs are the user ones, FP always on.
    static constexpr bool kSystem = false;

    explicit UserMemoryPolicy(const UserMemory& memory)
        : m_base(memory.base), m_limit(memory.limit) {}

    /// True when [addr, addr + size) lies below the limit (overflow-safe).
    bool in_range(uint64_t addr, uint64_t size) const {
        return size <= m_limit && addr <= m_limit - size;
    }

    /// Loads a T (any alignment); false when out of range.
    template <typename T>
    bool load(uint64_t addr, T& out) const {
        if (!in_range(addr, sizeof(T))) return false;
        std::memcpy(&out, m_base + addr, sizeof(T));
        return true;
    }

    /// Stores a T (any alignment); false when out of range.
    template <typename T>
    bool store(uint64_t addr, T value) const {
        if (!in_range(addr, sizeof(T))) return false;
        std::memcpy(m_base + addr, &value, sizeof(T));
        return true;
    }

    /// Fetches the instruction bits at `pc`: 16 or 32 bits in *raw; on failure returns false
    /// and sets *fault_addr to the first parcel that could not be fetched. Never reads past the
    /// instruction's own bytes (the next page may be unmapped).
    bool fetch(uint64_t pc, uint32_t* raw, uint64_t* fault_addr) const {
        if ((pc & 0xfff) <= 0xffc && in_range(pc, 4)) {
            std::memcpy(raw, m_base + pc, 4);
            return true;
        }
        uint16_t lo = 0;
        if (!load(pc, lo)) {
            *fault_addr = pc;
            return false;
        }
        if ((lo & 3) != 3) {
            *raw = lo;
            return true;
        }
        uint16_t hi = 0;
        if (!load(pc + 2, hi)) {
            *fault_addr = pc + 2;
            return false;
        }
        *raw = uint32_t(lo) | uint32_t(hi) << 16;
        return true;
    }

    /// Host address for an atomic access of `size` bytes, or nullptr when out of range.
    /// `write` is false for LR (a read-only access), true for SC and AMOs.
    uint8_t* atomic_ptr(uint64_t addr, uint64_t size, bool /*write*/) const {
        return in_range(addr, size) ? m_base + addr : nullptr;
    }

  private:
    uint8_t* m_base;
    uint64_t m_limit;
};

} // namespace machina::dbt::interp
