#include "net/tap/tap_backend.h"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "base/log.h"

namespace machina::net {

namespace {

/// struct virtio_net_hdr without offloads: flags 0, gso_type VIRTIO_NET_HDR_GSO_NONE.
constexpr size_t kVnetHeaderLen = 10;
/// Largest frame read from the interface (a 64 KiB GSO frame cannot come: no offloads are set).
constexpr size_t kMaxFrame = 65536;

Error open_error(const std::string& path) {
    const int e = errno;
    if (e == ENOENT || e == ENODEV || e == ENXIO)
        return Error{fmt::format("-netdev tap: {} does not exist (load the tun module: modprobe "
                                 "tun)",
                                 path),
                     e};
    if (e == EACCES || e == EPERM)
        return Error{fmt::format("-netdev tap: no permission to open {}", path), e};
    return Error::from_errno("-netdev tap: cannot open {}", path);
}

Error create_error(const std::string& ifname) {
    const int e = errno;
    const std::string name = ifname.empty() ? std::string("a tap interface") : "'" + ifname + "'";
    if (e == EPERM || e == EACCES)
        return Error{fmt::format("-netdev tap: not permitted to create {} (needs CAP_NET_ADMIN, or "
                                 "an interface made beforehand with `ip tuntap add dev NAME mode "
                                 "tap user USER` and ifname=NAME)",
                                 name),
                     e};
    if (e == EBUSY) return Error{fmt::format("-netdev tap: {} is already in use", name), e};
    if (e == EINVAL)
        return Error{fmt::format("-netdev tap: {} exists and is not a tap interface", name), e};
    return Error::from_errno("-netdev tap: cannot create {}", name);
}

} // namespace

Result<std::unique_ptr<TapBackend>> TapBackend::create(const TapOptions& options) {
    std::unique_ptr<TapBackend> b(new TapBackend());
    b->m_wake_fd.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!b->m_wake_fd) return Error::from_errno("-netdev tap: eventfd");
    if (options.fd >= 0)
        TRY(b->adopt_fd(options.fd, options.vnet_hdr));
    else
        TRY(b->open_device(options));
    b->m_header_len = options.vnet_hdr ? kVnetHeaderLen : 0;
    return b;
}

Result<void> TapBackend::open_device(const TapOptions& options) {
    int fd = ::open(options.device_path.c_str(), O_RDWR | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return open_error(options.device_path);
    m_fd.reset(fd);
    ifreq req{};
    req.ifr_flags = IFF_TAP | IFF_NO_PI | (options.vnet_hdr ? IFF_VNET_HDR : 0);
    std::strncpy(req.ifr_name, options.ifname.c_str(), IFNAMSIZ - 1);
    if (::ioctl(fd, TUNSETIFF, &req) < 0) return create_error(options.ifname);
    m_ifname = req.ifr_name;
    return ok();
}

Result<void> TapBackend::adopt_fd(int fd, bool vnet_hdr) {
    ifreq req{};
    if (::ioctl(fd, TUNGETIFF, &req) < 0)
        return Error::from_errno("-netdev tap: fd={} is not an open tap device", fd);
    if (!(req.ifr_flags & IFF_TAP) || !(req.ifr_flags & IFF_NO_PI))
        return Error::make("-netdev tap: fd={} is a tun device or carries packet information "
                           "(it needs IFF_TAP and IFF_NO_PI)",
                           fd);
    if (bool(req.ifr_flags & IFF_VNET_HDR) != vnet_hdr)
        return Error::make("-netdev tap: fd={} was opened {} IFF_VNET_HDR; use vnet_hdr={}", fd,
                           vnet_hdr ? "without" : "with", vnet_hdr ? "off" : "on");
    int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        return Error::from_errno("-netdev tap: fd={}: cannot make it non-blocking", fd);
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    m_fd.reset(fd);
    m_ifname = req.ifr_name;
    return ok();
}

TapBackend::~TapBackend() {
    if (m_thread.joinable()) {
        uint64_t one = 1;
        [[maybe_unused]] ssize_t n = ::write(m_wake_fd.get(), &one, sizeof one);
        m_thread.join();
    }
}

void TapBackend::start() {
    m_thread = std::thread([this] { run(); });
}

void TapBackend::send(const uint8_t* frame, size_t len) {
    uint8_t header[kVnetHeaderLen] = {};
    iovec iov[2] = {{header, m_header_len}, {const_cast<uint8_t*>(frame), len}};
    // One writev is one frame; the tap driver never writes part of it.
    if (::writev(m_fd.get(), m_header_len ? iov : iov + 1, m_header_len ? 2 : 1) < 0)
        m_dropped.fetch_add(1, std::memory_order_relaxed);
}

void TapBackend::run() {
    std::vector<uint8_t> buf(kVnetHeaderLen + kMaxFrame);
    pollfd fds[2] = {{m_fd.get(), POLLIN, 0}, {m_wake_fd.get(), POLLIN, 0}};
    for (;;) {
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            log::error("-netdev tap {}: poll failed: {}", m_ifname, std::strerror(errno));
            return;
        }
        if (fds[1].revents) return;
        if (fds[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
            log::error("-netdev tap {}: the interface went away", m_ifname);
            return;
        }
        for (;;) {
            ssize_t n = ::read(m_fd.get(), buf.data(), buf.size());
            if (n < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN) break; // drained
                log::error("-netdev tap {}: read failed: {}", m_ifname, std::strerror(errno));
                return;
            }
            if (size_t(n) <= m_header_len) continue;
            if (m_receiver) m_receiver(buf.data() + m_header_len, size_t(n) - m_header_len);
        }
    }
}

} // namespace machina::net
