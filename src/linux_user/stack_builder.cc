#include "linux_user/stack_builder.h"

#include <cstring>

#include "base/bits.h"
#include "base/endian.h"
#include "linux_user/riscv64/target_structs.h"

namespace machina::linux_user {

Result<StackLayout> build_stack(GuestAddressSpace& mm, uint64_t stack_top, uint64_t stack_limit,
                                const StackInput& in) {
    uint64_t need = 256 + in.execfn.size() + in.platform.size() +
                    (in.argv.size() + in.envp.size() + in.auxv.size() * 2 + 32) * 8;
    for (const auto& s : in.argv)
        need += s.size() + 1;
    for (const auto& s : in.envp)
        need += s.size() + 1;
    if (stack_top < stack_limit || need > stack_top - stack_limit)
        return Error::make("arguments and environment ({} bytes) do not fit on the stack", need);

    uint64_t p = stack_top - 8;
    auto push_bytes = [&](const void* data, size_t len) {
        p -= len;
        std::memcpy(mm.host(p), data, len);
        return p;
    };
    auto push_string = [&](const std::string& s) { return push_bytes(s.c_str(), s.size() + 1); };

    uint64_t execfn = push_string(in.execfn);
    std::vector<uint64_t> env_ptrs(in.envp.size()), arg_ptrs(in.argv.size());
    for (size_t i = in.envp.size(); i-- > 0;)
        env_ptrs[i] = push_string(in.envp[i]);
    for (size_t i = in.argv.size(); i-- > 0;)
        arg_ptrs[i] = push_string(in.argv[i]);
    uint64_t platform = in.platform.empty() ? 0 : push_string(in.platform);
    p = align_down(p, 16);
    uint64_t random = push_bytes(in.random.data(), in.random.size());

    std::vector<std::pair<uint64_t, uint64_t>> aux = in.auxv;
    aux.emplace_back(riscv64::kAtRandom, random);
    aux.emplace_back(riscv64::kAtExecfn, execfn);
    if (platform) aux.emplace_back(riscv64::kAtPlatform, platform);
    aux.emplace_back(riscv64::kAtNull, 0);

    uint64_t words = 1 + arg_ptrs.size() + 1 + env_ptrs.size() + 1 + aux.size() * 2;
    uint64_t sp = align_down(p - words * 8, 16);
    StackLayout out;
    out.sp = sp;
    out.random = random;
    uint64_t w = sp;
    auto put = [&](uint64_t v) {
        store_le<uint64_t>(mm.host(w), v);
        w += 8;
    };
    put(arg_ptrs.size());
    out.argv = w;
    for (uint64_t a : arg_ptrs)
        put(a);
    put(0);
    out.envp = w;
    for (uint64_t e : env_ptrs)
        put(e);
    put(0);
    out.auxv = w;
    for (auto [tag, value] : aux) {
        put(tag);
        put(value);
    }
    out.auxv_bytes = w - out.auxv;
    return out;
}

} // namespace machina::linux_user
