// Differential test of the decoder and disassembler against GNU objdump (-M no-aliases) on
// random 32-bit words and on every 16-bit pattern: the same words must be legal/illegal for
// both, and 32-bit instructions must print the same operands.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "accel/dbt/decoder/riscv64/decoder.h"
#include "accel/dbt/decoder/riscv64/disasm.h"
#include "target/riscv/csr.h"

namespace machina::isa_test {
namespace {

using dbt::decoder::decode;
using dbt::decoder::DecodedInsn;
using dbt::decoder::Fmt;
using dbt::decoder::Op;
using dbt::decoder::op_info;

bool have_tools() {
    return std::system("command -v riscv64-linux-gnu-as >/dev/null 2>&1 && "
                       "command -v riscv64-linux-gnu-objdump >/dev/null 2>&1") == 0;
}

/// objdump's text for each word (in order), or an empty vector on failure.
std::vector<std::string> objdump_words(const std::vector<uint32_t>& words, bool compressed) {
    char dir_template[] = "/tmp/machina-objdump-XXXXXX";
    if (mkdtemp(dir_template) == nullptr) return {};
    std::string dir = dir_template;
    {
        std::ofstream s(dir + "/w.s");
        for (uint32_t w : words) {
            char line[32];
            std::snprintf(line, sizeof line, ".insn 0x%0*x\n", compressed ? 4 : 8, w);
            s << line;
        }
    }
    std::string cmd = "cd " + dir +
                      " && riscv64-linux-gnu-as -march=rv64gc_zba_zbb_zbs -o w.o w.s 2>err.txt"
                      " && riscv64-linux-gnu-objdump -d -M no-aliases w.o > w.txt 2>>err.txt";
    std::vector<std::string> out;
    if (std::system(cmd.c_str()) == 0) {
        std::ifstream in(dir + "/w.txt");
        std::string line;
        std::regex re(R"(^\s*[0-9a-f]+:\s+[0-9a-f]+\s+(.*)$)");
        std::smatch m;
        while (std::getline(in, line)) {
            if (!std::regex_match(line, m, re)) continue;
            std::string text = m[1];
            for (char& c : text)
                c = c == '\t' ? ' ' : c;
            auto lt = text.find(" <"); // symbolized target
            if (lt != std::string::npos) text.erase(lt);
            auto hash = text.find(" #"); // objdump's computed-address comment
            if (hash != std::string::npos) text.erase(hash);
            while (!text.empty() && text.back() == ' ')
                text.pop_back();
            out.push_back(text);
        }
    }
    std::system(("rm -rf " + dir).c_str());
    return out;
}

bool objdump_illegal(const std::string& text) {
    return text.rfind(".4byte", 0) == 0 || text.rfind(".2byte", 0) == 0 ||
           text.find("unknown") != std::string::npos;
}

/// Words whose text legitimately differs: objdump only accepts rm=0 on the exact conversions
/// (the spec allows any valid rm), prints fence.tso/pause specially, is strict about fence.i's
/// ignored fields, and knows more CSR names.
bool skip_word(const DecodedInsn& d) {
    if ((d.op == Op::FcvtDS || d.op == Op::FcvtDW || d.op == Op::FcvtDWu) && d.rm != 0) {
        return true;
    }
    // Zifencei: implementations ignore fence.i's rd/rs1/imm fields; objdump wants them zero.
    if (d.op == Op::Fence || d.op == Op::FenceI) return true;
    Fmt fmt = op_info(d.op).fmt;
    if ((fmt == Fmt::Csr || fmt == Fmt::CsrI) && riscv::csr_name(d.csr) == nullptr) return true;
    return false;
}

TEST(ObjdumpDifferential, RandomWordsDecodeAndPrintLikeObjdump) {
    if (!have_tools()) GTEST_SKIP() << "riscv64-linux-gnu binutils not installed";
    std::mt19937 rng(777);
    static const uint32_t kOpcodes[] = {0x03, 0x07, 0x0f, 0x13, 0x17, 0x1b, 0x23,
                                        0x27, 0x2f, 0x33, 0x37, 0x3b, 0x43, 0x47,
                                        0x4b, 0x4f, 0x53, 0x63, 0x67, 0x6f, 0x73};
    std::vector<uint32_t> words;
    for (unsigned i = 0; i < 20000; ++i) {
        uint32_t w = (rng() & ~0x7fu) | kOpcodes[rng() % std::size(kOpcodes)];
        if (rng() % 3 == 0) w &= 0x0fffffffu;                              // small funct7
        if (rng() % 3 == 0) w = (w & 0x01ffffffu) | (rng() % 0x20u) << 27; // any funct5
        words.push_back(w);
    }
    auto texts = objdump_words(words, false);
    ASSERT_EQ(texts.size(), words.size());
    unsigned compared = 0, failures = 0;
    for (size_t i = 0; i < words.size(); ++i) {
        DecodedInsn d = decode(words[i]);
        if (d.op != Op::Illegal && skip_word(d)) continue;
        bool theirs_illegal = objdump_illegal(texts[i]);
        // objdump decodes reserved rounding modes as "unknown"; we reject them: both illegal.
        if ((d.op == Op::Illegal) != theirs_illegal) {
            if (++failures < 20) {
                ADD_FAILURE() << std::hex << words[i] << ": machina "
                              << dbt::decoder::disassemble_raw(d, i * 4) << ", objdump "
                              << texts[i];
            }
            continue;
        }
        if (d.op == Op::Illegal) continue;
        std::string mine = dbt::decoder::disassemble_raw(d, i * 4);
        std::string theirs = texts[i];
        Fmt fmt = op_info(d.op).fmt;
        if (fmt == Fmt::Br || fmt == Fmt::J) {
            auto comma = theirs.rfind(',');
            theirs.insert(comma == std::string::npos ? theirs.find(' ') + 1 : comma + 1, "0x");
        }
        ++compared;
        if (mine != theirs && ++failures < 20) {
            ADD_FAILURE() << std::hex << words[i] << ": machina '" << mine << "', objdump '"
                          << theirs << "'";
        }
    }
    EXPECT_EQ(failures, 0u);
    EXPECT_GT(compared, 5000u);
}

TEST(ObjdumpDifferential, EveryCompressedPatternHasTheSameLegality) {
    if (!have_tools()) GTEST_SKIP() << "riscv64-linux-gnu binutils not installed";
    std::vector<uint32_t> words;
    for (uint32_t c = 0; c < 0x10000; ++c) {
        if ((c & 3) != 3) words.push_back(c);
    }
    auto texts = objdump_words(words, true);
    ASSERT_EQ(texts.size(), words.size());
    unsigned failures = 0;
    for (size_t i = 0; i < words.size(); ++i) {
        // objdump shows the all-zero parcel as c.unimp and accepts c.addi16sp with imm 0; the
        // spec defines the first as illegal and reserves the second.
        if (words[i] == 0x0000 || words[i] == 0x6101) {
            EXPECT_EQ(decode(words[i]).op, Op::Illegal);
            continue;
        }
        bool mine_illegal = decode(words[i]).op == Op::Illegal;
        if (mine_illegal != objdump_illegal(texts[i]) && ++failures < 20) {
            ADD_FAILURE() << std::hex << words[i] << ": machina "
                          << (mine_illegal ? "illegal" : "legal") << ", objdump " << texts[i];
        }
    }
    EXPECT_EQ(failures, 0u);
}

} // namespace
} // namespace machina::isa_test
