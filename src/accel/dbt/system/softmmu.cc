#include "accel/dbt/system/softmmu.h"

#include <cstring>

#include "base/log.h"

namespace machina::dbt::system {
namespace {

using riscv::AccessType;

uint64_t access_fault_cause(AccessType type) {
    switch (type) {
    case AccessType::Fetch: return riscv::cause::kInsnAccessFault;
    case AccessType::Load: return riscv::cause::kLoadAccessFault;
    case AccessType::Store: return riscv::cause::kStoreAccessFault;
    }
    return riscv::cause::kLoadAccessFault;
}

PageLookup fail(SystemHart& hart, uint64_t cause, uint64_t vaddr) {
    hart.fault = PendingFault{cause, vaddr};
    return PageLookup{};
}

/// Fills the TLB slot of `vaddr` for `type` with the RAM page at host `host_page`. A page that
/// holds translated code (`code_page`) is never entered writable.
void fill(SystemHart& hart, TlbRegime regime, uint64_t vaddr, AccessType type, uint8_t* host_page,
          const riscv::Translation& tr, bool code_page) {
    const uint64_t page = vaddr & ~SoftTlb::kPageMask;
    const uint64_t addend = uint64_t(reinterpret_cast<uintptr_t>(host_page)) - page;
    TlbEntry& e = hart.tlb.slot(regime, vaddr);
    if (e.addend != addend || (e.read_tag != page && e.write_tag != page && e.exec_tag != page)) {
        e = TlbEntry{}; // another page lived here: start afresh
        e.addend = addend;
    }
    switch (type) {
    case AccessType::Fetch: e.exec_tag = page; break;
    case AccessType::Load:
        e.read_tag = page;
        if (tr.writable && !code_page) e.write_tag = page;
        break;
    case AccessType::Store:
        e.read_tag = page;
        if (!code_page) e.write_tag = page;
        break;
    }
    hart.tlb.note_fill(regime, vaddr, e.write_tag == page);
    bool translated = regime != TlbRegime::Machine && (hart.priv.satp >> 60) != 0;
    if (translated && tr.page_size > SoftTlb::kPageSize) {
        uint64_t lo = vaddr & ~(tr.page_size - 1);
        hart.tlb.large_lo = std::min(hart.tlb.large_lo, lo);
        hart.tlb.large_hi = std::max(hart.tlb.large_hi, lo + tr.page_size);
    }
}

} // namespace

PageLookup softmmu_lookup(SystemHart& hart, PhysicalBus& bus, uint64_t vaddr, AccessType type,
                          TlbRegime regime) {
    riscv::Translation tr = riscv::translate(hart.priv, vaddr, type, bus);
    if (!tr.ok) return fail(hart, tr.fault_cause, vaddr);
    const uint64_t page_pa = tr.paddr & ~SoftTlb::kPageMask;
    if (uint8_t* host_page = bus.ram(page_pa, SoftTlb::kPageSize)) {
        const bool code_page = type != AccessType::Fetch && bus.is_code_page(host_page);
        fill(hart, regime, vaddr, type, host_page, tr, code_page);
        return PageLookup{PageLookup::Kind::Ram, host_page + (tr.paddr - page_pa), tr.paddr};
    }
    if (type == AccessType::Fetch) {
        // Code may also run from RAM smaller than a page (never on virt), but not from devices.
        if (uint8_t* host = bus.ram(tr.paddr, 2))
            return PageLookup{PageLookup::Kind::Ram, host, tr.paddr};
        return fail(hart, access_fault_cause(type), vaddr);
    }
    return PageLookup{PageLookup::Kind::Mmio, nullptr, tr.paddr};
}

bool softmmu_load(SystemHart& hart, PhysicalBus& bus, uint64_t vaddr, unsigned size,
                  uint64_t* value) {
    const TlbRegime regime = hart.data_regime();
    if ((vaddr & SoftTlb::kPageMask) + size > SoftTlb::kPageSize) {
        // Crosses a page: check both pages first, then assemble byte by byte (little-endian).
        uint64_t second = (vaddr | SoftTlb::kPageMask) + 1;
        for (uint64_t va : {vaddr, second}) {
            if (softmmu_lookup(hart, bus, va, AccessType::Load, regime).kind ==
                PageLookup::Kind::Fault)
                return false;
        }
        uint64_t v = 0;
        for (unsigned i = 0; i < size; ++i) {
            uint64_t byte = 0;
            if (!softmmu_load(hart, bus, vaddr + i, 1, &byte)) return false;
            v |= byte << (8 * i);
        }
        *value = v;
        return true;
    }
    PageLookup r = softmmu_lookup(hart, bus, vaddr, AccessType::Load, regime);
    switch (r.kind) {
    case PageLookup::Kind::Fault: return false;
    case PageLookup::Kind::Ram: {
        uint64_t v = 0;
        std::memcpy(&v, r.host, size);
        *value = v;
        return true;
    }
    case PageLookup::Kind::Mmio:
        if (bus.mmio_read(r.paddr, size, value)) return true;
        if (log::enabled(log::kUnimp))
            log::write_category(
                fmt::format("mmio: read of {} bytes at 0x{:x} unanswered\n", size, r.paddr));
        hart.fault = PendingFault{riscv::cause::kLoadAccessFault, vaddr};
        return false;
    }
    return false;
}

bool softmmu_store(SystemHart& hart, PhysicalBus& bus, uint64_t vaddr, unsigned size,
                   uint64_t value) {
    const TlbRegime regime = hart.data_regime();
    if ((vaddr & SoftTlb::kPageMask) + size > SoftTlb::kPageSize) {
        uint64_t second = (vaddr | SoftTlb::kPageMask) + 1;
        for (uint64_t va : {vaddr, second}) {
            if (softmmu_lookup(hart, bus, va, AccessType::Store, regime).kind ==
                PageLookup::Kind::Fault)
                return false;
        }
        for (unsigned i = 0; i < size; ++i)
            if (!softmmu_store(hart, bus, vaddr + i, 1, (value >> (8 * i)) & 0xff)) return false;
        return true;
    }
    PageLookup r = softmmu_lookup(hart, bus, vaddr, AccessType::Store, regime);
    switch (r.kind) {
    case PageLookup::Kind::Fault: return false;
    case PageLookup::Kind::Ram:
        if (bus.is_code_page(r.host)) bus.note_code_write(r.host, size);
        std::memcpy(r.host, &value, size);
        return true;
    case PageLookup::Kind::Mmio:
        if (bus.mmio_write(r.paddr, size, value)) return true;
        if (log::enabled(log::kUnimp))
            log::write_category(
                fmt::format("mmio: write of {} bytes at 0x{:x} unanswered\n", size, r.paddr));
        hart.fault = PendingFault{riscv::cause::kStoreAccessFault, vaddr};
        return false;
    }
    return false;
}

bool softmmu_fetch16(SystemHart& hart, PhysicalBus& bus, uint64_t vaddr, uint16_t* parcel) {
    // A parcel is 2-aligned, so it never crosses a page: a TLB hit needs no walk (an instruction
    // that straddles two pages comes here twice every time it runs).
    const TlbRegime regime = hart.fetch_regime();
    if (const TlbEntry& e = hart.tlb.slot(regime, vaddr);
        e.exec_tag == (vaddr & ~SoftTlb::kPageMask) && (vaddr & 1) == 0) {
        std::memcpy(parcel, reinterpret_cast<const uint8_t*>(vaddr + e.addend), 2);
        return true;
    }
    PageLookup r = softmmu_lookup(hart, bus, vaddr, AccessType::Fetch, regime);
    if (r.kind != PageLookup::Kind::Ram) return false;
    std::memcpy(parcel, r.host, 2);
    return true;
}

uint8_t* softmmu_atomic(SystemHart& hart, PhysicalBus& bus, uint64_t vaddr, unsigned size,
                        bool write) {
    AccessType type = write ? AccessType::Store : AccessType::Load;
    PageLookup r = softmmu_lookup(hart, bus, vaddr, type, hart.data_regime());
    if (r.kind == PageLookup::Kind::Fault) return nullptr;
    if (r.kind == PageLookup::Kind::Mmio || bus.ram(r.paddr, size) == nullptr) {
        // Atomics on devices are not supported (QEMU raises the same access fault).
        hart.fault = PendingFault{
            write ? riscv::cause::kStoreAccessFault : riscv::cause::kLoadAccessFault, vaddr};
        return nullptr;
    }
    if (write && bus.is_code_page(r.host)) bus.note_code_write(r.host, size);
    return r.host;
}

} // namespace machina::dbt::system
