#include "hw/char/serial_backend.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace machina::hw {

namespace {

Result<sockaddr_un> unix_address(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path)
        return Error::make("-serial: socket path '{}' is too long", path);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return addr;
}

Result<UniqueFd> open_unix(const std::string& path, bool server) {
    sockaddr_un addr = TRY(unix_address(path));
    UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!sock) return Error::from_errno("-serial: cannot create a unix socket");
    if (!server) {
        if (::connect(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
            return Error::from_errno("-serial: cannot connect to '{}'", path);
        return sock;
    }
    ::unlink(path.c_str());
    if (::bind(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 ||
        ::listen(sock.get(), 1) < 0)
        return Error::from_errno("-serial: cannot listen on '{}'", path);
    std::fprintf(stderr, "machina: waiting for connection on %s\n", path.c_str());
    int client = ::accept4(sock.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) return Error::from_errno("-serial: accept on '{}' failed", path);
    return UniqueFd(client);
}

} // namespace

Result<std::unique_ptr<StdioBackend>> open_serial_backend(const SerialBackendSpec& spec) {
    using Kind = SerialBackendSpec::Kind;
    switch (spec.kind) {
    case Kind::None: return std::unique_ptr<StdioBackend>();
    case Kind::Stdio: return std::make_unique<StdioBackend>(STDIN_FILENO, STDOUT_FILENO, true);
    case Kind::File: {
        UniqueFd fd(::open(spec.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
        if (!fd) return Error::from_errno("-serial: cannot create '{}'", spec.path);
        auto backend = std::make_unique<StdioBackend>(-1, fd.get(), false);
        backend->adopt(std::move(fd));
        return backend;
    }
    case Kind::Pty: {
        UniqueFd master(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK));
        if (!master || ::grantpt(master.get()) < 0 || ::unlockpt(master.get()) < 0)
            return Error::from_errno("-serial: cannot create a pty");
        char name[128] = {};
        if (::ptsname_r(master.get(), name, sizeof name) != 0)
            return Error::from_errno("-serial: cannot name the pty");
        std::fprintf(stderr, "machina: char device redirected to %s (label serial0)\n", name);
        auto backend = std::make_unique<StdioBackend>(master.get(), master.get(), false);
        backend->adopt(std::move(master));
        return backend;
    }
    case Kind::UnixClient:
    case Kind::UnixServer: {
        UniqueFd sock = TRY(open_unix(spec.path, spec.kind == Kind::UnixServer));
        auto backend = std::make_unique<StdioBackend>(sock.get(), sock.get(), false);
        backend->adopt(std::move(sock));
        return backend;
    }
    }
    return Error::make("-serial: unknown backend");
}

} // namespace machina::hw
