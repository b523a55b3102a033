// Boots a real Linux bzImage (e.g. Debian's linux-image-cloud-amd64 vmlinuz) when
// MACHINA_X86_LINUX_KERNEL names one, with a one-file initramfs whose /init reports from
// userspace and powers off through ACPI S5. The kernel's log is checked for what machina gave
// it: our command line, our e820 map, KVM, and both CPUs from the MADT. On this machine's slow
// /dev/kvm this takes many minutes (label slow); on hardware, about a second.
// MACHINA_X86_LINUX_CPU overrides -cpu and MACHINA_X86_LINUX_APPEND adds kernel parameters, for
// a /dev/kvm that cannot emulate some instructions (here: -cpu host,-cx16 and noxsave).

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "run_process.h"

namespace {

/// Appends one newc cpio entry.
void cpio_entry(std::string& out, unsigned ino, const std::string& name, unsigned mode,
                const std::string& data) {
    char header[111];
    std::snprintf(header, sizeof header,
                  "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X", ino, mode, 0u, 0u,
                  (mode & 0040000) ? 2u : 1u, 0u, data.size(), 0u, 0u, 0u, 0u, name.size() + 1, 0u);
    out += header;
    out += name;
    out.push_back('\0');
    while (out.size() % 4)
        out.push_back('\0');
    out += data;
    while (out.size() % 4)
        out.push_back('\0');
}

std::string make_initramfs() {
    std::ifstream in(MACHINA_X86_TEST_INIT, std::ios::binary);
    std::string init((std::istreambuf_iterator<char>(in)), {});
    std::string cpio;
    cpio_entry(cpio, 1, ".", 0040755, {});
    cpio_entry(cpio, 2, "dev", 0040755, {});
    cpio_entry(cpio, 3, "proc", 0040755, {});
    cpio_entry(cpio, 4, "init", 0100755, init);
    cpio_entry(cpio, 5, "TRAILER!!!", 0, {});
    std::string path = testing::TempDir() + "machina_kvm_initramfs.cpio";
    std::ofstream(path, std::ios::binary) << cpio;
    return path;
}

TEST(KvmLinux, RealKernelBootsToUserspaceAndPowersOff) {
    const char* kernel = std::getenv("MACHINA_X86_LINUX_KERNEL");
    if (!kernel || !*kernel) GTEST_SKIP() << "set MACHINA_X86_LINUX_KERNEL to a bzImage";
    const char* cpu = std::getenv("MACHINA_X86_LINUX_CPU");
    const char* extra = std::getenv("MACHINA_X86_LINUX_APPEND");
    std::string cmdline = "console=ttyS0 earlyprintk=serial,ttyS0,115200 panic=-1";
    if (extra && *extra) cmdline += std::string(" ") + extra;
    auto r = machina::test::run_process({MACHINA_SYSTEM_X86_64, "-kernel", kernel, "-initrd",
                                         make_initramfs(), "-m", "512M", "-smp", "2", "-cpu",
                                         cpu && *cpu ? cpu : "host", "-append", cmdline,
                                         "-nographic", "-no-reboot"},
                                        {}, {}, 1500);
    EXPECT_FALSE(r.timed_out);
    EXPECT_NE(r.out.find("Linux version"), std::string::npos) << r.out << r.err;
    EXPECT_NE(r.out.find("Command line: " + cmdline), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("BIOS-e820: [mem 0x0000000000100000-0x000000001fffffff] usable"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("Hypervisor detected: KVM"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("smpboot: Allowing 2 CPUs"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("machina-init: hello from userspace (pid 1)"), std::string::npos)
        << r.out << r.err;
    EXPECT_NE(r.out.find("machina-init: 2 cpus online"), std::string::npos) << r.out;
    EXPECT_EQ(r.exit_code, 0) << "ACPI power-off ends machina with status 0\n" << r.err;
}

} // namespace
