// Differential test against QEMU: a freestanding riscv64 program runs ~100 F/D/M/Zb
// instructions on thousands of special and random inputs under random rounding modes and
// writes {result, fflags} records. The same binary runs explicitly under qemu-riscv64 (the
// reference; never through binfmt) and in the interpreter; every record must match.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "isa/assembler.h"

namespace machina::isa_test {
namespace {

constexpr size_t kCases = 1000; ///< CASES in programs/diff_ops.c

TEST(QemuDifferential, FpIntegerAndBitManipMatchQemu) {
    if (!on_path("riscv64-linux-gnu-gcc")) GTEST_SKIP() << "riscv64-linux-gnu-gcc not installed";
    if (!on_path("qemu-riscv64")) GTEST_SKIP() << "qemu-riscv64 (the reference) not installed";
    char dir_template[] = "/tmp/machina-diff-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    std::string dir = dir_template;
    std::string exe = dir + "/diff_ops";
    std::string build = std::string("riscv64-linux-gnu-gcc -O1 -static -nostdlib -ffreestanding "
                                    "-fno-builtin -march=rv64gc_zba_zbb_zbs -mabi=lp64d -o ") +
                        exe + " " MACHINA_ISA_SOURCE_DIR "/programs/diff_ops.c";
    ASSERT_EQ(std::system(build.c_str()), 0) << build;

    int status = 0;
    std::string expected = run_capture("qemu-riscv64 " + exe, &status);
    ASSERT_EQ(status, 0);
    ASSERT_GT(expected.size(), 0u);

    std::ifstream in(exe, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::system(("rm -rf " + dir).c_str());
    std::string actual, error;
    ASSERT_TRUE(run_in_interpreter(ss.str(), 8 << 20, &actual, &error)) << error;
    ASSERT_EQ(actual.size(), expected.size());
    size_t records = expected.size() / 16, mismatches = 0;
    for (size_t i = 0; i < records; ++i) {
        uint64_t ev[2], av[2];
        std::memcpy(ev, expected.data() + i * 16, 16);
        std::memcpy(av, actual.data() + i * 16, 16);
        if (ev[0] != av[0] || ev[1] != av[1]) {
            if (++mismatches <= 20) {
                ADD_FAILURE() << "record " << i << " (op #" << i / kCases << ", case " << i % kCases
                              << "): qemu 0x" << std::hex << ev[0] << " flags 0x" << ev[1]
                              << ", machina 0x" << av[0] << " flags 0x" << av[1];
            }
        }
    }
    EXPECT_EQ(mismatches, 0u) << "of " << records << " records";
}

} // namespace
} // namespace machina::isa_test
