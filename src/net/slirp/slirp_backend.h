#pragma once
// SlirpBackend: user-mode networking (`-netdev user`) on libslirp: the guest gets DHCP, DNS and
// outbound TCP/UDP through the host's sockets, and hostfwd rules forward host ports inward.
// libslirp is loaded on first use (slirp_library.h). It is not thread-safe, so one I/O thread
// owns it: frames from the guest are queued to that thread, and frames for the guest are
// delivered from it.

#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "net/net_backend.h"
#include "net/slirp/slirp_options.h"

struct Slirp;
struct pollfd;

namespace machina::net {

struct SlirpLibrary;

/// libslirp behind the NetBackend interface.
class SlirpBackend final : public NetBackend {
  public:
    /// Creates the stack and binds every hostfwd port (an error names the rule that failed).
    static Result<std::unique_ptr<SlirpBackend>> create(const SlirpOptions& options);
    ~SlirpBackend() override;

    void send(const uint8_t* frame, size_t len) override;
    void set_receiver(Receiver receiver) override { m_receiver = std::move(receiver); }
    void start() override;

  private:
    struct Timer {
        int id;
        void* cb_opaque;
        int64_t expire_ms; ///< -1 when disarmed
    };
    friend struct SlirpCallbacks;

    SlirpBackend() = default;
    void run();
    void wake();
    int64_t next_timer_ms() const;
    void fire_timers();

    const SlirpLibrary* m_lib = nullptr; ///< libslirp, loaded on first use
    Slirp* m_slirp = nullptr;
    Receiver m_receiver;
    UniqueFd m_wake_fd;
    std::mutex m_tx_mutex;
    std::deque<std::vector<uint8_t>> m_tx;
    std::vector<std::unique_ptr<Timer>> m_timers;
    std::vector<struct pollfd>* m_pollfds = nullptr; ///< valid during one poll round
    std::thread m_thread;
    bool m_stop = false;
};

} // namespace machina::net
