// Boots Debian's linux-image-cloud-amd64 kernel with a busybox initramfs that loads the virtio
// modules (both from scripts/assets/linux-x86.sh) on two vCPUs with a virtio-blk disk,
// virtio-net on -netdev user and virtio-rng. The kernel's log is checked for what machina gave it
// (our command line, our e820 map, KVM, both CPUs from the MADT); the initramfs's /init reports
// what it found as `machina-x86: ...` lines (modules loaded, CPUs online, virtio devices bound to
// drivers, the disk's first and last sector, a DHCP lease) and powers off through ACPI S5.
//
// Runs only with MACHINA_KVM_LINUX_TEST=1, on a machine with hardware KVM (a second or two);
// a /dev/kvm emulated in software, as on the project's build machine, does not finish the boot.
// MACHINA_X86_LINUX_KERNEL overrides the kernel (the initramfs's modules fit only Debian's
// release it was built from), MACHINA_X86_LINUX_CPU the -cpu model and
// MACHINA_X86_LINUX_APPEND adds kernel parameters (e.g. `-cpu host,-cx16` and `noxsave` for a
// /dev/kvm that cannot emulate some instructions).

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "run_process.h"

namespace {

namespace fs = std::filesystem;

constexpr double kTimeoutSeconds = 600;
constexpr size_t kDiskBytes = 1 << 20;
constexpr size_t kSector = 512;

fs::path asset_dir() {
    fs::path cache;
    if (const char* c = std::getenv("MACHINA_CACHE"); c && *c)
        cache = c;
    else
        cache = fs::path(std::getenv("HOME") ? std::getenv("HOME") : "/root") / ".cache/machina";
    return cache / "linux-x86_64";
}

std::string env_or(const char* name, const std::string& fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::string(v) : fallback;
}

/// A raw disk whose first and last sectors each start with a line naming `token`, so the guest
/// proves it read both ends of the device.
std::string make_disk(const std::string& token) {
    std::string disk(kDiskBytes, '\0');
    const std::string head = "machina-disk-head " + token + "\n";
    const std::string tail = "machina-disk-tail " + token + "\n";
    disk.replace(0, head.size(), head);
    disk.replace(kDiskBytes - kSector, tail.size(), tail);
    std::string path = testing::TempDir() + "machina_kvm_linux_disk.img";
    std::ofstream(path, std::ios::binary) << disk;
    return path;
}

bool has(const std::string& out, const std::string& what) {
    return out.find(what) != std::string::npos;
}

TEST(KvmLinux, DebianCloudKernelBootsWithVirtioDevicesAndPowersOff) {
    const char* enabled = std::getenv("MACHINA_KVM_LINUX_TEST");
    if (!enabled || std::string(enabled) != "1")
        GTEST_SKIP() << "boots Debian's cloud kernel: set MACHINA_KVM_LINUX_TEST=1 on a machine "
                        "with hardware KVM (after scripts/assets/linux-x86.sh)";
    const std::string kernel = env_or("MACHINA_X86_LINUX_KERNEL", asset_dir() / "vmlinuz");
    const std::string initrd = asset_dir() / "initramfs.cpio.gz";
    if (!fs::exists(kernel) || !fs::exists(initrd))
        GTEST_SKIP() << kernel << " or " << initrd
                     << " missing: run scripts/assets/linux-x86.sh (or build-all.sh)";

    std::string token = "token-"; // appended, not `"..." + to_string()` (GCC 12 -Wrestrict)
    token += std::to_string(getpid());
    const std::string disk = make_disk(token);
    std::string cmdline = "console=ttyS0 earlyprintk=serial,ttyS0,115200 panic=-1";
    if (std::string extra = env_or("MACHINA_X86_LINUX_APPEND", ""); !extra.empty())
        cmdline += " " + extra;
    auto r = machina::test::run_process({MACHINA_SYSTEM_X86_64,
                                         "-kernel",
                                         kernel,
                                         "-initrd",
                                         initrd,
                                         "-m",
                                         "512M",
                                         "-smp",
                                         "2",
                                         "-cpu",
                                         env_or("MACHINA_X86_LINUX_CPU", "host"),
                                         "-append",
                                         cmdline,
                                         "-drive",
                                         "file=" + disk + ",format=raw,if=virtio",
                                         "-netdev",
                                         "user,id=n0",
                                         "-device",
                                         "virtio-net-device,netdev=n0,mac=52:54:00:12:34:56",
                                         "-device",
                                         "virtio-rng-device",
                                         "-nographic",
                                         "-no-reboot"},
                                        {}, {}, kTimeoutSeconds);
    const std::string& out = r.out;
    EXPECT_FALSE(r.timed_out) << "no power-off within " << kTimeoutSeconds << " s";

    // What the kernel learned from machina's boot protocol and firmware tables.
    EXPECT_TRUE(has(out, "Linux version"));
    EXPECT_TRUE(has(out, "Command line: " + cmdline));
    EXPECT_TRUE(has(out, "BIOS-e820: [mem 0x0000000000100000-0x000000001fffffff] usable"));
    EXPECT_TRUE(has(out, "Hypervisor detected: KVM"));
    EXPECT_TRUE(has(out, "smpboot: Allowing 2 CPUs"));

    // What /init saw from userspace.
    EXPECT_TRUE(has(out, "machina-x86: init reached"));
    for (const char* mod :
         {"virtio_mmio", "virtio_blk", "virtio_net", "virtio_console", "virtio-rng"})
        EXPECT_TRUE(has(out, std::string("machina-x86: insmod ") + mod + " ok")) << mod;
    EXPECT_TRUE(has(out, "machina-x86: cpus 2 online 0-1"));
    // Device ids: 1 net, 2 block, 4 entropy; each bound to its driver.
    EXPECT_TRUE(has(out, "device 0x0002 driver virtio_blk"));
    EXPECT_TRUE(has(out, "device 0x0001 driver virtio_net"));
    EXPECT_TRUE(has(out, "device 0x0004 driver virtio_rng"));
    EXPECT_TRUE(has(out, "machina-x86: virtio devices 3"));
    EXPECT_TRUE(has(out, "machina-x86: disk vda sectors " + std::to_string(kDiskBytes / kSector)));
    EXPECT_TRUE(has(out, "machina-x86: disk head: machina-disk-head " + token));
    EXPECT_TRUE(has(out, "machina-x86: disk tail: machina-disk-tail " + token));
    EXPECT_TRUE(has(out, "machina-x86: net eth0 52:54:00:12:34:56"));
    EXPECT_TRUE(has(out, "machina-x86: dhcp eth0 10.0.2.15 router 10.0.2.2"));
    EXPECT_TRUE(has(out, "machina-x86: rng virtio_rng"));
    EXPECT_TRUE(has(out, "machina-x86: done, powering off"));
    EXPECT_EQ(r.exit_code, 0) << "ACPI power-off ends machina with status 0";
    if (HasFailure())
        std::printf("--- machina stdout ---\n%s\n--- machina stderr ---\n%s\n", out.c_str(),
                    r.err.c_str());
    fs::remove(disk);
}

} // namespace
