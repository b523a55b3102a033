#include "isa/assembler.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <elf.h>
#include <unistd.h>

#include "accel/dbt/interp/interpreter.h"
#include "target/riscv/hart_state.h"

namespace machina::isa_test {
namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

} // namespace

bool on_path(const char* tool) {
    std::string cmd = std::string("command -v ") + tool + " >/dev/null 2>&1";
    return std::system(cmd.c_str()) == 0;
}

std::string run_capture(const std::string& command, int* status) {
    std::string out;
    FILE* p = popen(command.c_str(), "r");
    if (p == nullptr) {
        *status = -1;
        return out;
    }
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
        out.append(buf, n);
    *status = pclose(p);
    return out;
}

uint64_t load_static_elf(const std::string& image, std::vector<uint8_t>& mem) {
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

bool run_in_interpreter(const std::string& image, size_t mem_size, std::string* out,
                        std::string* error) {
    std::vector<uint8_t> mem(mem_size, 0);
    riscv::HartState st;
    st.pc = load_static_elf(image, mem);
    if (st.pc == 0) {
        *error = "not a loadable riscv64 ELF";
        return false;
    }
    st.x[riscv::kSp] = mem.size() - 4096;
    dbt::interp::UserMemory um{mem.data(), mem.size()};
    for (;;) {
        auto e = dbt::interp::run_user(st, um, 1'000'000'000);
        if (e.kind != dbt::interp::ExitKind::Ecall) {
            char msg[160];
            std::snprintf(msg, sizeof msg, "%s at pc 0x%llx insn 0x%x addr 0x%llx",
                          dbt::interp::to_string(e.kind), (unsigned long long)e.pc, e.insn,
                          (unsigned long long)e.addr);
            *error = msg;
            return false;
        }
        uint64_t nr = st.x[riscv::kA7];
        if (nr == 93 || nr == 94) return true;
        uint64_t buf = st.x[riscv::kA1], len = st.x[riscv::kA2];
        if (nr != 64 || st.x[riscv::kA0] != 1 || buf > mem.size() || len > mem.size() - buf) {
            *error = "unexpected system call " + std::to_string(nr);
            return false;
        }
        out->append(reinterpret_cast<const char*>(mem.data() + buf), len);
        st.x[riscv::kA0] = len;
        st.pc += 4;
    }
}

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
