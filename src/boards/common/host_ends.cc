// HostEnds: disk images and backends that outlive a guest reset (see host_ends.h).
#include "boards/common/host_ends.h"

#include "net/slirp/slirp_backend.h"
#include "net/tap/tap_backend.h"

namespace machina::boards {

namespace {

/// A disk lent to one machine: every call goes to the image HostEnds keeps open.
class LentDisk final : public block::BlockDevice {
  public:
    explicit LentDisk(block::BlockDevice& disk) : m_disk(disk) {}
    uint64_t size() const override { return m_disk.size(); }
    bool read_only() const override { return m_disk.read_only(); }
    Result<void> read(uint64_t offset, void* dst, size_t len) override {
        return m_disk.read(offset, dst, len);
    }
    Result<void> write(uint64_t offset, const void* src, size_t len) override {
        return m_disk.write(offset, src, len);
    }
    Result<void> flush() override { return m_disk.flush(); }

  private:
    block::BlockDevice& m_disk;
};

Result<std::unique_ptr<net::NetBackend>> open_net_backend(const net::NicConfig& nic) {
    if (nic.backend == net::NicConfig::Backend::Tap)
        return std::unique_ptr<net::NetBackend>(TRY(net::TapBackend::create(nic.tap)));
    return std::unique_ptr<net::NetBackend>(
        TRY(net::SlirpBackend::create(net::with_defaults(nic.slirp))));
}

} // namespace

HostEnds::NicPort::NicPort(std::unique_ptr<net::NetBackend> backend)
    : m_backend(std::move(backend)) {
    m_backend->set_receiver([this](const uint8_t* frame, size_t len) {
        std::lock_guard lock(m_mutex);
        return m_sink ? m_sink(frame, len) : false;
    });
    m_backend->start();
}

void HostEnds::NicPort::connect(FrameSink sink) {
    std::lock_guard lock(m_mutex);
    m_sink = std::move(sink);
}

Result<std::unique_ptr<HostEnds>> HostEnds::open(const HostEndsConfig& config,
                                                 std::function<void()> on_quit) {
    std::unique_ptr<HostEnds> ends(new HostEnds());
    for (const block::DriveOptions& drive : config.drives)
        ends->m_drives.push_back(TRY(block::open_drive(drive)));
    for (const net::NicConfig& nic : config.nics)
        ends->m_nics.push_back(std::make_unique<NicPort>(TRY(open_net_backend(nic))));
    using Kind = hw::SerialBackendSpec::Kind;
    for (const hw::SerialBackendSpec& spec : config.consoles) {
        if (spec.kind == Kind::Stdio && config.serial_on_stdio)
            return Error::make(
                "-chardev stdio: the terminal already carries {}; add -serial none (or "
                "another -serial) to give it to the virtio console",
                config.serial_name);
        auto backend = TRY(hw::open_serial_backend(spec));
        // A null chardev: output is dropped and there is no input.
        if (!backend) backend = std::make_unique<hw::StdioBackend>(-1, -1, false);
        TRY(backend->start(on_quit));
        ends->m_consoles.push_back(std::move(backend));
    }
    return ends;
}

HostEnds::~HostEnds() = default;

std::unique_ptr<block::BlockDevice> HostEnds::lend_drive(size_t i) {
    return std::make_unique<LentDisk>(*m_drives.at(i));
}

} // namespace machina::boards
