#pragma once
// IrqLine: one interrupt wire from a device to an interrupt controller (or to the accelerator's
// in-kernel irqchip). The device drives the level; the board decides where the wire goes.

#include <atomic>
#include <functional>

namespace machina::core {

/// A level-triggered interrupt line. Unconnected lines remember their level but signal nothing,
/// so a device works the same whether or not the board wired it.
class IrqLine {
  public:
    /// Called with the new level whenever it changes.
    using Sink = std::function<void(bool level)>;

    IrqLine() = default;
    explicit IrqLine(Sink sink) : m_sink(std::move(sink)) {}

    /// Connects the line to `sink` (replacing any previous one).
    void connect(Sink sink) { m_sink = std::move(sink); }

    /// Drives the line to `level`; the sink is told only on a change.
    void set(bool level) {
        bool old = m_level.exchange(level, std::memory_order_acq_rel);
        if (old != level && m_sink) m_sink(level);
    }
    void raise() { set(true); }
    void lower() { set(false); }
    /// Raises then lowers the line: an edge for edge-triggered controllers.
    void pulse() {
        raise();
        lower();
    }

    /// Current level.
    bool level() const { return m_level.load(std::memory_order_acquire); }
    /// True when a sink is attached.
    bool connected() const { return static_cast<bool>(m_sink); }

  private:
    Sink m_sink;
    std::atomic<bool> m_level{false};
};

} // namespace machina::core
