#include "linux_user/riscv64/signal_frame.h"

#include <cstring>

#include "base/endian.h"

namespace machina::linux_user::riscv64 {

void write_rt_sigframe(uint8_t* frame, const riscv::HartState& state, const uint8_t* siginfo,
                       uint64_t saved_mask, const TargetStack& altstack) {
    std::memset(frame, 0, kRtSigframeSize);
    std::memcpy(frame, siginfo, kSiginfoSize);
    uint8_t* uc = frame + kUcontextOffset;
    std::memcpy(uc + kUcStackOffset, &altstack, sizeof altstack);
    store_le<uint64_t>(uc + kUcSigmaskOffset, saved_mask);
    uint8_t* mc = uc + kUcMcontextOffset;
    store_le<uint64_t>(mc, state.pc);
    for (unsigned i = 1; i < 32; ++i)
        store_le<uint64_t>(mc + i * 8, state.x[i]);
    for (unsigned i = 0; i < 32; ++i)
        store_le<uint64_t>(mc + kScFpregsOffset + i * 8, state.f[i]);
    store_le<uint32_t>(mc + kScFcsrOffset, state.fcsr);
}

SigreturnState read_rt_sigframe(const uint8_t* frame, riscv::HartState& state) {
    const uint8_t* uc = frame + kUcontextOffset;
    const uint8_t* mc = uc + kUcMcontextOffset;
    state.pc = load_le<uint64_t>(mc);
    for (unsigned i = 1; i < 32; ++i)
        state.x[i] = load_le<uint64_t>(mc + i * 8);
    state.x[0] = 0;
    for (unsigned i = 0; i < 32; ++i)
        state.f[i] = load_le<uint64_t>(mc + kScFpregsOffset + i * 8);
    state.fcsr = load_le<uint32_t>(mc + kScFcsrOffset) & 0xff;
    state.reservation_valid = false;
    SigreturnState out;
    out.mask = load_le<uint64_t>(uc + kUcSigmaskOffset);
    std::memcpy(&out.altstack, uc + kUcStackOffset, sizeof out.altstack);
    return out;
}

} // namespace machina::linux_user::riscv64
