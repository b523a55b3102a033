#include "boards/riscv_virt/virt_host_ends.h"

#include "net/slirp/slirp_backend.h"
#include "net/tap/tap_backend.h"

namespace machina::boards::riscv_virt {

namespace {

/// A disk lent to one machine: every call goes to the image VirtHostEnds keeps open.
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

Result<std::unique_ptr<net::NetBackend>> open_net_backend(const VirtNic& nic) {
    if (nic.backend == VirtNic::Backend::Tap)
        return std::unique_ptr<net::NetBackend>(TRY(net::TapBackend::create(nic.tap)));
    return std::unique_ptr<net::NetBackend>(
        TRY(net::SlirpBackend::create(net::with_defaults(nic.slirp))));
}

} // namespace

VirtHostEnds::NicPort::NicPort(std::unique_ptr<net::NetBackend> backend)
    : m_backend(std::move(backend)) {
    m_backend->set_receiver([this](const uint8_t* frame, size_t len) {
        std::lock_guard lock(m_mutex);
        return m_sink ? m_sink(frame, len) : false;
    });
    m_backend->start();
}

void VirtHostEnds::NicPort::connect(FrameSink sink) {
    std::lock_guard lock(m_mutex);
    m_sink = std::move(sink);
}

Result<std::unique_ptr<VirtHostEnds>> VirtHostEnds::open(const VirtMachineConfig& config,
                                                         std::function<void()> on_quit) {
    std::unique_ptr<VirtHostEnds> ends(new VirtHostEnds());
    for (const VirtDrive& d : config.drives) {
        block::DriveOptions options;
        options.path = d.path;
        options.format = d.format;
        options.read_only = d.read_only;
        options.snapshot = d.snapshot;
        ends->m_drives.push_back(TRY(block::open_drive(options)));
    }
    for (const VirtNic& nic : config.nics)
        ends->m_nics.push_back(std::make_unique<NicPort>(TRY(open_net_backend(nic))));
    using Kind = hw::SerialBackendSpec::Kind;
    for (const hw::SerialBackendSpec& spec : config.consoles) {
        if (spec.kind == Kind::Stdio && config.serial.kind == Kind::Stdio)
            return Error::make("-chardev stdio: the terminal already carries the serial port; add "
                               "-serial none (or another -serial) to give it to the virtio "
                               "console");
        auto backend = TRY(hw::open_serial_backend(spec));
        // A null chardev: output is dropped and there is no input.
        if (!backend) backend = std::make_unique<hw::StdioBackend>(-1, -1, false);
        TRY(backend->start(on_quit));
        ends->m_consoles.push_back(std::move(backend));
    }
    return ends;
}

VirtHostEnds::~VirtHostEnds() = default;

std::unique_ptr<block::BlockDevice> VirtHostEnds::lend_drive(size_t i) {
    return std::make_unique<LentDisk>(*m_drives.at(i));
}

} // namespace machina::boards::riscv_virt
