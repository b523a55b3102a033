// The host terminal backend: Ctrl-A escapes, input delivery into the UART, guest output.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>

#include "hw/char/stdio_backend.h"
#include "hw/char/uart16550.h"

namespace {

using namespace machina::hw;

TEST(StdioBackend, EscapesAndDelivery) {
    int out[2];
    ASSERT_EQ(pipe2(out, O_CLOEXEC | O_NONBLOCK), 0);
    Uart16550 uart;
    uart.write(kUartIirFcr, 0x01); // FIFO on: room for the whole test input
    int quits = 0;
    {
        StdioBackend backend(-1, out[1]);
        ASSERT_TRUE(backend.start([&] { ++quits; }).ok());
        backend.attach(&uart);
        const uint8_t input[] = {'a', 0x01, 0x01, 'b', 0x01, 'x', 0x01, 'h', 0x01, 'q', 'c'};
        backend.process_input(input, sizeof input);
        backend.write('Z');
    }
    EXPECT_EQ(quits, 1);
    std::string received;
    while (uart.read(kUartLsr) & kLsrDataReady)
        received.push_back(char(uart.read(0)));
    EXPECT_EQ(received, std::string("a\x01"
                                    "bc",
                                    4))
        << "C-a C-a sends C-a; C-a q is swallowed";
    char buf[512] = {};
    ssize_t n = read(out[0], buf, sizeof buf - 1);
    ASSERT_GT(n, 0);
    std::string output(buf, size_t(n));
    EXPECT_NE(output.find("C-a x    exit emulator"), std::string::npos) << output;
    EXPECT_EQ(output.back(), 'Z');
    close(out[0]);
    close(out[1]);
}

TEST(StdioBackend, InputThreadReadsFromFd) {
    int in[2], out[2];
    ASSERT_EQ(pipe2(in, O_CLOEXEC), 0);
    ASSERT_EQ(pipe2(out, O_CLOEXEC), 0);
    Uart16550 uart;
    uart.write(kUartIirFcr, 0x01);
    StdioBackend backend(in[0], out[1]);
    ASSERT_TRUE(backend.start(nullptr).ok());
    backend.attach(&uart);
    ASSERT_EQ(write(in[1], "hey", 3), 3);
    for (int i = 0; i < 200 && uart.rx_space() > Uart16550::kFifoSize - 3; ++i)
        usleep(5000);
    backend.stop();
    std::string received;
    while (uart.read(kUartLsr) & kLsrDataReady)
        received.push_back(char(uart.read(0)));
    EXPECT_EQ(received, "hey");
    for (int fd : {in[0], in[1], out[0], out[1]})
        close(fd);
}

TEST(StdioBackend, EscapesWorkWhileTheGuestDoesNotRead) {
    int in[2];
    ASSERT_EQ(pipe2(in, O_CLOEXEC), 0);
    Uart16550 uart; // FIFO off: room for one byte only
    std::atomic<int> quits{0};
    StdioBackend backend(in[0], -1);
    ASSERT_TRUE(backend.start([&] { ++quits; }).ok());
    backend.attach(&uart);
    ASSERT_EQ(write(in[1], "abc\x01x", 5), 5);
    for (int i = 0; i < 200 && quits == 0; ++i)
        usleep(5000);
    EXPECT_EQ(quits, 1) << "Ctrl-A X must not wait behind input the guest has not read";
    // The queued bytes still arrive, in order, as the guest reads.
    std::string received;
    for (int i = 0; i < 200 && received.size() < 3; ++i) {
        if (uart.read(kUartLsr) & kLsrDataReady) received.push_back(char(uart.read(0)));
        usleep(2000);
    }
    EXPECT_EQ(received, "abc");
    backend.stop();
    close(in[0]);
    close(in[1]);
}

} // namespace
