#pragma once
// Opening the host side of a serial port: stdio (with Ctrl-A escapes), a new pty, a unix
// socket (connect, or listen and wait for one client), an output file, or nothing.

#include <memory>
#include <string>

#include "base/result.h"
#include "hw/char/stdio_backend.h"

namespace machina::hw {

/// Where a serial port's bytes go (QEMU's -serial).
struct SerialBackendSpec {
    enum class Kind { None, Stdio, File, Pty, UnixClient, UnixServer };
    Kind kind = Kind::Stdio;
    std::string path; ///< file or socket path
};

/// Opens the backend (nullptr for Kind::None). Pty prints "char device redirected to ..." on
/// stderr as QEMU does; UnixServer blocks until a client connects.
Result<std::unique_ptr<StdioBackend>> open_serial_backend(const SerialBackendSpec& spec);

} // namespace machina::hw
