// The QEMU-compatible command-line parser: sub-options, sizes, each option, and errors.

#include <gtest/gtest.h>

#include "cli/options.h"
#include "cli/suboptions.h"

namespace {

using namespace machina::cli;

machina::Result<MachineConfig> parse(std::vector<std::string_view> args) {
    return parse_command_line(args);
}

TEST(SubOptions, ImpliedKeyFlagsAndEscapedComma) {
    auto o = SubOptions::parse("pc,accel=kvm,usb,name=a,,b", "type");
    ASSERT_TRUE(o.ok());
    EXPECT_EQ(o->get("type"), "pc");
    EXPECT_EQ(o->get("accel"), "kvm");
    EXPECT_EQ(o->get("usb"), "on");
    EXPECT_EQ(o->get("name"), "a,b");
    EXPECT_FALSE(o->get("missing").has_value());
    EXPECT_EQ(o->items().size(), 4u);
}

TEST(SubOptions, LastOccurrenceWinsAndBooleans) {
    auto o = SubOptions::parse("readonly=off,readonly=on,x=maybe");
    ASSERT_TRUE(o.ok());
    EXPECT_TRUE(*o->get_bool("readonly", false, "-drive"));
    EXPECT_FALSE(*o->get_bool("absent", false, "-drive"));
    auto bad = o->get_bool("x", false, "-drive");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("'x=maybe' is not a boolean"), std::string::npos);
}

TEST(SubOptions, RejectsEmptyElementsAndMissingKeys) {
    EXPECT_FALSE(SubOptions::parse("a=1,").ok());
    EXPECT_EQ(SubOptions::parse("a=1,,")->get("a"), "1,");
    EXPECT_FALSE(SubOptions::parse("=1").ok());
    auto o = SubOptions::parse("file=x,bogus=1");
    ASSERT_TRUE(o.ok());
    auto r = o->check_keys({"file"}, "-drive");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "-drive: unknown parameter 'bogus'");
}

TEST(ParseSize, SuffixesAndDefaultUnit) {
    EXPECT_EQ(*parse_size("512", 1 << 20), 512ull << 20);
    EXPECT_EQ(*parse_size("512M", 1 << 20), 512ull << 20);
    EXPECT_EQ(*parse_size("2G", 1 << 20), 2ull << 30);
    EXPECT_EQ(*parse_size("2GiB", 1 << 20), 2ull << 30);
    EXPECT_EQ(*parse_size("64k", 1 << 20), 64ull << 10);
    EXPECT_EQ(*parse_size("1T", 1 << 20), 1ull << 40);
    EXPECT_EQ(*parse_size("4096B", 1 << 20), 4096u);
    EXPECT_FALSE(parse_size("0", 1 << 20).ok());
    EXPECT_FALSE(parse_size("G", 1 << 20).ok());
    EXPECT_FALSE(parse_size("12Q", 1 << 20).ok());
    EXPECT_FALSE(parse_size("12MM", 1 << 20).ok());
    EXPECT_FALSE(parse_size("99999999999999999999", 1).ok());
    EXPECT_FALSE(parse_size("20000000T", 1).ok());
}

TEST(CommandLine, TypicalX86Invocation) {
    auto c = parse({"-M", "pc", "-m", "2G", "-smp", "2", "-cpu", "host", "-accel", "kvm", "-kernel",
                    "bzImage", "-initrd", "initrd.img", "-append", "console=ttyS0 root=/dev/vda",
                    "-nographic", "-no-reboot"});
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->machine, "pc");
    EXPECT_EQ(c->ram_bytes, 2ull << 30);
    EXPECT_EQ(c->cpus, 2u);
    EXPECT_EQ(c->cpu_model, "host");
    EXPECT_EQ(c->accel, "kvm");
    EXPECT_EQ(c->kernel, "bzImage");
    EXPECT_EQ(c->initrd, "initrd.img");
    EXPECT_EQ(c->append, "console=ttyS0 root=/dev/vda");
    EXPECT_TRUE(c->nographic);
    EXPECT_TRUE(c->no_reboot);
}

TEST(CommandLine, MachineWithAccelAndLongForms) {
    auto c = parse({"-machine", "virt,accel=dbt", "--kernel=Image", "--m", "512"});
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->machine, "virt");
    EXPECT_EQ(c->accel, "dbt");
    EXPECT_EQ(c->kernel, "Image");
    EXPECT_EQ(c->ram_bytes, 512ull << 20);
}

TEST(CommandLine, SmpForms) {
    EXPECT_EQ(parse({"-smp", "cpus=4"})->cpus, 4u);
    EXPECT_EQ(parse({"-smp", "3,maxcpus=8"})->cpus, 3u);
    EXPECT_EQ(parse({"-smp", "sockets=2,cores=2,threads=2"})->cpus, 8u);
    EXPECT_FALSE(parse({"-smp", "0"}).ok());
    EXPECT_FALSE(parse({"-smp", "two"}).ok());
    EXPECT_FALSE(parse({"-smp", "2,bogus=1"}).ok());
}

TEST(CommandLine, AccelValues) {
    EXPECT_EQ(parse({"-accel", "interp"})->accel, "interp");
    EXPECT_EQ(parse({"-accel", "tcg"})->accel, "dbt");
    EXPECT_EQ(parse({"-enable-kvm"})->accel, "kvm");
    auto bad = parse({"-accel", "hax"});
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().message, "-accel: unknown accelerator 'hax' (kvm, dbt or interp)");
}

TEST(CommandLine, DriveNetdevDevice) {
    auto c = parse({"-drive", "file=disk.img,format=raw,if=virtio,readonly=on,snapshot=on",
                    "-netdev", "user,id=n0,hostfwd=tcp::2222-:22", "-device",
                    "virtio-net-device,netdev=n0", "-device", "isa-debug-exit,iobase=0xf4"});
    ASSERT_TRUE(c.ok()) << c.error().message;
    ASSERT_EQ(c->drives.size(), 1u);
    EXPECT_EQ(c->drives[0].file, "disk.img");
    EXPECT_EQ(c->drives[0].format, "raw");
    EXPECT_EQ(c->drives[0].interface, "virtio");
    EXPECT_TRUE(c->drives[0].readonly);
    EXPECT_TRUE(c->drives[0].snapshot);
    ASSERT_EQ(c->netdevs.size(), 1u);
    EXPECT_EQ(c->netdevs[0].type, "user");
    EXPECT_EQ(c->netdevs[0].id, "n0");
    EXPECT_EQ(c->netdevs[0].raw.get("hostfwd"), "tcp::2222-:22");
    ASSERT_EQ(c->devices.size(), 2u);
    EXPECT_EQ(c->devices[0].type, "virtio-net-device");
    EXPECT_EQ(c->devices[0].raw.get("netdev"), "n0");
    EXPECT_EQ(c->devices[1].raw.get("iobase"), "0xf4");
}

TEST(CommandLine, DriveErrors) {
    EXPECT_EQ(parse({"-drive", "format=raw"}).error().message, "-drive: 'file=' is required");
    EXPECT_EQ(parse({"-drive", "file=a,format=vmdk"}).error().message,
              "-drive: unsupported format 'vmdk' (raw or qcow2)");
    EXPECT_EQ(parse({"-drive", "file=a,readonly=perhaps"}).error().message,
              "-drive: 'readonly=perhaps' is not a boolean (use on or off)");
    EXPECT_EQ(parse({"-netdev", "user"}).error().message, "-netdev: 'id=' is required");
}

TEST(CommandLine, SerialBackends) {
    auto c = parse({"-serial", "stdio", "-serial", "unix:/tmp/s.sock,server,nowait", "-serial",
                    "pty", "-serial", "none"});
    ASSERT_TRUE(c.ok()) << c.error().message;
    ASSERT_EQ(c->serials.size(), 4u);
    EXPECT_EQ(c->serials[0].kind, SerialConfig::Kind::Stdio);
    EXPECT_EQ(c->serials[1].kind, SerialConfig::Kind::Unix);
    EXPECT_EQ(c->serials[1].path, "/tmp/s.sock");
    EXPECT_EQ(c->serials[2].kind, SerialConfig::Kind::Pty);
    EXPECT_EQ(c->serials[3].kind, SerialConfig::Kind::None);
    EXPECT_FALSE(parse({"-serial", "telnet::4444"}).ok());
    EXPECT_FALSE(parse({"-serial", "unix:"}).ok());
}

TEST(CommandLine, DebugGdbQmpLogAndDirs) {
    auto c =
        parse({"-d", "in_asm,int", "-D", "log.txt", "-s", "-S", "-qmp", "unix:/tmp/q,server,nowait",
               "-L", "/usr/share/qemu", "-L", "fw", "-bios", "fw.bin"});
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->log_items, "in_asm,int");
    EXPECT_EQ(c->log_file, "log.txt");
    EXPECT_EQ(c->gdb, "tcp::1234");
    EXPECT_TRUE(c->start_paused);
    EXPECT_EQ(c->qmp, "unix:/tmp/q,server,nowait");
    EXPECT_EQ(c->data_dirs, (std::vector<std::string>{"/usr/share/qemu", "fw"}));
    EXPECT_EQ(c->bios, "fw.bin");
}

TEST(CommandLine, VersionAndHelp) {
    EXPECT_TRUE(parse({"--version"})->show_version);
    EXPECT_TRUE(parse({"-version"})->show_version);
    EXPECT_TRUE(parse({"-h"})->show_help);
    EXPECT_TRUE(parse({"--help"})->show_help);
    EXPECT_NE(help_text("prog").find("usage: prog"), std::string::npos);
}

TEST(CommandLine, Errors) {
    EXPECT_EQ(parse({"-frobnicate"}).error().message, "unknown option '-frobnicate' (see -h)");
    EXPECT_EQ(parse({"-kernel"}).error().message, "option '-kernel' needs an argument");
    EXPECT_EQ(parse({"bzImage"}).error().message,
              "unexpected argument 'bzImage' (options start with '-')");
    EXPECT_EQ(parse({"-m", "lots"}).error().message, "-m: 'lots' is not a size");
    EXPECT_EQ(parse({"--nographic=yes"}).error().message, "option '-nographic' takes no argument");
}

} // namespace
