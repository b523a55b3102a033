// The `console` guest drives a virtio-console device (-device virtconsole,chardev=ID) whose host
// end is a -chardev: stdio, or a unix socket machina connects to. COM1 goes to a file meanwhile.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "run_process.h"

namespace {

using machina::test::ProcessResult;
using machina::test::run_process;

constexpr int kPass = (0x10 << 1) | 1;

bool kvm_usable() {
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) return false;
    close(fd);
    return true;
}

#define REQUIRE_KVM()                                                                              \
    do {                                                                                           \
        if (!kvm_usable()) GTEST_SKIP() << "/dev/kvm is missing or not accessible";                \
    } while (0)

ProcessResult machina(std::vector<std::string> args, const std::string& input = {}) {
    args.insert(args.begin(), MACHINA_SYSTEM_X86_64);
    return run_process(args, input, {}, 60);
}

std::string console_guest() {
    return std::string(MACHINA_X86_GUEST_DIR) + "/console.bzImage";
}

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

TEST(KvmConsole, VirtioConsoleOnStdio) {
    REQUIRE_KVM();
    const std::string com1 = testing::TempDir() + "machina_console_com1.txt";
    auto r = machina({"-kernel", console_guest(), "-serial", "file:" + com1, "-chardev",
                      "stdio,id=c0", "-device", "virtio-serial-device", "-device",
                      "virtconsole,chardev=c0", "-device", "isa-debug-exit"},
                     "ping\n");
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, kPass) << r.out << r.err << slurp(com1);
    // emerg_wr first, then transmitq: the greeting and the echoed line.
    EXPECT_EQ(r.out, ">virtio-console: hello\necho: ping\n");
    const std::string serial = slurp(com1);
    EXPECT_NE(serial.find("size 0x0000000000000050 0x0000000000000019"), std::string::npos)
        << serial;
    EXPECT_NE(serial.find("console: pass"), std::string::npos) << serial;
}

TEST(KvmConsole, VirtioConsoleDeviceAliasOnUnixSocket) {
    REQUIRE_KVM();
    const std::string path = testing::TempDir() + "machina_console.sock";
    unlink(path.c_str());
    int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(listen(listener, 1), 0);
    ProcessResult r;
    std::thread vm([&] {
        r = machina({"-kernel", console_guest(), "-serial", "none", "-chardev",
                     "socket,id=c0,path=" + path, "-device", "virtio-console-device,chardev=c0",
                     "-device", "isa-debug-exit"});
    });
    int conn = accept(listener, nullptr, nullptr);
    ASSERT_GE(conn, 0);
    std::string got;
    char buf[256];
    bool sent = false;
    for (int i = 0; i < 3000 && got.find("echo: pong\n") == std::string::npos; ++i) {
        if (!sent && got.find("hello\n") != std::string::npos) {
            ASSERT_EQ(write(conn, "pong\n", 5), 5);
            sent = true;
        }
        pollfd p{conn, POLLIN, 0};
        if (poll(&p, 1, 10) <= 0) continue;
        ssize_t n = read(conn, buf, sizeof buf);
        if (n <= 0) break;
        got.append(buf, size_t(n));
    }
    vm.join();
    close(conn);
    close(listener);
    EXPECT_EQ(r.exit_code, kPass) << r.err;
    EXPECT_EQ(got, ">virtio-console: hello\necho: pong\n");
}

void expect_one_line_error(const ProcessResult& r, const std::string& needle) {
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
}

TEST(KvmConsole, ChardevErrors) {
    REQUIRE_KVM(); // the stdio clash is found after /dev/kvm is opened
    const std::string k = console_guest();
    expect_one_line_error(
        machina({"-kernel", k, "-chardev", "stdio,id=c0", "-device", "virtconsole,chardev=c0"}),
        "the terminal already carries COM1");
    expect_one_line_error(machina({"-kernel", k, "-device", "virtconsole,chardev=nope"}),
                          "no -chardev with id=nope");
    expect_one_line_error(machina({"-kernel", k, "-device", "virtconsole"}),
                          "'chardev=ID' is required");
    expect_one_line_error(
        machina({"-kernel", k, "-chardev", "tcp,id=c0", "-device", "virtconsole,chardev=c0"}),
        "unknown backend 'tcp'");
    expect_one_line_error(
        machina({"-kernel", k, "-chardev", "socket,id=c0", "-device", "virtconsole,chardev=c0"}),
        "'path=' is required");
    expect_one_line_error(machina({"-kernel", k, "-chardev", "stdio"}),
                          "-chardev: 'id=' is required");
}

} // namespace
