#include "target/riscv/system/mmu.h"

namespace machina::riscv {
namespace {

constexpr uint64_t kPteV = 1, kPteR = 2, kPteW = 4, kPteX = 8, kPteU = 16, kPteA = 64, kPteD = 128;
constexpr uint64_t kPtePpnMask = ((1ull << 44) - 1) << 10;
constexpr uint64_t kPteReservedHigh =
    ~((1ull << 54) - 1); // bits 63:54 (Svnapot/Svpbmt unsupported)
constexpr unsigned kPageShift = 12;
constexpr unsigned kVpnBits = 9;

uint64_t page_fault(AccessType type) {
    switch (type) {
    case AccessType::Fetch: return cause::kInsnPageFault;
    case AccessType::Load: return cause::kLoadPageFault;
    case AccessType::Store: return cause::kStorePageFault;
    }
    return cause::kLoadPageFault;
}

uint64_t access_fault(AccessType type) {
    switch (type) {
    case AccessType::Fetch: return cause::kInsnAccessFault;
    case AccessType::Load: return cause::kLoadAccessFault;
    case AccessType::Store: return cause::kStoreAccessFault;
    }
    return cause::kLoadAccessFault;
}

Translation fault(uint64_t c) {
    Translation t;
    t.fault_cause = c;
    return t;
}

} // namespace

Priv effective_data_priv(const PrivilegedState& ps) {
    if (ps.priv == Priv::Machine && (ps.mstatus & mstatus::kMprv))
        return Priv((ps.mstatus & mstatus::kMpp) >> mstatus::kMppShift);
    return ps.priv;
}

Translation translate(const PrivilegedState& ps, uint64_t vaddr, AccessType type,
                      PhysicalPteAccess& memory) {
    Priv priv = type == AccessType::Fetch ? ps.priv : effective_data_priv(ps);
    uint64_t mode = ps.satp >> 60;
    if (priv == Priv::Machine || mode == 0) {
        Translation t;
        t.ok = true;
        t.paddr = vaddr;
        t.page_size = 1ull << 30; // bare: any granularity works for the TLB
        t.writable = true;
        return t;
    }
    unsigned levels = mode == 9 ? 4 : 3;
    unsigned va_bits = kPageShift + levels * kVpnBits;
    // The address must be the sign extension of its low va_bits bits.
    int64_t sext = int64_t(vaddr << (64 - va_bits)) >> (64 - va_bits);
    if (uint64_t(sext) != vaddr) return fault(page_fault(type));

    uint64_t table = (ps.satp & ((1ull << 44) - 1)) << kPageShift;
    for (int level = int(levels) - 1; level >= 0; level--) {
        uint64_t vpn =
            (vaddr >> (kPageShift + kVpnBits * unsigned(level))) & ((1u << kVpnBits) - 1);
        uint64_t pte_addr = table + vpn * 8;
        uint64_t pte = 0;
        if (!memory.load_pte(pte_addr, &pte)) return fault(access_fault(type));
        if (!(pte & kPteV) || (!(pte & kPteR) && (pte & kPteW)) || (pte & kPteReservedHigh))
            return fault(page_fault(type));
        uint64_t ppn = (pte & kPtePpnMask) >> 10;
        if (!(pte & (kPteR | kPteX))) { // pointer to the next level
            if (pte & (kPteA | kPteD | kPteU)) return fault(page_fault(type));
            table = ppn << kPageShift;
            continue;
        }
        // Leaf: permissions.
        bool user_page = (pte & kPteU) != 0;
        if (priv == Priv::User && !user_page) return fault(page_fault(type));
        if (priv == Priv::Supervisor && user_page &&
            (type == AccessType::Fetch || !(ps.mstatus & mstatus::kSum)))
            return fault(page_fault(type));
        bool readable = (pte & kPteR) || ((ps.mstatus & mstatus::kMxr) && (pte & kPteX));
        if ((type == AccessType::Fetch && !(pte & kPteX)) ||
            (type == AccessType::Load && !readable) ||
            (type == AccessType::Store && !(pte & kPteW)))
            return fault(page_fault(type));
        // Superpages must be aligned: the low PPN fields are zero.
        uint64_t low_ppn_mask = (1ull << (kVpnBits * unsigned(level))) - 1;
        if (ppn & low_ppn_mask) return fault(page_fault(type));
        // Hardware A/D update.
        uint64_t wanted = pte | kPteA | (type == AccessType::Store ? kPteD : 0);
        if (wanted != pte) {
            if (!memory.cas_pte(pte_addr, pte, wanted)) // raced with another hart: walk again
                return translate(ps, vaddr, type, memory);
            pte = wanted;
        }
        uint64_t page_size = 1ull << (kPageShift + kVpnBits * unsigned(level));
        Translation t;
        t.ok = true;
        t.page_size = page_size;
        t.paddr = (ppn << kPageShift) | (vaddr & (page_size - 1));
        t.writable = (pte & kPteW) && (pte & kPteD);
        return t;
    }
    return fault(page_fault(type));
}

} // namespace machina::riscv
