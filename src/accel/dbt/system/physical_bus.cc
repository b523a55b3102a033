#include "accel/dbt/system/physical_bus.h"

namespace machina::dbt::system {

bool PhysicalBus::load_pte(uint64_t pa, uint64_t* pte) {
    uint8_t* p = m_ram.host_ptr(pa, 8);
    if (p == nullptr || (pa & 7) != 0) return false;
    *pte = __atomic_load_n(reinterpret_cast<uint64_t*>(p), __ATOMIC_ACQUIRE);
    return true;
}

bool PhysicalBus::cas_pte(uint64_t pa, uint64_t expected, uint64_t desired) {
    uint8_t* p = m_ram.host_ptr(pa, 8);
    if (p == nullptr || (pa & 7) != 0) return false;
    return __atomic_compare_exchange_n(reinterpret_cast<uint64_t*>(p), &expected, desired, false,
                                       __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

} // namespace machina::dbt::system
