// The -device/-netdev/-chardev/-serial readers both system emulators share: network cards on
// slirp or tap, virtio console ends, the drive behind a virtio-blk-device, the first -serial.

#include "cli/device_options.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using namespace machina::cli;
using Spec = machina::hw::SerialBackendSpec;

MachineConfig parse(std::vector<std::string_view> args) {
    auto c = parse_command_line(args);
    EXPECT_TRUE(c.ok()) << c.error().message;
    return c.ok() ? *c : MachineConfig{};
}

/// The error message of `r`, or "" when it succeeded.
template <typename T>
std::string error_of(const machina::Result<T>& r) {
    return r.ok() ? std::string() : r.error().message;
}

TEST(DeviceOptions, MacAddresses) {
    auto mac = parse_mac("52:54:00:ab:CD:0f", "-device x");
    ASSERT_TRUE(mac.ok());
    EXPECT_EQ((*mac)[3], 0xab);
    EXPECT_EQ((*mac)[4], 0xcd);
    EXPECT_EQ((*mac)[5], 0x0f);
    for (const char* bad : {"52:54:00:ab:cd", "52:54:00:ab:cd:0f:11", "52:54:00:ab:cd:100", "x"})
        EXPECT_NE(error_of(parse_mac(bad, "-device x")).find("-device x: bad mac"),
                  std::string::npos)
            << bad;
}

TEST(DeviceOptions, NicOnUserNetworking) {
    auto c = parse({"-netdev", "user,id=a,hostfwd=tcp::2222-:22,restrict=on", "-netdev",
                    "user,id=b", "-device", "virtio-net-device,netdev=b", "-device",
                    "virtio-net-device,netdev=a,mac=02:00:00:00:00:01"});
    auto first = nic_for_device(c, c.devices[0]);
    ASSERT_TRUE(first.ok()) << first.error().message;
    EXPECT_EQ(first->backend, machina::net::NicConfig::Backend::User);
    EXPECT_EQ(first->slirp.id, "b");
    EXPECT_EQ(first->mac[5], 0x57) << "the second -netdev gets ...:57";
    auto second = nic_for_device(c, c.devices[1]);
    ASSERT_TRUE(second.ok()) << second.error().message;
    EXPECT_TRUE(second->slirp.restricted);
    ASSERT_EQ(second->slirp.forwards.size(), 1u);
    EXPECT_EQ(second->slirp.forwards[0].host_port, 2222);
    EXPECT_EQ(second->mac[0], 0x02);
}

TEST(DeviceOptions, NicOnTap) {
    auto c = parse({"-netdev", "tap,id=t0,ifname=tap7,script=no,downscript=no,vnet_hdr=on",
                    "-device", "virtio-net-device,netdev=t0"});
    auto nic = nic_for_device(c, c.devices[0]);
    ASSERT_TRUE(nic.ok()) << nic.error().message;
    EXPECT_EQ(nic->backend, machina::net::NicConfig::Backend::Tap);
    EXPECT_EQ(nic->tap.id, "t0");
    EXPECT_EQ(nic->tap.ifname, "tap7");
    EXPECT_TRUE(nic->tap.vnet_hdr);
    EXPECT_EQ(nic->tap.fd, -1);
    auto by_fd = parse({"-netdev", "tap,id=t0,fd=5", "-device", "virtio-net,netdev=t0"});
    EXPECT_EQ(nic_for_device(by_fd, by_fd.devices[0])->tap.fd, 5);
}

TEST(DeviceOptions, NicErrorsNameTheProblem) {
    auto c = parse({"-netdev", "tap,id=t0,script=/etc/qemu-ifup", "-netdev", "vde,id=v0", "-netdev",
                    "user,id=u0,smb=/srv", "-device", "virtio-net-device,netdev=t0", "-device",
                    "virtio-net-device,netdev=v0", "-device", "virtio-net-device,netdev=u0",
                    "-device", "virtio-net-device", "-device", "virtio-net-device,netdev=zz",
                    "-device", "virtio-net-device,netdev=u0,vlan=1"});
    const char* expected[] = {"machina runs no scripts",     "unknown network backend",
                              "unsupported parameter 'smb'", "'netdev=ID' is required",
                              "no -netdev with id=zz",       "vlan"};
    for (size_t i = 0; i < std::size(expected); ++i)
        EXPECT_NE(error_of(nic_for_device(c, c.devices[i])).find(expected[i]), std::string::npos)
            << i << ": " << error_of(nic_for_device(c, c.devices[i]));
}

TEST(DeviceOptions, ChardevBackends) {
    auto c =
        parse({"-chardev", "stdio,id=a", "-chardev", "null,id=b", "-chardev", "pty,id=c",
               "-chardev", "file,id=d,path=/tmp/out", "-chardev", "socket,id=e,path=/tmp/s",
               "-chardev", "socket,id=f,path=/tmp/s,server=on", "-chardev", "tcp,id=g", "-chardev",
               "socket,id=h", "-chardev", "socket,id=i,path=/s,server=on,wait=off"});
    const Spec::Kind kinds[] = {Spec::Kind::Stdio, Spec::Kind::None,       Spec::Kind::Pty,
                                Spec::Kind::File,  Spec::Kind::UnixClient, Spec::Kind::UnixServer};
    for (size_t i = 0; i < std::size(kinds); ++i) {
        auto spec = chardev_spec(c.chardevs[i]);
        ASSERT_TRUE(spec.ok()) << i << ": " << spec.error().message;
        EXPECT_EQ(spec->kind, kinds[i]) << i;
    }
    EXPECT_EQ(chardev_spec(c.chardevs[3])->path, "/tmp/out");
    EXPECT_NE(error_of(chardev_spec(c.chardevs[6])).find("unknown backend 'tcp'"),
              std::string::npos);
    EXPECT_NE(error_of(chardev_spec(c.chardevs[7])).find("'path=' is required"), std::string::npos);
    EXPECT_NE(error_of(chardev_spec(c.chardevs[8])).find("wait=off"), std::string::npos);
}

TEST(DeviceOptions, VirtconsoleFindsItsChardev) {
    auto c = parse({"-chardev", "file,id=c0,path=/tmp/x", "-device", "virtio-serial-device",
                    "-device", "virtconsole,chardev=c0", "-device", "virtconsole", "-device",
                    "virtio-console-device,chardev=c9", "-device", "virtio-serial,ports=2"});
    EXPECT_TRUE(check_virtio_serial_bus(c.devices[0]).ok());
    auto spec = console_for_device(c, c.devices[1]);
    ASSERT_TRUE(spec.ok()) << spec.error().message;
    EXPECT_EQ(spec->kind, Spec::Kind::File);
    EXPECT_EQ(spec->path, "/tmp/x");
    EXPECT_NE(error_of(console_for_device(c, c.devices[2])).find("'chardev=ID' is required"),
              std::string::npos);
    EXPECT_NE(error_of(console_for_device(c, c.devices[3])).find("no -chardev with id=c9"),
              std::string::npos);
    EXPECT_FALSE(check_virtio_serial_bus(c.devices[4]).ok());
}

TEST(DeviceOptions, DriveForABlkDevice) {
    auto c = parse({"-drive", "file=a.img,if=none,id=d0,snapshot=on", "-drive", "file=b.img",
                    "-device", "virtio-blk-device,drive=d0", "-device",
                    "virtio-blk-device,drive=d1", "-device", "virtio-blk-device"});
    auto d = drive_for_device(c, c.devices[0]);
    ASSERT_TRUE(d.ok()) << d.error().message;
    EXPECT_EQ((*d)->file, "a.img");
    EXPECT_TRUE((*d)->snapshot);
    EXPECT_NE(error_of(drive_for_device(c, c.devices[1])).find("no -drive if=none,id=d1"),
              std::string::npos);
    EXPECT_NE(error_of(drive_for_device(c, c.devices[2])).find("'drive=ID' is required"),
              std::string::npos);
}

TEST(DeviceOptions, FirstSerial) {
    EXPECT_EQ(first_serial_spec(parse({})).kind, Spec::Kind::Stdio);
    auto c = parse({"-serial", "unix:/tmp/s,server", "-serial", "null"});
    Spec s = first_serial_spec(c);
    EXPECT_EQ(s.kind, Spec::Kind::UnixServer);
    EXPECT_EQ(s.path, "/tmp/s");
    EXPECT_EQ(first_serial_spec(parse({"-serial", "none"})).kind, Spec::Kind::None);
}

} // namespace
