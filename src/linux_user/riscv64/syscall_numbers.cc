#include "linux_user/riscv64/syscall_numbers.h"

#include <array>
#include <cstddef>

namespace machina::linux_user::riscv64 {
namespace {

constexpr size_t kTableSize = 512;

constexpr std::array<const char*, kTableSize> make_names() {
    std::array<const char*, kTableSize> names{};
#define MACHINA_SYSCALL_NAME(name, nr) names[nr] = #name;
    MACHINA_RISCV64_SYSCALLS(MACHINA_SYSCALL_NAME)
#undef MACHINA_SYSCALL_NAME
    return names;
}

constexpr auto kNames = make_names();

} // namespace

const char* syscall_name(uint64_t nr) {
    return nr < kTableSize ? kNames[nr] : nullptr;
}

} // namespace machina::linux_user::riscv64
