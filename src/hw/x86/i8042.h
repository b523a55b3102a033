#pragma once
// I8042: the PC keyboard controller, enough of it for Linux's probe and for the reset line
// (command 0xFE on port 0x64, or output-port writes that clear bit 0). No keyboard or mouse
// is attached; keyboard commands are acknowledged.

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>

#include "core/address_space.h"
#include "core/irq_line.h"

namespace machina::hw {

/// The 8042 keyboard controller (data port 0x60, status/command port 0x64 on a PC).
class I8042 {
  public:
    /// Called when the guest pulses the CPU reset line.
    using ResetHandler = std::function<void()>;

    /// Status register bits.
    static constexpr uint8_t kStatusOutputFull = 0x01;
    static constexpr uint8_t kStatusSystemFlag = 0x04;
    static constexpr uint8_t kStatusCommand = 0x08;

    explicit I8042(ResetHandler on_reset);

    /// Reads the data port (pops the output buffer).
    uint8_t read_data();
    /// Writes the data port (a parameter of the last command, or a keyboard command).
    void write_data(uint8_t value);
    /// Reads the status register.
    uint8_t read_status();
    /// Writes a controller command.
    void write_command(uint8_t value);

    /// The data port as a one-byte device (map at 0x60).
    core::MmioDevice& data_port() { return m_data_port; }
    /// The status/command port as a one-byte device (map at 0x64).
    core::MmioDevice& command_port() { return m_command_port; }
    /// Keyboard interrupt (ISA IRQ 1).
    core::IrqLine& irq() { return m_irq; }
    /// Times the guest asked for a reset (for tests).
    unsigned reset_count() const { return m_resets; }

  private:
    /// One port of the controller as a device.
    class Port : public core::MmioDevice {
      public:
        Port(I8042& owner, bool command) : m_owner(owner), m_command(command) {}
        uint64_t read(uint64_t offset, unsigned size) override;
        void write(uint64_t offset, unsigned size, uint64_t value) override;

      private:
        I8042& m_owner;
        bool m_command;
    };

    void push_output(uint8_t value);
    void update_irq();
    void request_reset();

    std::mutex m_mutex;
    ResetHandler m_on_reset;
    Port m_data_port{*this, false};
    Port m_command_port{*this, true};
    core::IrqLine m_irq;
    std::deque<uint8_t> m_output;
    uint8_t m_command_byte = 0x45; // kbd irq on, system flag, translation
    uint8_t m_output_port = 0x03;  // reset line released, A20 on
    uint8_t m_pending_command = 0;
    bool m_last_was_command = false;
    unsigned m_resets = 0;
};

} // namespace machina::hw
