#pragma once
// The initial process stack as the riscv64 kernel lays it out: strings at the top (execfn,
// environment, arguments, platform, 16 random bytes), then 16-byte aligned argc, argv[], NULL,
// envp[], NULL and the auxiliary vector ending in AT_NULL.

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "linux_user/guest_address_space.h"

namespace machina::linux_user {

/// What goes on the stack. AT_RANDOM, AT_EXECFN and AT_PLATFORM are added by build_stack.
struct StackInput {
    std::vector<std::string> argv;
    std::vector<std::string> envp;
    std::string execfn; ///< AT_EXECFN string (the program path as given)
    std::string platform = "riscv64";
    std::array<uint8_t, 16> random{};
    std::vector<std::pair<uint64_t, uint64_t>> auxv; ///< other (tag, value) pairs, no AT_NULL
};

/// Where things went.
struct StackLayout {
    uint64_t sp = 0;         ///< initial stack pointer (points at argc)
    uint64_t argv = 0;       ///< guest address of argv[0] pointer
    uint64_t envp = 0;       ///< guest address of envp[0] pointer
    uint64_t auxv = 0;       ///< guest address of the first auxv pair
    uint64_t auxv_bytes = 0; ///< size of the auxv including AT_NULL
    uint64_t random = 0;     ///< guest address of the AT_RANDOM bytes
};

/// Writes the stack below `stack_top` (the mapping must already be writable) and returns its
/// layout. Fails when it does not fit above `stack_limit`.
Result<StackLayout> build_stack(GuestAddressSpace& mm, uint64_t stack_top, uint64_t stack_limit,
                                const StackInput& in);

} // namespace machina::linux_user
