#pragma once
// Hand encoding of the few fixed-shape x86-64 instructions the emitter produces most often (the
// softmmu TLB probe, stub register saves). Building them through xbyak's operand objects costs
// more than the rest of a block's translation; these write the bytes directly. Internal to the
// backend; the emitter appends the bytes with Emitter::put.

#include <cstdint>
#include <cstring>

#include "base/assert.h"

namespace machina::dbt::backend::encode {

/// Up to 16 bytes of one or two instructions being encoded.
struct Bytes {
    uint8_t b[16];
    unsigned n = 0;
    void u8(uint8_t v) { b[n++] = v; }
    void u32(uint32_t v) {
        std::memcpy(b + n, &v, 4);
        n += 4;
    }
    void u64(uint64_t v) {
        std::memcpy(b + n, &v, 8);
        n += 8;
    }
    /// REX.W with R (reg field >= 8), X (index >= 8) and B (base or rm >= 8).
    void rex_w(int reg, int index, int base) {
        u8(uint8_t(0x48 | ((reg >> 3) & 1) << 2 | ((index >> 3) & 1) << 1 | ((base >> 3) & 1)));
    }
    /// ModRM/SIB/displacement for [base + disp] with `reg` in the reg field (any base).
    void mem(int reg, int base, int32_t disp) {
        const bool needs_sib = (base & 7) == 4;               // rsp, r12
        const bool needs_disp = disp != 0 || (base & 7) == 5; // rbp, r13: no mod-00 form
        const uint8_t mod = !needs_disp ? 0x00 : (disp >= -128 && disp <= 127) ? 0x40 : 0x80;
        u8(uint8_t(mod | (reg & 7) << 3 | (needs_sib ? 4 : (base & 7))));
        if (needs_sib) u8(0x24);
        if (mod == 0x40) u8(uint8_t(disp));
        if (mod == 0x80) u32(uint32_t(disp));
    }
    /// ModRM/SIB/displacement for [base + index + disp] (scale 1; index not rsp).
    void mem_index(int reg, int base, int index, int32_t disp) {
        ASSERT((index & 15) != 4, "rsp cannot be an index");
        const bool needs_disp = disp != 0 || (base & 7) == 5;
        const uint8_t mod = !needs_disp ? 0x00 : (disp >= -128 && disp <= 127) ? 0x40 : 0x80;
        u8(uint8_t(mod | (reg & 7) << 3 | 4));
        u8(uint8_t((index & 7) << 3 | (base & 7)));
        if (mod == 0x40) u8(uint8_t(disp));
        if (mod == 0x80) u32(uint32_t(disp));
    }
};

/// mov qword [base + disp], src
inline void store64(Bytes& e, int base, int32_t disp, int src) {
    e.rex_w(src, 0, base);
    e.u8(0x89);
    e.mem(src, base, disp);
}

/// mov dst, qword [base + disp]
inline void load64(Bytes& e, int dst, int base, int32_t disp) {
    e.rex_w(dst, 0, base);
    e.u8(0x8b);
    e.mem(dst, base, disp);
}

/// lea dst, [base + disp]
inline void lea64(Bytes& e, int dst, int base, int32_t disp) {
    e.rex_w(dst, 0, base);
    e.u8(0x8d);
    e.mem(dst, base, disp);
}

/// mov dst, src (64-bit registers)
inline void mov_rr(Bytes& e, int dst, int src) {
    e.rex_w(src, 0, dst);
    e.u8(0x89);
    e.u8(uint8_t(0xc0 | (src & 7) << 3 | (dst & 7)));
}

} // namespace machina::dbt::backend::encode
