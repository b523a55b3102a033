// The Ctrl-A C monitor: its commands, its line editing, and the console switching to it.

#include "boards/riscv_virt/virt_monitor.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "hw/char/stdio_backend.h"
#include "hw/char/uart16550.h"

namespace machina::boards::riscv_virt {
namespace {

struct MonitorFixture {
    std::string out;
    int resets = 0;
    int quits = 0;
    Monitor monitor{commands(), [this](std::string_view t) { out += t; }};

    MonitorCommands commands() {
        MonitorCommands c;
        c.info_status = [] { return std::string("running\n"); };
        c.info_mtree = [] { return std::string("address-space: memory\n"); };
        c.system_reset = [this] { resets++; };
        c.quit = [this] { quits++; };
        return c;
    }
    void type(std::string_view text) {
        for (char ch : text)
            monitor.input(uint8_t(ch));
    }
};

TEST(Monitor, Commands) {
    MonitorFixture f;
    EXPECT_NE(f.monitor.execute("help").find("system_reset"), std::string::npos);
    EXPECT_EQ(f.monitor.execute("info status"), "VM status: running\n");
    EXPECT_EQ(f.monitor.execute("  info   mtree "), "address-space: memory\n");
    EXPECT_EQ(f.monitor.execute("info cpus"), "info cpus is not available\n");
    EXPECT_EQ(f.monitor.execute("info registers"), "info registers is not available\n");
    EXPECT_NE(f.monitor.execute("help").find("info registers"), std::string::npos);
    EXPECT_NE(f.monitor.execute("info bogus").find("unknown item 'bogus'"), std::string::npos);
    EXPECT_NE(f.monitor.execute("frobnicate").find("unknown command"), std::string::npos);
    EXPECT_EQ(f.monitor.execute(""), "");
    f.monitor.execute("system_reset");
    EXPECT_EQ(f.resets, 1);
    f.monitor.execute("q");
    EXPECT_EQ(f.quits, 1);
}

TEST(Monitor, InfoRegistersAskTheBoard) {
    MonitorFixture f;
    MonitorCommands c = f.commands();
    c.info_registers = [] { return std::string("CPU#0 (running)\n pc       0000000080000000\n"); };
    Monitor monitor(std::move(c), [](std::string_view) {});
    EXPECT_EQ(monitor.execute("info registers"), "CPU#0 (running)\n pc       0000000080000000\n");
    EXPECT_EQ(monitor.execute("info reg"), monitor.execute("info registers"));
}

TEST(Monitor, LineEditingOnARawTerminal) {
    MonitorFixture f;
    f.monitor.toggle(true);
    EXPECT_NE(f.out.find("(machina) "), std::string::npos);
    f.out.clear();
    f.type("info statux\x7fs\r");
    // Echo, backspace erasing one character, then the reply with \r\n line ends and a prompt.
    EXPECT_EQ(f.out, "info statux\b \bs\r\nVM status: running\r\n(machina) ");
    f.out.clear();
    f.type("quit\n");
    EXPECT_EQ(f.quits, 1);
}

TEST(Monitor, CtrlACSwitchesTheConsoleToTheMonitor) {
    int out[2];
    ASSERT_EQ(::pipe(out), 0);
    MonitorFixture f;
    std::string monitor_input;
    {
        hw::StdioBackend console(-1, out[1]);
        hw::Uart16550 uart;
        console.attach(&uart);
        std::vector<bool> toggles;
        console.set_monitor({[&](bool on) { toggles.push_back(on); },
                             [&](uint8_t b) { monitor_input += char(b); }});
        // (Without its FIFO enabled the UART holds one byte: read each before typing more.)
        const uint8_t keys[] = {'a', 0x01, 'c', 'h', 'i', 0x01, 'c'};
        console.process_input(keys, sizeof keys);
        EXPECT_EQ(toggles, (std::vector<bool>{true, false}));
        EXPECT_EQ(monitor_input, "hi");
        // The UART got the bytes typed outside the monitor.
        EXPECT_EQ(uart.read(hw::kUartRbrThrDll), 'a');
        const uint8_t more[] = {'b'};
        console.process_input(more, sizeof more);
        EXPECT_EQ(uart.read(hw::kUartRbrThrDll), 'b');
        console.write_text("reply\r\n");
    }
    char buf[16] = {};
    ASSERT_EQ(::read(out[0], buf, sizeof buf), 7);
    EXPECT_STREQ(buf, "reply\r\n");
    ::close(out[0]);
    ::close(out[1]);
}

} // namespace
} // namespace machina::boards::riscv_virt
