#pragma once
// The -device, -netdev, -chardev and -serial options that every system emulator reads the same
// way, turned into the types the boards take: a virtio-net card and its backend
// (net::NicConfig), the host end of a virtio console or a UART (hw::SerialBackendSpec), the
// -drive behind a virtio-blk-device. The apps keep only what is particular to their board.

#include <array>
#include <cstdint>
#include <string_view>

#include "base/result.h"
#include "cli/options.h"
#include "hw/char/serial_backend.h"
#include "net/nic_config.h"

namespace machina::cli {

/// Parses a MAC address "52:54:00:12:34:56"; errors name `option`.
Result<std::array<uint8_t, 6>> parse_mac(std::string_view text, std::string_view option);

/// `-netdev user,id=ID[,hostfwd=...][,restrict=on|off]` as slirp options.
Result<net::SlirpOptions> user_netdev(const ObjectConfig& netdev);

/// `-device virtio-net-device,netdev=ID[,mac=M]` with the -netdev user|tap it names. Without
/// mac=, cards get 52:54:00:12:34:56, :57, ... in -netdev order (as QEMU does).
Result<net::NicConfig> nic_for_device(const MachineConfig& config, const ObjectConfig& device);

/// The host end a -chardev names: stdio, null, pty, file,path=P, socket,path=P[,server=on].
Result<hw::SerialBackendSpec> chardev_spec(const ObjectConfig& chardev);

/// `-device virtconsole,chardev=ID` (or virtio-console-device,chardev=ID): the host end of the
/// virtio console, from the -chardev with that id.
Result<hw::SerialBackendSpec> console_for_device(const MachineConfig& config,
                                                 const ObjectConfig& device);

/// `-device virtio-serial-device` (QEMU's bus for virtconsole ports): checks its keys. Each
/// virtconsole is a virtio-console device of its own here, so the bus adds nothing.
Result<void> check_virtio_serial_bus(const ObjectConfig& device);

/// `-device virtio-blk-device,drive=ID`: the `-drive if=none,id=ID` it names.
Result<const DriveConfig*> drive_for_device(const MachineConfig& config,
                                            const ObjectConfig& device);

/// Where the first UART goes: the first -serial, or stdio when there is none.
hw::SerialBackendSpec first_serial_spec(const MachineConfig& config);

} // namespace machina::cli
