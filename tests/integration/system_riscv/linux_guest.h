#pragma once
// LinuxGuest: the riscv64 Linux guest of scripts/assets (OpenSBI, the kernel Image, the busybox
// initramfs) booted by machina-system-riscv64 and driven through its serial console, with the
// busybox shell's prompt as the turn marker. REQUIRE_LINUX_ASSETS() skips a test when the
// assets or OpenSBI are missing. MACHINA_TEST_RISCV_ACCEL=interp runs it on the interpreter.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "guest_session.h"

namespace machina::test {

namespace fs = std::filesystem;

/// Debian's OpenSBI, the firmware the guest boots on.
inline constexpr const char* kFirmware =
    "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin";
inline constexpr const char* kPrompt = "machina# "; ///< the guest shell's prompt
inline constexpr double kBootTimeout = 300;         ///< seconds, generous for -accel interp

/// Where the guest assets live: $MACHINA_CACHE, or ~/.cache/machina.
inline fs::path cache_dir() {
    if (const char* c = std::getenv("MACHINA_CACHE"); c && *c) return c;
    const char* home = std::getenv("HOME");
    return fs::path(home ? home : "/root") / ".cache" / "machina";
}
/// The guest kernel Image (scripts/assets/linux-riscv.sh).
inline fs::path kernel() {
    return cache_dir() / "linux-riscv64" / "Image";
}
/// The busybox initramfs (scripts/assets/initramfs-riscv.sh).
inline fs::path initramfs() {
    return cache_dir() / "initramfs-riscv64" / "initramfs.cpio.gz";
}

/// The full path of a host tool in the usual bin folders, or "".
inline std::string find_tool(const std::string& name) {
    for (const char* dir : {"/usr/sbin", "/sbin", "/usr/bin", "/bin"})
        if (access((std::string(dir) + "/" + name).c_str(), X_OK) == 0)
            return std::string(dir) + "/" + name;
    return {};
}

#define REQUIRE_LINUX_ASSETS()                                                                     \
    do {                                                                                           \
        if (!std::filesystem::exists(machina::test::kernel()) ||                                   \
            !std::filesystem::exists(machina::test::initramfs()))                                  \
            GTEST_SKIP() << "guest kernel/initramfs not built: run scripts/assets/linux-riscv.sh " \
                            "and scripts/assets/initramfs-riscv.sh";                               \
        if (!std::filesystem::exists(machina::test::kFirmware))                                    \
            GTEST_SKIP() << "Debian's opensbi package is not installed";                           \
    } while (0)

/// A Linux guest on the serial console, with the busybox shell's prompt as the turn marker.
class LinuxGuest {
  public:
    explicit LinuxGuest(const std::vector<std::string>& extra_args, unsigned harts = 1) {
        std::vector<std::string> argv = {MACHINA_SYSTEM_RISCV64,
                                         "-M",
                                         "virt",
                                         "-nographic",
                                         "-smp",
                                         std::to_string(harts),
                                         "-m",
                                         "256M",
                                         "-kernel",
                                         kernel().string(),
                                         "-initrd",
                                         initramfs().string(),
                                         "-append",
                                         "console=ttyS0"};
        if (const char* accel = std::getenv("MACHINA_TEST_RISCV_ACCEL"); accel && *accel)
            argv.insert(argv.end(), {"-accel", accel});
        argv.insert(argv.end(), extra_args.begin(), extra_args.end());
        m_session = std::make_unique<GuestSession>(argv);
    }

    /// Waits for the shell's first prompt.
    bool boot() { return m_session->wait_for(kPrompt, kBootTimeout, 0, &m_pos); }

    /// Runs `command` at the prompt; returns what it printed (\r removed), or "<timeout>".
    /// Markers around the output are typed split in two ("<<""START>>") so the shell's echo of
    /// the command line (which may wrap) never matches them.
    std::string run(const std::string& command, double timeout_s = 120) {
        m_session->send("echo '<<''START>>'; " + command + "; echo '<<''DONE>>'\n");
        size_t start = 0, done = 0;
        if (!m_session->wait_for("<<START>>", timeout_s, m_pos, &start) ||
            !m_session->wait_for("<<DONE>>", timeout_s, start, &done) ||
            !m_session->wait_for(kPrompt, timeout_s, done, &m_pos))
            return "<timeout>";
        std::string out = m_session->out().substr(start, done - start - std::strlen("<<DONE>>"));
        // Drop \r and the kernel's console messages ("[    7.87] EXT4-fs ...") between lines.
        std::string clean;
        std::istringstream lines(out);
        for (std::string line; std::getline(lines, line);) {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (std::regex_search(line, std::regex(R"(^\[ *[0-9]+\.[0-9]+\] )"))) continue;
            clean += line + "\n";
        }
        while (!clean.empty() && clean.front() == '\n')
            clean.erase(clean.begin());
        while (!clean.empty() && clean.back() == '\n')
            clean.pop_back();
        return clean;
    }

    /// Types `reboot` and waits for the shell of the next boot.
    bool reboot() {
        m_session->send("reboot\n");
        size_t init = 0;
        return m_session->wait_for("machina-guest: init reached", kBootTimeout, m_pos, &init) &&
               m_session->wait_for(kPrompt, kBootTimeout, init, &m_pos);
    }

    /// Types `poweroff` and returns machina's exit status.
    int poweroff() {
        m_session->send("poweroff\n");
        return m_session->wait_exit(120);
    }

    GuestSession& session() { return *m_session; }

  private:
    std::unique_ptr<GuestSession> m_session;
    size_t m_pos = 0;
};

} // namespace machina::test
