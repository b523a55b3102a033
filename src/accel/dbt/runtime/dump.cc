// `-d in_asm` and `-d out_asm` output.
#include <Zydis/Zydis.h>

#include <cstring>

#include "accel/dbt/decoder/riscv64/decoder.h"
#include "accel/dbt/decoder/riscv64/disasm.h"
#include "accel/dbt/runtime/block_info.h"
#include "base/log.h"

namespace machina::dbt {

void dump_guest_block(const interp::UserMemory& memory, uint64_t pc, uint64_t end) {
    std::string out = fmt::format("IN: {:#x}\n", pc);
    while (pc < end && pc + 2 <= memory.limit) {
        uint32_t raw = 0;
        std::memcpy(&raw, memory.base + pc, pc + 4 <= memory.limit ? 4 : 2);
        const decoder::DecodedInsn d = decoder::decode(raw);
        if (d.length == 2) raw &= 0xffff;
        out += fmt::format("  {:#010x}:  {:0{}x}  {}\n", pc, raw, d.length * 2,
                           decoder::disassemble(d, pc));
        pc += d.length;
    }
    log::cat(log::kInAsm, "{}\n", out);
}

void dump_host_block(const backend::CompiledBlock& code) {
    std::string out = fmt::format("OUT: [size={}]\n", code.size);
    const auto* bytes = reinterpret_cast<const uint8_t*>(code.entry);
    size_t offset = 0;
    ZydisDisassembledInstruction insn;
    while (offset < code.size) {
        const uint64_t addr = code.entry + offset;
        if (!ZYAN_SUCCESS(ZydisDisassembleIntel(ZYDIS_MACHINE_MODE_LONG_64, addr, bytes + offset,
                                                code.size - offset, &insn))) {
            out += fmt::format("  {:#x}:  (bad)\n", addr);
            ++offset;
            continue;
        }
        out += fmt::format("  {:#x}:  {}\n", addr, insn.text);
        offset += insn.info.length;
    }
    log::cat(log::kOutAsm, "{}\n", out);
}

} // namespace machina::dbt
