#include "isa/assembler.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <unistd.h>

namespace machina::isa_test {
namespace {

bool on_path(const char* tool) {
    std::string cmd = std::string("command -v ") + tool + " >/dev/null 2>&1";
    return std::system(cmd.c_str()) == 0;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

} // namespace

bool have_cross_binutils() {
    static const bool have = on_path("riscv64-linux-gnu-as") && on_path("riscv64-linux-gnu-ld") &&
                             on_path("riscv64-linux-gnu-objcopy");
    return have;
}

std::optional<std::vector<uint8_t>> assemble(std::string_view source, std::string* error,
                                             bool compressed) {
    char dir_template[] = "/tmp/machina-isa-XXXXXX";
    const char* dir = mkdtemp(dir_template);
    if (dir == nullptr) {
        *error = "mkdtemp failed";
        return std::nullopt;
    }
    std::string base = dir;
    {
        std::ofstream out(base + "/t.s");
        out << ".globl _start\n.text\n";
        out << (compressed ? ".option rvc\n" : ".option norvc\n");
        out << "_start:\n" << source << "\n";
    }
    char start[32];
    std::snprintf(start, sizeof start, "0x%llx", static_cast<unsigned long long>(kCodeBase));
    std::string cmd =
        "cd " + base +
        " && riscv64-linux-gnu-as -march=rv64gc_zba_zbb_zbs -mno-relax -o t.o t.s 2> err.txt"
        " && riscv64-linux-gnu-ld --no-relax -Ttext=" +
        start +
        " -o t.elf t.o 2>> err.txt"
        " && riscv64-linux-gnu-objcopy -O binary -j .text t.elf t.bin 2>> err.txt";
    int rc = std::system(cmd.c_str());
    std::optional<std::vector<uint8_t>> result;
    if (rc != 0) {
        *error = slurp(base + "/err.txt");
    } else {
        std::string bytes = slurp(base + "/t.bin");
        result = std::vector<uint8_t>(bytes.begin(), bytes.end());
    }
    std::system(("rm -rf " + base).c_str());
    return result;
}

} // namespace machina::isa_test
