// fuzz_seeds OUTDIR: writes the seed corpus of every parser fuzz target into OUTDIR/<target>/ and
// makes an empty OUTDIR/<target>.new/ for what a short run finds (so the seeds stay as made).
// Also holds the command-line and monitor seeds.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string_view>

#include "seeds.h"

namespace machina::fuzz {
namespace {

/// Bytes of a string literal list joined with NUL (the cli_fuzz argument separator).
Seed argv_seed(const char* name, std::initializer_list<std::string_view> args) {
    Seed s{name, {}};
    bool first = true;
    for (std::string_view a : args) {
        if (!first) s.bytes.push_back(0);
        first = false;
        s.bytes.insert(s.bytes.end(), a.begin(), a.end());
    }
    return s;
}

Seed text_seed(const char* name, std::string_view text) {
    return {name, std::vector<uint8_t>(text.begin(), text.end())};
}

} // namespace

std::vector<Seed> cli_seeds() {
    return {
        argv_seed("riscv-boot", {"-M", "virt", "-m", "512M", "-smp", "4", "-bios", "default",
                                 "-kernel", "Image", "-initrd", "rootfs.cpio", "-append",
                                 "console=ttyS0 root=/dev/vda", "-nographic"}),
        argv_seed("disk-net", {"-drive", "file=disk.img,format=raw,if=virtio,readonly=on,id=d0",
                               "-netdev", "user,id=n0,hostfwd=tcp::2222-:22", "-device",
                               "virtio-net-device,netdev=n0,mac=52:54:00:12:34:56", "-device",
                               "virtio-blk-device,drive=d0"}),
        argv_seed("serial-chardev",
                  {"-serial", "unix:/tmp/s,server,nowait", "-serial", "pty", "-chardev",
                   "socket,id=c0,path=/tmp/x", "-serial", "file:out.txt"}),
        argv_seed("long-options",
                  {"--machine=pc,accel=kvm", "-m", "size=2G", "-smp", "sockets=2,cores=2,threads=2",
                   "-accel", "tcg", "-cpu", "host", "-enable-kvm"}),
        argv_seed("debug", {"-d", "in_asm,int", "-D", "log.txt", "-s", "-S", "-L",
                            "/usr/share/qemu", "-qmp", "unix:/tmp/q,server", "-gdb", "tcp::1"}),
        argv_seed("sizes", {"-m", "18446744073709551615T", "-smp", "cpus=0x10", "-m", "1bB"}),
        argv_seed("escaped-comma", {"-drive", "file=a,,b,format=qcow2,snapshot=yes", "-bios",
                                    "none", "--version", "-h", "-no-reboot"}),
        argv_seed("bad", {"-drive", "", "-smp", "0", "-accel", "xen", "-serial", "tcp:1"}),
    };
}

std::vector<Seed> monitor_seeds() {
    return {
        text_seed("help", "help\r"),
        text_seed("info", "info status\rinfo mtree\rinfo cpus\rinfo\rinfo bogus\r"),
        text_seed("reset", "system_reset\r"),
        text_seed("edit", "abc\x7f\x7f\x7f\bquit\r"),
        text_seed("quit", "  q  \n"),
        text_seed("unknown", "x\ty z\r?\r"),
    };
}

} // namespace machina::fuzz

int main(int argc, char** argv) {
    using namespace machina::fuzz;
    namespace fs = std::filesystem;
    if (argc != 2) {
        std::fprintf(stderr, "usage: fuzz_seeds OUTDIR\n");
        return 2;
    }
    const std::pair<const char*, std::vector<Seed> (*)()> targets[] = {
        {"elf_loader_fuzz", elf_loader_seeds},
        {"x86_kernel_fuzz", x86_kernel_seeds},
        {"riscv_boot_fuzz", riscv_boot_seeds},
        {"virtio_fuzz", virtio_seeds},
        {"cli_fuzz", cli_seeds},
        {"monitor_fuzz", monitor_seeds},
    };
    for (const auto& [target, make] : targets) {
        fs::path dir = fs::path(argv[1]) / target;
        std::error_code ec;
        fs::create_directories(dir, ec);
        fs::create_directories(fs::path(argv[1]) / (std::string(target) + ".new"), ec);
        if (ec) {
            std::fprintf(stderr, "fuzz_seeds: cannot create %s: %s\n", dir.c_str(),
                         ec.message().c_str());
            return 1;
        }
        for (const Seed& seed : make()) {
            std::ofstream f(dir / seed.name, std::ios::binary | std::ios::trunc);
            f.write(reinterpret_cast<const char*>(seed.bytes.data()),
                    std::streamsize(seed.bytes.size()));
            if (!f) {
                std::fprintf(stderr, "fuzz_seeds: cannot write %s\n", (dir / seed.name).c_str());
                return 1;
            }
        }
    }
    return 0;
}
