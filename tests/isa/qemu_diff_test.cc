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

#include <elf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "accel/dbt/interp/interpreter.h"
#include "target/riscv/hart_state.h"

namespace machina::isa_test {
namespace {

using dbt::interp::ExitKind;

constexpr size_t kCases = 1000; ///< CASES in programs/diff_ops.c

bool on_path(const char* tool) {
    return std::system((std::string("command -v ") + tool + " >/dev/null 2>&1").c_str()) == 0;
}

std::string read_all(FILE* f) {
    std::string s;
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
        s.append(buf, n);
    return s;
}

/// Loads the PT_LOAD segments of a static ELF into `mem`; returns the entry point or 0.
uint64_t load_elf(const std::string& image, std::vector<uint8_t>& mem) {
    if (image.size() < sizeof(Elf64_Ehdr)) return 0;
    Elf64_Ehdr eh;
    std::memcpy(&eh, image.data(), sizeof eh);
    if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_machine != EM_RISCV) return 0;
    for (unsigned i = 0; i < eh.e_phnum; ++i) {
        Elf64_Phdr ph;
        size_t off = eh.e_phoff + size_t(i) * eh.e_phentsize;
        if (off + sizeof ph > image.size()) return 0;
        std::memcpy(&ph, image.data() + off, sizeof ph);
        if (ph.p_type != PT_LOAD) continue;
        if (ph.p_vaddr + ph.p_memsz > mem.size() || ph.p_offset + ph.p_filesz > image.size()) {
            return 0;
        }
        std::memcpy(mem.data() + ph.p_vaddr, image.data() + ph.p_offset, ph.p_filesz);
    }
    return eh.e_entry;
}

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

    FILE* q = popen(("qemu-riscv64 " + exe).c_str(), "r");
    ASSERT_NE(q, nullptr);
    std::string expected = read_all(q);
    ASSERT_EQ(pclose(q), 0);
    ASSERT_GT(expected.size(), 0u);

    std::ifstream in(exe, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::system(("rm -rf " + dir).c_str());
    std::vector<uint8_t> mem(8 << 20, 0);
    riscv::HartState st;
    st.pc = load_elf(ss.str(), mem);
    ASSERT_NE(st.pc, 0u);
    st.x[riscv::kSp] = mem.size() - 4096;
    dbt::interp::UserMemory um{mem.data(), mem.size()};
    std::string actual;
    for (;;) {
        auto e = dbt::interp::run_user(st, um, 100'000'000);
        ASSERT_EQ(e.kind, ExitKind::Ecall) << dbt::interp::to_string(e.kind) << " at 0x" << std::hex
                                           << e.pc << " insn 0x" << e.insn;
        uint64_t nr = st.x[riscv::kA7];
        if (nr == 93) break;
        ASSERT_EQ(nr, 64u);
        uint64_t buf = st.x[riscv::kA1], len = st.x[riscv::kA2];
        ASSERT_LE(buf + len, mem.size());
        actual.append(reinterpret_cast<const char*>(mem.data() + buf), len);
        st.x[riscv::kA0] = len;
        st.pc += 4;
    }
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
