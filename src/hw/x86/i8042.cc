#include "hw/x86/i8042.h"

namespace machina::hw {

namespace {
constexpr uint8_t kCmdReadCommandByte = 0x20;
constexpr uint8_t kCmdWriteCommandByte = 0x60;
constexpr uint8_t kCmdDisableAux = 0xa7;
constexpr uint8_t kCmdEnableAux = 0xa8;
constexpr uint8_t kCmdTestAux = 0xa9;
constexpr uint8_t kCmdSelfTest = 0xaa;
constexpr uint8_t kCmdTestKbd = 0xab;
constexpr uint8_t kCmdDisableKbd = 0xad;
constexpr uint8_t kCmdEnableKbd = 0xae;
constexpr uint8_t kCmdReadInputPort = 0xc0;
constexpr uint8_t kCmdReadOutputPort = 0xd0;
constexpr uint8_t kCmdWriteOutputPort = 0xd1;
constexpr uint8_t kCmdWriteKbdOutput = 0xd2;
constexpr uint8_t kCmdWriteAuxOutput = 0xd3;
constexpr uint8_t kCmdWriteAux = 0xd4;
constexpr uint8_t kCmdPulseFirst = 0xf0;

constexpr uint8_t kKbdAck = 0xfa;
constexpr uint8_t kKbdSelfTestOk = 0xaa;
} // namespace

I8042::I8042(ResetHandler on_reset) : m_on_reset(std::move(on_reset)) {}

uint64_t I8042::Port::read(uint64_t, unsigned) {
    return m_command ? m_owner.read_status() : m_owner.read_data();
}

void I8042::Port::write(uint64_t, unsigned, uint64_t value) {
    if (m_command)
        m_owner.write_command(uint8_t(value));
    else
        m_owner.write_data(uint8_t(value));
}

void I8042::push_output(uint8_t value) {
    m_output.push_back(value);
    update_irq();
}

void I8042::update_irq() {
    m_irq.set(!m_output.empty() && (m_command_byte & 0x01));
}

void I8042::request_reset() {
    ++m_resets;
    if (m_on_reset) m_on_reset();
}

uint8_t I8042::read_status() {
    std::lock_guard lock(m_mutex);
    uint8_t status = kStatusSystemFlag;
    if (!m_output.empty()) status |= kStatusOutputFull;
    if (m_last_was_command) status |= kStatusCommand;
    return status;
}

uint8_t I8042::read_data() {
    std::lock_guard lock(m_mutex);
    if (m_output.empty()) return 0;
    uint8_t value = m_output.front();
    m_output.pop_front();
    update_irq();
    return value;
}

void I8042::write_command(uint8_t value) {
    bool reset = false;
    {
        std::lock_guard lock(m_mutex);
        m_last_was_command = true;
        switch (value) {
        case kCmdReadCommandByte: push_output(m_command_byte); break;
        case kCmdWriteCommandByte:
        case kCmdWriteOutputPort:
        case kCmdWriteKbdOutput:
        case kCmdWriteAuxOutput:
        case kCmdWriteAux: m_pending_command = value; break;
        case kCmdDisableAux: m_command_byte |= 0x20; break;
        case kCmdEnableAux: m_command_byte &= ~0x20; break;
        case kCmdTestAux:
        case kCmdTestKbd: push_output(0x00); break;
        case kCmdSelfTest: push_output(0x55); break;
        case kCmdDisableKbd: m_command_byte |= 0x10; break;
        case kCmdEnableKbd: m_command_byte &= ~0x10; break;
        case kCmdReadInputPort: push_output(0x80); break;
        case kCmdReadOutputPort: push_output(m_output_port); break;
        default:
            // 0xF0-0xFF pulse output-port bits low for 6 us; bit 0 is the CPU reset line.
            if (value >= kCmdPulseFirst && !(value & 0x01)) reset = true;
            break;
        }
    }
    if (reset) request_reset();
}

void I8042::write_data(uint8_t value) {
    bool reset = false;
    {
        std::lock_guard lock(m_mutex);
        m_last_was_command = false;
        uint8_t command = m_pending_command;
        m_pending_command = 0;
        switch (command) {
        case kCmdWriteCommandByte:
            m_command_byte = value;
            update_irq();
            break;
        case kCmdWriteOutputPort:
            m_output_port = value;
            if (!(value & 0x01)) reset = true;
            break;
        case kCmdWriteKbdOutput: push_output(value); break;
        case kCmdWriteAuxOutput:
        case kCmdWriteAux: break; // no mouse: the byte goes nowhere
        default:
            // A keyboard command: acknowledge; "reset" (0xFF) also reports a passed self-test.
            push_output(kKbdAck);
            if (value == 0xff) push_output(kKbdSelfTestOk);
            break;
        }
    }
    if (reset) request_reset();
}

} // namespace machina::hw
