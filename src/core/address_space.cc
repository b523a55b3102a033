#include "core/address_space.h"

#include <algorithm>
#include <bit>

#include "base/bits.h"

namespace machina::core {

Result<void> AddressSpace::map(uint64_t base, uint64_t size, MmioDevice& device, std::string name,
                               AccessSizes sizes) {
    uint64_t last = 0;
    if (size == 0) return Error::make("{}: device '{}' has an empty window", m_name, name);
    if (!checked_add(base, size - 1, &last))
        return Error::make("{}: device '{}' at {:#x} size {:#x} wraps the address space", m_name,
                           name, base, size);
    if (sizes.min == 0 || sizes.min > sizes.max || sizes.max > 8 ||
        !std::has_single_bit(sizes.min) || !std::has_single_bit(sizes.max))
        return Error::make("{}: device '{}' declares invalid access sizes {}..{}", m_name, name,
                           sizes.min, sizes.max);
    for (const auto& m : m_mappings) {
        if (ranges_overlap(base, size, m.base, m.size))
            return Error::make("{}: device '{}' [{:#x}, {:#x}] overlaps '{}' [{:#x}, {:#x}]",
                               m_name, name, base, last, m.name, m.base, m.base + m.size - 1);
    }
    Mapping mapping{base, size, &device, std::move(name), sizes};
    auto pos = std::lower_bound(m_mappings.begin(), m_mappings.end(), base,
                                [](const Mapping& m, uint64_t a) { return m.base < a; });
    m_mappings.insert(pos, std::move(mapping));
    return ok();
}

const Mapping* AddressSpace::find(uint64_t addr) const {
    auto it = std::upper_bound(m_mappings.begin(), m_mappings.end(), addr,
                               [](uint64_t a, const Mapping& m) { return a < m.base; });
    if (it == m_mappings.begin()) return nullptr;
    --it;
    return addr - it->base < it->size ? &*it : nullptr;
}

AccessStatus AddressSpace::route(uint64_t addr, unsigned size, const Mapping** out) const {
    const Mapping* m = find(addr);
    if (!m) return AccessStatus::Unmapped;
    if (size == 0 || size > m->size - (addr - m->base)) return AccessStatus::Unmapped;
    if (size < m->sizes.min || size > m->sizes.max || !std::has_single_bit(size))
        return AccessStatus::BadSize;
    *out = m;
    return AccessStatus::Ok;
}

AccessStatus AddressSpace::read(uint64_t addr, unsigned size, uint64_t* value) const {
    const Mapping* m = nullptr;
    AccessStatus status = route(addr, size, &m);
    if (status != AccessStatus::Ok) {
        *value = size >= 8 ? ~uint64_t(0) : (uint64_t(1) << (size * 8)) - 1;
        return status;
    }
    uint64_t v = m->device->read(addr - m->base, size);
    *value = size >= 8 ? v : v & ((uint64_t(1) << (size * 8)) - 1);
    return AccessStatus::Ok;
}

AccessStatus AddressSpace::write(uint64_t addr, unsigned size, uint64_t value) const {
    const Mapping* m = nullptr;
    AccessStatus status = route(addr, size, &m);
    if (status != AccessStatus::Ok) return status;
    if (size < 8) value &= (uint64_t(1) << (size * 8)) - 1;
    m->device->write(addr - m->base, size, value);
    return AccessStatus::Ok;
}

const char* to_string(AccessStatus status) {
    switch (status) {
    case AccessStatus::Ok: return "ok";
    case AccessStatus::Unmapped: return "unmapped";
    case AccessStatus::BadSize: return "bad access size";
    }
    return "?";
}

} // namespace machina::core
