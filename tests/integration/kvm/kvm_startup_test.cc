// The start-up trace that bench/kvm_startup.py reads (MACHINA_STARTUP_TRACE=1): milestones in
// order, memory figures that add up, guest RAM left untouched by the VMM, and libslirp loaded
// only for a guest with user-mode networking.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "run_process.h"

namespace {

using machina::test::ProcessResult;
using machina::test::run_process;

constexpr int kPass = (0x10 << 1) | 1;

std::string guest(const std::string& name) {
    return std::string(MACHINA_X86_GUEST_DIR) + "/" + name + ".bzImage";
}

bool kvm_usable() {
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) return false;
    close(fd);
    return true;
}

/// What one traced run reported on stderr.
struct Trace {
    std::map<std::string, uint64_t> stamps; ///< milestone → CLOCK_MONOTONIC ns
    std::map<std::string, uint64_t> memory; ///< rss, guest_ram, ... → KiB
    std::map<std::string, uint64_t> files;  ///< mapped file name → resident KiB
    std::vector<std::string> order;         ///< milestones as they were written
};

Trace parse_trace(const std::string& err) {
    Trace t;
    std::istringstream in(err);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream words(line);
        std::string tag, event;
        if (!(words >> tag >> event) || tag != "machina-trace:") continue;
        if (event == "memory" || event == "files") {
            std::string item;
            while (words >> item) {
                auto eq = item.rfind('=');
                if (eq == std::string::npos) continue;
                (event == "memory" ? t.memory : t.files)[item.substr(0, eq)] =
                    std::strtoull(item.c_str() + eq + 1, nullptr, 10);
            }
        } else {
            uint64_t ns = 0;
            words >> ns;
            t.stamps[event] = ns;
            t.order.push_back(event);
        }
    }
    return t;
}

ProcessResult run_traced(std::vector<std::string> args) {
    args.insert(args.begin(), MACHINA_SYSTEM_X86_64);
    return run_process(args, {}, {"MACHINA_STARTUP_TRACE=1"}, 60);
}

bool maps_library(const Trace& t, const std::string& prefix) {
    for (const auto& [name, kib] : t.files)
        if (name.rfind(prefix, 0) == 0) return true;
    return false;
}

TEST(KvmStartup, TraceReportsMilestonesInOrderAndMemoryThatAddsUp) {
    if (!kvm_usable()) GTEST_SKIP() << "/dev/kvm is missing or not accessible";
    auto r = run_traced(
        {"-kernel", guest("hello"), "-m", "1G", "-nographic", "-device", "isa-debug-exit"});
    ASSERT_EQ(r.exit_code, kPass) << r.err;
    EXPECT_EQ(r.out, "H");
    const Trace t = parse_trace(r.err);
    const std::vector<std::string> expected = {
        "main",          "board-start",    "files-read",        "kvm-opened",
        "memory-mapped", "guest-loaded",   "irqchip-created",   "machine-built",
        "first-kvm-run", "first-kvm-exit", "first-serial-byte", "guest-stopped",
        "torn-down"};
    ASSERT_EQ(t.order, expected) << r.err;
    for (size_t i = 1; i < expected.size(); ++i)
        EXPECT_LE(t.stamps.at(expected[i - 1]), t.stamps.at(expected[i]))
            << expected[i - 1] << " after " << expected[i];

    ASSERT_TRUE(t.memory.count("rss") && t.memory.count("guest_ram") && t.memory.count("vmm_own"))
        << r.err;
    EXPECT_EQ(t.memory.at("vmm_own"), t.memory.at("rss") - t.memory.at("guest_ram"));
    EXPECT_EQ(t.memory.at("rss"), t.memory.at("anon") + t.memory.at("file"));
    EXPECT_GE(t.memory.at("hwm"), t.memory.at("rss"));
    // The guest's code, zero page, boot page tables and firmware tables: a few pages. The VMM
    // must not touch the rest of the 1 GiB (no memset, no eager population).
    EXPECT_GT(t.memory.at("guest_ram"), 0u);
    EXPECT_LT(t.memory.at("guest_ram"), 1024u) << "KiB of guest RAM resident";
    EXPECT_TRUE(maps_library(t, "libc.so")) << r.err;
}

TEST(KvmStartup, LibslirpLoadedOnlyForUserNetworking) {
    if (!kvm_usable()) GTEST_SKIP() << "/dev/kvm is missing or not accessible";
    auto plain = run_traced(
        {"-kernel", guest("hello"), "-m", "64M", "-nographic", "-device", "isa-debug-exit"});
    ASSERT_EQ(plain.exit_code, kPass) << plain.err;
    const Trace without = parse_trace(plain.err);
    ASSERT_FALSE(without.files.empty()) << plain.err;
    EXPECT_FALSE(maps_library(without, "libslirp")) << plain.err;
    EXPECT_FALSE(maps_library(without, "libglib")) << plain.err;

    auto net =
        run_traced({"-kernel", guest("net"), "-m", "64M", "-nographic", "-device", "isa-debug-exit",
                    "-netdev", "user,id=n0", "-device", "virtio-net-device,netdev=n0"});
    ASSERT_EQ(net.exit_code, kPass) << net.out << net.err;
    EXPECT_TRUE(maps_library(parse_trace(net.err), "libslirp")) << net.err;
}

TEST(KvmStartup, NoTraceWithoutTheVariable) {
    if (!kvm_usable()) GTEST_SKIP() << "/dev/kvm is missing or not accessible";
    auto r = run_process({MACHINA_SYSTEM_X86_64, "-kernel", guest("hello"), "-m", "64M",
                          "-nographic", "-device", "isa-debug-exit"},
                         {}, {}, 60);
    ASSERT_EQ(r.exit_code, kPass) << r.err;
    EXPECT_EQ(r.err.find("machina-trace"), std::string::npos) << r.err;
}

} // namespace
