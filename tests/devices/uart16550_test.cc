// The 16550 UART driven through an AddressSpace as a guest driver would: at port 0x3f8 through
// the PIO adapter and at an MMIO base with a register stride through the MMIO adapter.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/address_space.h"
#include "hw/char/uart16550.h"
#include "hw/char/uart16550_bus.h"

namespace {

using machina::core::AccessStatus;
using machina::core::AddressSpace;
using namespace machina::hw;

constexpr uint64_t kBase = 0x3f8;

class UartTest : public testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(space.map(kBase, 8, pio, "com1", {1, 1}).ok());
        uart.set_tx_sink([this](uint8_t b) { sent.push_back(char(b)); });
        uart.irq().connect([this](bool level) { irq_changes.push_back(level); });
    }
    uint8_t rd(unsigned reg) {
        uint64_t v = 0;
        EXPECT_EQ(space.read(kBase + reg, 1, &v), AccessStatus::Ok);
        return uint8_t(v);
    }
    void wr(unsigned reg, uint8_t v) {
        EXPECT_EQ(space.write(kBase + reg, 1, v), AccessStatus::Ok);
    }

    Uart16550 uart;
    Uart16550Pio pio{uart};
    AddressSpace space{"pio"};
    std::string sent;
    std::vector<bool> irq_changes;
};

TEST_F(UartTest, TransmitGoesToSinkAndLsrShowsEmpty) {
    EXPECT_EQ(rd(kUartLsr) & (kLsrThrEmpty | kLsrTxEmpty), kLsrThrEmpty | kLsrTxEmpty);
    for (char c : std::string("hi\n"))
        wr(kUartRbrThrDll, uint8_t(c));
    EXPECT_EQ(sent, "hi\n");
    EXPECT_EQ(rd(kUartLsr) & kLsrDataReady, 0);
}

TEST_F(UartTest, ReceiveSetsDataReadyAndRbrPops) {
    EXPECT_TRUE(uart.receive('a'));
    EXPECT_EQ(rd(kUartLsr) & kLsrDataReady, kLsrDataReady);
    EXPECT_EQ(rd(kUartRbrThrDll), 'a');
    EXPECT_EQ(rd(kUartLsr) & kLsrDataReady, 0);
}

TEST_F(UartTest, WithoutFifoSecondByteOverruns) {
    EXPECT_TRUE(uart.receive('a'));
    EXPECT_FALSE(uart.receive('b'));
    EXPECT_EQ(uart.rx_space(), 0u);
    uint8_t lsr = rd(kUartLsr);
    EXPECT_EQ(lsr & kLsrOverrun, kLsrOverrun);
    EXPECT_EQ(rd(kUartLsr) & kLsrOverrun, 0) << "reading LSR clears overrun";
    EXPECT_EQ(rd(kUartRbrThrDll), 'a');
}

TEST_F(UartTest, FifoHolds16BytesInOrder) {
    wr(kUartIirFcr, 0x07); // enable and clear FIFOs
    EXPECT_EQ(rd(kUartIirFcr) & 0xc0, 0xc0) << "IIR reports FIFOs enabled";
    for (int i = 0; i < 16; ++i)
        EXPECT_TRUE(uart.receive(uint8_t('A' + i)));
    EXPECT_FALSE(uart.receive('!'));
    for (int i = 0; i < 16; ++i)
        EXPECT_EQ(rd(kUartRbrThrDll), 'A' + i);
    EXPECT_EQ(rd(kUartLsr) & kLsrDataReady, 0);
}

TEST_F(UartTest, FcrClearsReceiveFifo) {
    wr(kUartIirFcr, 0x01);
    uart.receive('x');
    uart.receive('y');
    wr(kUartIirFcr, 0x03);
    EXPECT_EQ(rd(kUartLsr) & kLsrDataReady, 0);
    EXPECT_EQ(uart.rx_space(), Uart16550::kFifoSize);
}

TEST_F(UartTest, DlabSelectsDivisorLatch) {
    wr(kUartIerDlm, 0x05); // IER while DLAB=0
    wr(kUartLcr, 0x83);    // DLAB=1, 8N1
    wr(kUartRbrThrDll, 0x01);
    wr(kUartIerDlm, 0x02);
    EXPECT_EQ(rd(kUartRbrThrDll), 0x01);
    EXPECT_EQ(rd(kUartIerDlm), 0x02);
    EXPECT_EQ(uart.divisor(), 0x0201);
    EXPECT_TRUE(sent.empty()) << "DLL writes are not transmitted";
    wr(kUartLcr, 0x03);
    EXPECT_EQ(rd(kUartIerDlm), 0x05) << "IER kept its value behind the latch";
    EXPECT_EQ(rd(kUartLcr), 0x03);
}

TEST_F(UartTest, ScratchRegister) {
    wr(kUartScr, 0x5a);
    EXPECT_EQ(rd(kUartScr), 0x5a);
    wr(kUartScr, 0xa5);
    EXPECT_EQ(rd(kUartScr), 0xa5);
}

TEST_F(UartTest, NoInterruptWhenIerClear) {
    EXPECT_EQ(rd(kUartIirFcr) & 0x0f, kIirNone);
    uart.receive('q');
    EXPECT_FALSE(uart.irq().level());
    EXPECT_EQ(rd(kUartIirFcr) & 0x0f, kIirNone);
}

TEST_F(UartTest, ReceiveInterruptRaisedAndClearedByRead) {
    wr(kUartIerDlm, 0x01);
    EXPECT_FALSE(uart.irq().level());
    uart.receive('z');
    EXPECT_TRUE(uart.irq().level());
    EXPECT_EQ(rd(kUartIirFcr) & 0x0f, kIirRxData);
    EXPECT_EQ(rd(kUartRbrThrDll), 'z');
    EXPECT_FALSE(uart.irq().level());
    EXPECT_EQ(irq_changes, (std::vector<bool>{true, false}));
}

TEST_F(UartTest, FifoBelowTriggerReportsTimeoutThenDataAtTrigger) {
    wr(kUartIirFcr, 0x41); // FIFO on, trigger level 4
    wr(kUartIerDlm, 0x01);
    uart.receive('1');
    EXPECT_EQ(rd(kUartIirFcr) & 0x0f, kIirRxTimeout);
    uart.receive('2');
    uart.receive('3');
    uart.receive('4');
    EXPECT_EQ(rd(kUartIirFcr) & 0x0f, kIirRxData);
}

TEST_F(UartTest, ThrEmptyInterruptOnEnableAcknowledgedByIirRead) {
    wr(kUartIerDlm, 0x02);
    EXPECT_TRUE(uart.irq().level()) << "enabling ETBEI with an empty THR interrupts";
    EXPECT_EQ(rd(kUartIirFcr) & 0x0f, kIirThrEmpty);
    EXPECT_FALSE(uart.irq().level()) << "reading IIR acknowledged THRE";
    EXPECT_EQ(rd(kUartIirFcr) & 0x0f, kIirNone);
    wr(kUartRbrThrDll, 'k');
    EXPECT_TRUE(uart.irq().level()) << "the byte left, THR empty again";
    wr(kUartIerDlm, 0x00);
    EXPECT_FALSE(uart.irq().level());
}

TEST_F(UartTest, LineStatusInterruptHasPriority) {
    wr(kUartIerDlm, 0x07);
    rd(kUartIirFcr); // acknowledge THRE
    uart.receive('a');
    uart.receive('b'); // overrun without FIFO
    EXPECT_EQ(rd(kUartIirFcr) & 0x0f, kIirLineStatus);
    rd(kUartLsr);
    EXPECT_EQ(rd(kUartIirFcr) & 0x0f, kIirRxData) << "after LSR read: the received byte";
}

TEST_F(UartTest, LoopbackReturnsTransmittedByteAndModemLines) {
    wr(kUartMcr, 0x10 | 0x0b); // loopback, DTR, RTS, OUT2
    wr(kUartRbrThrDll, 'L');
    EXPECT_TRUE(sent.empty());
    EXPECT_EQ(rd(kUartRbrThrDll), 'L');
    EXPECT_EQ(rd(kUartMsr) & 0xf0, 0x20 | 0x10 | 0x80);
    wr(kUartMcr, 0x00);
    EXPECT_EQ(rd(kUartMsr) & 0xf0, 0xb0);
}

TEST_F(UartTest, WideAccessRejectedByPioWindow) {
    uint64_t v = 0;
    EXPECT_EQ(space.read(kBase, 2, &v), AccessStatus::BadSize);
}

TEST(UartMmio, RegisterStrideOfFourBytes) {
    Uart16550 uart;
    Uart16550Mmio mmio(uart, 2);
    AddressSpace space("mmio");
    ASSERT_TRUE(space.map(0x10000000, mmio.window_size(), mmio, "uart", {1, 4}).ok());
    std::string sent;
    uart.set_tx_sink([&](uint8_t b) { sent.push_back(char(b)); });
    EXPECT_EQ(space.write(0x10000000 + 7 * 4, 4, 0x42), AccessStatus::Ok);
    uint64_t v = 0;
    EXPECT_EQ(space.read(0x10000000 + 7 * 4, 4, &v), AccessStatus::Ok);
    EXPECT_EQ(v, 0x42u);
    EXPECT_EQ(space.write(0x10000000, 1, 'm'), AccessStatus::Ok);
    EXPECT_EQ(sent, "m");
    EXPECT_EQ(space.read(0x10000000 + 5 * 4, 1, &v), AccessStatus::Ok);
    EXPECT_EQ(v & kLsrThrEmpty, kLsrThrEmpty);
    EXPECT_EQ(space.read(0x10000000 + 1, 1, &v), AccessStatus::Ok);
    EXPECT_EQ(v, 0u) << "unaligned offsets hit no register";
}

} // namespace
