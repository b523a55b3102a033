// The hand encoder (backend/x86_64/hand_encode.h) writes the same bytes xbyak would for every
// register and displacement shape it is used with (rsp/r12 need a SIB byte, rbp/r13 a
// displacement, REX bits for r8-r15).
#include "accel/dbt/backend/x86_64/hand_encode.h"

#include <gtest/gtest.h>

#include <vector>

#include "accel/dbt/backend/x86_64/xbyak.h"

namespace machina::dbt::backend {
namespace {

std::vector<uint8_t> bytes_of(const encode::Bytes& e) {
    return {e.b, e.b + e.n};
}

/// Runs `emit` on a fresh xbyak generator and returns what it wrote.
template <typename F>
std::vector<uint8_t> xbyak_bytes(F emit) {
    Xbyak::CodeGenerator gen(4096, Xbyak::AutoGrow);
    emit(gen);
    const uint8_t* p = gen.getCode();
    return {p, p + gen.getSize()};
}

TEST(HandEncode, LoadsStoresAndMovesMatchXbyak) {
    const int32_t disps[] = {0, 8, -8, 127, 128, -129, 0x1000};
    for (int base = 0; base < 16; ++base) {
        for (int r = 0; r < 16; ++r) {
            for (int32_t disp : disps) {
                encode::Bytes st, ld;
                encode::store64(st, base, disp, r);
                encode::load64(ld, r, base, disp);
                const Xbyak::Reg64 b(base), x(r);
                EXPECT_EQ(bytes_of(st), xbyak_bytes([&](auto& g) { g.mov(g.qword[b + disp], x); }))
                    << "store base " << base << " reg " << r << " disp " << disp;
                EXPECT_EQ(bytes_of(ld), xbyak_bytes([&](auto& g) { g.mov(x, g.qword[b + disp]); }))
                    << "load base " << base << " reg " << r << " disp " << disp;
            }
            encode::Bytes mv;
            encode::mov_rr(mv, base, r);
            EXPECT_EQ(bytes_of(mv),
                      xbyak_bytes([&](auto& g) { g.mov(Xbyak::Reg64(base), Xbyak::Reg64(r)); }))
                << "mov " << base << ", " << r;
        }
    }
}

TEST(HandEncode, IndexedOperandsMatchXbyak) {
    // cmp rcx, [r14 + rax + disp] and mov rax, [r14 + rax + disp], as the TLB probe uses them,
    // and the same shape on other bases.
    for (int base : {14, 13, 5, 3, 12}) {
        for (int32_t disp : {0, 8, 24, 200}) {
            encode::Bytes cmp;
            cmp.rex_w(1, 0, base);
            cmp.u8(0x3b);
            cmp.mem_index(1, base, 0, disp);
            const Xbyak::Reg64 b(base);
            EXPECT_EQ(bytes_of(cmp),
                      xbyak_bytes([&](auto& g) { g.cmp(g.rcx, g.qword[b + g.rax + disp]); }))
                << "base " << base << " disp " << disp;
        }
    }
}

TEST(HandEncode, LeaWithDisplacementMatchesXbyak) {
    for (int r = 0; r < 16; ++r) {
        encode::Bytes e;
        e.rex_w(1, 0, r);
        e.u8(0x8d);
        e.mem(1, r, 7);
        const Xbyak::Reg64 x(r);
        EXPECT_EQ(bytes_of(e), xbyak_bytes([&](auto& g) { g.lea(g.rcx, g.ptr[x + 7]); }))
            << "reg " << r;
    }
}

} // namespace
} // namespace machina::dbt::backend
