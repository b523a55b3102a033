#include "net/slirp/slirp_backend.h"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>

#include "base/log.h"
#include "core/clock.h"
#include "net/slirp/slirp_library.h"

namespace machina::net {
namespace {

constexpr size_t kMaxQueuedFrames = 1024;

short to_poll_events(int slirp_events) {
    short e = 0;
    if (slirp_events & SLIRP_POLL_IN) e |= POLLIN;
    if (slirp_events & SLIRP_POLL_OUT) e |= POLLOUT;
    if (slirp_events & SLIRP_POLL_PRI) e |= POLLPRI;
    return e;
}

int from_poll_events(short revents) {
    int e = 0;
    if (revents & POLLIN) e |= SLIRP_POLL_IN;
    if (revents & POLLOUT) e |= SLIRP_POLL_OUT;
    if (revents & POLLPRI) e |= SLIRP_POLL_PRI;
    if (revents & POLLERR) e |= SLIRP_POLL_ERR;
    if (revents & POLLHUP) e |= SLIRP_POLL_HUP;
    return e;
}

} // namespace

/// The C callbacks libslirp calls, forwarding to the backend.
struct SlirpCallbacks {
    static SlirpBackend* self(void* opaque) { return static_cast<SlirpBackend*>(opaque); }

    static ssize_t send_packet(const void* buf, size_t len, void* opaque) {
        auto* b = self(opaque);
        if (b->m_receiver) b->m_receiver(static_cast<const uint8_t*>(buf), len);
        return ssize_t(len);
    }
    static void guest_error(const char* msg, void*) {
        log::cat(log::kGuestErrors, "slirp: {}\n", msg);
    }
    static int64_t clock_get_ns(void*) { return int64_t(core::monotonic_ns()); }
    static void* timer_new_opaque(SlirpTimerId id, void* cb_opaque, void* opaque) {
        auto* b = self(opaque);
        b->m_timers.push_back(
            std::make_unique<SlirpBackend::Timer>(SlirpBackend::Timer{int(id), cb_opaque, -1}));
        return b->m_timers.back().get();
    }
    static void timer_free(void* timer, void* opaque) {
        auto& timers = self(opaque)->m_timers;
        std::erase_if(timers, [&](const auto& t) { return t.get() == timer; });
    }
    static void timer_mod(void* timer, int64_t expire_ms, void*) {
        static_cast<SlirpBackend::Timer*>(timer)->expire_ms = expire_ms;
    }
    static void register_poll_fd(int, void*) {}
    static void unregister_poll_fd(int, void*) {}
    static void notify(void* opaque) { self(opaque)->wake(); }
    static int add_poll(int fd, int events, void* opaque) {
        auto* fds = self(opaque)->m_pollfds;
        fds->push_back(pollfd{fd, to_poll_events(events), 0});
        return int(fds->size() - 1);
    }
    static int get_revents(int idx, void* opaque) {
        auto* fds = self(opaque)->m_pollfds;
        return idx >= 0 && size_t(idx) < fds->size() ? from_poll_events((*fds)[size_t(idx)].revents)
                                                     : 0;
    }
};

namespace {

const SlirpCb kCallbacks = {
    .send_packet = SlirpCallbacks::send_packet,
    .guest_error = SlirpCallbacks::guest_error,
    .clock_get_ns = SlirpCallbacks::clock_get_ns,
    .timer_new = nullptr,
    .timer_free = SlirpCallbacks::timer_free,
    .timer_mod = SlirpCallbacks::timer_mod,
    .register_poll_fd = SlirpCallbacks::register_poll_fd,
    .unregister_poll_fd = SlirpCallbacks::unregister_poll_fd,
    .notify = SlirpCallbacks::notify,
    .init_completed = nullptr,
    .timer_new_opaque = SlirpCallbacks::timer_new_opaque,
};

} // namespace

Result<std::unique_ptr<SlirpBackend>> SlirpBackend::create(const SlirpOptions& raw) {
    SlirpOptions o = with_defaults(raw);
    std::unique_ptr<SlirpBackend> b(new SlirpBackend());
    b->m_lib = TRY(slirp_library());
    b->m_wake_fd.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!b->m_wake_fd) return Error::from_errno("-netdev user: eventfd");

    SlirpConfig cfg{};
    cfg.version = 4;
    cfg.restricted = o.restricted;
    cfg.in_enabled = true;
    cfg.vnetwork = o.network;
    cfg.vnetmask = o.netmask;
    cfg.vhost = o.host;
    cfg.vdhcp_start = o.dhcp_start;
    cfg.vnameserver = o.dns;
    cfg.vhostname = "machina";
    b->m_slirp = b->m_lib->new_slirp(&cfg, &kCallbacks, b.get());
    if (!b->m_slirp) return Error::make("-netdev user: libslirp could not start");
    for (const HostForward& f : o.forwards) {
        if (b->m_lib->add_hostfwd(b->m_slirp, f.udp, f.host_addr, f.host_port, f.guest_addr,
                                  f.guest_port) < 0)
            return Error::make("-netdev user: cannot forward host {} port {} (in use?)",
                               f.udp ? "udp" : "tcp", f.host_port);
    }
    return b;
}

SlirpBackend::~SlirpBackend() {
    if (m_thread.joinable()) {
        {
            std::lock_guard lock(m_tx_mutex);
            m_stop = true;
        }
        wake();
        m_thread.join();
    }
    if (m_slirp) m_lib->cleanup(m_slirp);
}

void SlirpBackend::start() {
    m_thread = std::thread([this] { run(); });
}

void SlirpBackend::wake() {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(m_wake_fd.get(), &one, sizeof one);
}

void SlirpBackend::send(const uint8_t* frame, size_t len) {
    {
        std::lock_guard lock(m_tx_mutex);
        if (m_tx.size() >= kMaxQueuedFrames) return; // the wire is full: drop, TCP retransmits
        m_tx.emplace_back(frame, frame + len);
    }
    wake();
}

int64_t SlirpBackend::next_timer_ms() const {
    int64_t next = -1;
    for (const auto& t : m_timers)
        if (t->expire_ms >= 0 && (next < 0 || t->expire_ms < next)) next = t->expire_ms;
    return next;
}

void SlirpBackend::fire_timers() {
    int64_t now_ms = int64_t(core::monotonic_ns() / 1'000'000);
    for (size_t i = 0; i < m_timers.size(); i++) {
        Timer* t = m_timers[i].get();
        if (t->expire_ms >= 0 && t->expire_ms <= now_ms) {
            t->expire_ms = -1;
            m_lib->handle_timer(m_slirp, SlirpTimerId(t->id), t->cb_opaque);
        }
    }
}

void SlirpBackend::run() {
    std::vector<pollfd> fds;
    m_pollfds = &fds;
    while (true) {
        std::deque<std::vector<uint8_t>> frames;
        {
            std::lock_guard lock(m_tx_mutex);
            if (m_stop) break;
            frames.swap(m_tx);
        }
        for (const auto& f : frames)
            m_lib->input(m_slirp, f.data(), int(f.size()));

        uint32_t timeout = 1000;
        int64_t next = next_timer_ms();
        if (next >= 0) {
            int64_t now_ms = int64_t(core::monotonic_ns() / 1'000'000);
            timeout = uint32_t(std::clamp<int64_t>(next - now_ms, 0, timeout));
        }
        fds.clear();
        fds.push_back(pollfd{m_wake_fd.get(), POLLIN, 0});
        m_lib->pollfds_fill(m_slirp, &timeout, SlirpCallbacks::add_poll, this);
        int rc = ::poll(fds.data(), fds.size(), int(timeout));
        if (fds[0].revents & POLLIN) {
            uint64_t drained;
            [[maybe_unused]] ssize_t n = ::read(m_wake_fd.get(), &drained, sizeof drained);
        }
        m_lib->pollfds_poll(m_slirp, rc < 0 && errno != EINTR, SlirpCallbacks::get_revents, this);
        fire_timers();
    }
    m_pollfds = nullptr;
}

} // namespace machina::net
