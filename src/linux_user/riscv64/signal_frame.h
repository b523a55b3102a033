#pragma once
// The riscv64 `struct rt_sigframe` (siginfo followed by ucontext) that the kernel pushes before
// calling a signal handler, and that rt_sigreturn reads back:
//   rt_sigframe: siginfo (128 bytes) | ucontext (960 bytes)
//   ucontext:    uc_flags @0, uc_link @8, uc_stack @16 (24 bytes), uc_sigmask @40 (8 bytes),
//                padding to 168, uc_mcontext @176 (16-aligned)
//   sigcontext:  sc_regs = pc, x1..x31 (256 bytes) | f0..f31 (256 bytes) | fcsr (4) | rest of
//                the 528-byte FP union (zero: no extension records)

#include <cstddef>
#include <cstdint>

#include "linux_user/riscv64/target_structs.h"
#include "target/riscv/hart_state.h"

namespace machina::linux_user::riscv64 {

inline constexpr size_t kSiginfoSize = 128;
inline constexpr size_t kUcontextOffset = kSiginfoSize;
inline constexpr size_t kUcStackOffset = 16;
inline constexpr size_t kUcSigmaskOffset = 40;
inline constexpr size_t kUcMcontextOffset = 176;
inline constexpr size_t kScFpregsOffset = 256;
inline constexpr size_t kScFcsrOffset = kScFpregsOffset + 32 * 8;
inline constexpr size_t kSigcontextSize = 784;
inline constexpr size_t kUcontextSize = kUcMcontextOffset + kSigcontextSize; // 960
inline constexpr size_t kRtSigframeSize = kSiginfoSize + kUcontextSize;      // 1088

/// Fills `frame` (kRtSigframeSize bytes of host memory) with `siginfo`, the register state,
/// the signal mask to restore and the alternate-stack description.
void write_rt_sigframe(uint8_t* frame, const riscv::HartState& state, const uint8_t* siginfo,
                       uint64_t saved_mask, const TargetStack& altstack);

/// What rt_sigreturn reads back from a frame.
struct SigreturnState {
    uint64_t mask = 0;
    TargetStack altstack{};
};

/// Restores registers (pc, x1..x31, f0..f31, fcsr) from `frame` and returns the mask/stack.
SigreturnState read_rt_sigframe(const uint8_t* frame, riscv::HartState& state);

} // namespace machina::linux_user::riscv64
