#pragma once
// Hand-written RV64 guest programs for translator tests: minimal encoders, a guest memory with
// the program at kCode, a translator factory, and host SIGSEGV recovery to fault stubs.
#include <gtest/gtest.h>

#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>

#include <cstring>
#include <initializer_list>
#include <memory>
#include <vector>

#include "accel/dbt/runtime/translator.h"

namespace machina::dbt::test {

// Minimal RV64 encoders for hand-written guest programs.
inline uint32_t i_type(uint32_t op, uint32_t f3, unsigned rd, unsigned rs1, int32_t imm) {
    return op | rd << 7 | f3 << 12 | rs1 << 15 | (uint32_t(imm) & 0xfff) << 20;
}
inline uint32_t addi(unsigned rd, unsigned rs1, int32_t imm) {
    return i_type(0x13, 0, rd, rs1, imm);
}
inline uint32_t ld(unsigned rd, unsigned rs1, int32_t imm) {
    return i_type(0x03, 3, rd, rs1, imm);
}
inline uint32_t lw(unsigned rd, unsigned rs1, int32_t imm) {
    return i_type(0x03, 2, rd, rs1, imm);
}
inline uint32_t add(unsigned rd, unsigned rs1, unsigned rs2) {
    return 0x33 | rd << 7 | rs1 << 15 | rs2 << 20;
}
inline uint32_t xor_(unsigned rd, unsigned rs1, unsigned rs2) {
    return 0x33 | rd << 7 | 4u << 12 | rs1 << 15 | rs2 << 20;
}
inline uint32_t s_type(uint32_t f3, unsigned rs1, unsigned rs2, int32_t imm) {
    return 0x23 | (uint32_t(imm) & 0x1f) << 7 | f3 << 12 | rs1 << 15 | rs2 << 20 |
           (uint32_t(imm >> 5) & 0x7f) << 25;
}
inline uint32_t sd(unsigned rs2, unsigned rs1, int32_t imm) {
    return s_type(3, rs1, rs2, imm);
}
inline uint32_t sw(unsigned rs2, unsigned rs1, int32_t imm) {
    return s_type(2, rs1, rs2, imm);
}
inline uint32_t bne(unsigned rs1, unsigned rs2, int32_t off) {
    uint32_t o = uint32_t(off);
    return 0x63 | 1u << 12 | rs1 << 15 | rs2 << 20 | ((o >> 11) & 1) << 7 | ((o >> 1) & 0xf) << 8 |
           ((o >> 5) & 0x3f) << 25 | ((o >> 12) & 1) << 31;
}
inline uint32_t beq(unsigned rs1, unsigned rs2, int32_t off) {
    return bne(rs1, rs2, off) & ~(7u << 12);
}
inline uint32_t andi(unsigned rd, unsigned rs1, int32_t imm) {
    return i_type(0x13, 7, rd, rs1, imm);
}
/// jal rd, off (off a multiple of 2 within +-1 MiB).
inline uint32_t jal(unsigned rd, int32_t off) {
    const uint32_t o = uint32_t(off);
    return 0x6f | rd << 7 | ((o >> 12) & 0xff) << 12 | ((o >> 11) & 1) << 20 |
           ((o >> 1) & 0x3ff) << 21 | ((o >> 20) & 1) << 31;
}
inline constexpr uint32_t kEcall = 0x00000073;
inline constexpr uint32_t kFenceI = 0x0000100f;

inline constexpr uint64_t kMemSize = 1 << 20;
inline constexpr uint64_t kCode = 0x1000;

/// Guest memory with a program at kCode.
struct Guest {
    Guest() {
        void* p =
            mmap(nullptr, kMemSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        base = static_cast<uint8_t*>(p);
    }
    ~Guest() { munmap(base, kMemSize); }
    void load(uint64_t at, std::initializer_list<uint32_t> insns) {
        load(at, std::vector<uint32_t>(insns));
    }
    void load(uint64_t at, const std::vector<uint32_t>& insns) {
        for (uint32_t insn : insns) {
            std::memcpy(base + at, &insn, 4);
            at += 4;
        }
    }
    interp::UserMemory memory() const { return {base, kMemSize}; }
    uint8_t* base;
};

inline std::unique_ptr<Translator> make(size_t code_size = 16 << 20) {
    TranslatorOptions o;
    o.code_size = code_size;
    auto t = Translator::create(o);
    EXPECT_TRUE(t.ok());
    return std::move(*t);
}

// Host SIGSEGV in translated code -> precise guest fault.
inline Translator* g_translator = nullptr;
/// Armed: a host fault outside translated code (the interpreter replaying a fused access, as
/// linux_user's handler does) leaves by siglongjmp to g_interp_fault with g_fault_addr set.
inline sigjmp_buf g_interp_fault;
inline volatile bool g_interp_fault_armed = false;
inline uintptr_t g_fault_addr = 0;

inline void on_segv(int, siginfo_t* info, void* uc_void) {
    auto* uc = static_cast<ucontext_t*>(uc_void);
    uintptr_t rip = uintptr_t(uc->uc_mcontext.gregs[REG_RIP]);
    uintptr_t resume = g_translator ? g_translator->fault_resume_address(rip) : 0;
    if (!resume && g_interp_fault_armed) {
        g_interp_fault_armed = false;
        g_fault_addr = uintptr_t(info->si_addr);
        siglongjmp(g_interp_fault, 1);
    }
    if (!resume) {
        signal(SIGSEGV, SIG_DFL);
        return; // re-fault and die
    }
    uc->uc_mcontext.gregs[REG_RIP] = greg_t(resume);
}

/// While alive, host SIGSEGVs in `t`'s code resume at their fault stubs (on_segv).
struct SegvToStubs {
    explicit SegvToStubs(Translator* t) {
        g_translator = t;
        struct sigaction sa = {};
        sa.sa_sigaction = on_segv;
        sa.sa_flags = SA_SIGINFO;
        sigaction(SIGSEGV, &sa, &old);
    }
    ~SegvToStubs() {
        sigaction(SIGSEGV, &old, nullptr);
        g_translator = nullptr;
    }
    struct sigaction old = {};
};

} // namespace machina::dbt::test
