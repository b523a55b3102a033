#include "linux_user/process_setup.h"

#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "base/bits.h"
#include "base/log.h"
#include "linux_user/cpu_loop.h"
#include "linux_user/elf_loader.h"
#include "linux_user/process.h"
#include "linux_user/signal_delivery.h"
#include "linux_user/stack_builder.h"

namespace machina::linux_user {
namespace {

using namespace riscv64;

/// `li a7, 139 (rt_sigreturn); ecall`: where signal handlers return to.
constexpr uint32_t kSigreturnCode[2] = {0x08b00893, 0x00000073};

/// Distance kept free between the stack and the top-down mmap area (as the kernel's gap).
constexpr uint64_t kStackGap = uint64_t(128) << 20;

int fail(const std::string& message) {
    std::fprintf(stderr, "machina-riscv64: %s\n", message.c_str());
    return 1;
}

Result<void> load(Process& p, const Options& o, const std::vector<std::string>& env) {
    p.engine = TRY(make_engine(o.accel));
    ElfFile exe = TRY(open_elf(o.program));
    auto close_exe = [&] { ::close(exe.fd); };
    p.mm = TRY(GuestAddressSpace::create(kGuestSpaceSize));
    GuestAddressSpace& mm = *p.mm;
    p.mem = dbt::interp::UserMemory{mm.base(), mm.limit()};

    uint64_t stack_top = mm.limit() - kPageSize;
    uint64_t stack_bottom = stack_top - kMainStackSize;
    mm.set_mmap_top(stack_bottom - kStackGap);

    ElfFile interp;
    if (!exe.info.interp.empty()) {
        auto path = find_interpreter(exe.info.interp, o.ld_prefix);
        if (!path) {
            close_exe();
            return Error::make("{}: {}", o.program, path.error().message);
        }
        auto opened = open_elf(*path);
        if (!opened) {
            close_exe();
            return Error::make("ELF interpreter {}", opened.error().message);
        }
        interp = std::move(*opened);
    }

    uint64_t bias = TRY(choose_bias(mm, exe.info, false));
    LoadedElf main = TRY(map_elf(mm, exe, bias));
    close_exe();
    LoadedElf ld;
    if (interp.fd >= 0) {
        uint64_t ibias = TRY(choose_bias(mm, interp.info, true));
        ld = TRY(map_elf(mm, interp, ibias));
        ::close(interp.fd);
    }
    mm.set_brk_start(align_up(main.end, kPageSize));

    int64_t s = mm.mmap(stack_bottom, kMainStackSize, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0, "[stack]");
    if (s < 0) return Error::make("cannot map the guest stack: {}", std::strerror(int(-s)));

    int64_t tramp = mm.mmap(0, kPageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
                            0, "[sigreturn]");
    if (tramp < 0) return Error::make("cannot map the signal trampoline");
    std::memcpy(mm.host(uint64_t(tramp)), kSigreturnCode, sizeof kSigreturnCode);
    (void)mm.mprotect(uint64_t(tramp), kPageSize, PROT_READ | PROT_EXEC);
    p.sigreturn_trampoline = uint64_t(tramp);

    StackInput in;
    in.argv.push_back(o.argv0 ? *o.argv0 : o.program);
    in.argv.insert(in.argv.end(), o.args.begin(), o.args.end());
    in.envp = env;
    for (const auto& arg : in.argv)
        p.cmdline.append(arg).push_back('\0');
    in.execfn = o.program;
    if (::getrandom(in.random.data(), in.random.size(), 0) != ssize_t(in.random.size()))
        return Error::from_errno("getrandom");
    long clk = sysconf(_SC_CLK_TCK);
    in.auxv = {
        {kAtPhdr, main.phdr_addr},
        {kAtPhent, sizeof(Elf64_Phdr)},
        {kAtPhnum, main.phnum},
        {kAtPagesz, kPageSize},
        {kAtBase, interp.fd >= 0 ? ld.bias : 0},
        {kAtFlags, 0},
        {kAtEntry, main.entry},
        {kAtUid, ::getuid()},
        {kAtEuid, ::geteuid()},
        {kAtGid, ::getgid()},
        {kAtEgid, ::getegid()},
        {kAtSecure, 0},
        {kAtHwcap, kHwcapImafdc},
        {kAtClktck, uint64_t(clk > 0 ? clk : 100)},
        {kAtMinsigstksz, kMinSigstksz},
    };
    StackLayout layout = TRY(build_stack(mm, stack_top, stack_bottom, in));
    p.auxv.assign(mm.host(layout.auxv), mm.host(layout.auxv) + layout.auxv_bytes);

    char real[PATH_MAX];
    p.exe_path = ::realpath(o.program.c_str(), real) ? real : o.program;
    char self[PATH_MAX];
    ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    p.self_exe = n > 0 ? std::string(self, size_t(n)) : "machina-riscv64";

    auto* t = new GuestThread();
    t->tid = int(::gettid());
    t->hart.pc = interp.fd >= 0 ? ld.entry : main.entry;
    t->hart.x[riscv::kSp] = layout.sp;
    set_current_thread(t);
    log::cat(log::kPage, "guest space at host {}: entry {:#x} sp {:#x} brk {:#x}\n",
             static_cast<void*>(mm.base()), t->hart.pc, layout.sp, main.end);
    return ok();
}

} // namespace

int run_program(const Options& options, const std::vector<std::string>& env) {
    Process& p = process();
    p.options = options;
    if (auto r = load(p, options, env); !r) return fail(r.error().message);
    GuestThread* t = current_thread();
    inherit_signal_state(*t);
    install_host_signal_handlers();
    cpu_loop(*t);
    // The main guest thread called exit while others run: end only this host thread.
    set_current_thread(nullptr);
    pthread_exit(nullptr);
}

} // namespace machina::linux_user
