#include <cstring>

#include "accel/dbt/decoder/riscv64/decoder.h"
#include "accel/dbt/frontend/riscv64/frontend.h"
#include "accel/dbt/frontend/riscv64/visitor.h"

namespace machina::dbt::frontend {

namespace {

bool in_range(const interp::UserMemory& m, uint64_t addr, uint64_t size) {
    return size <= m.limit && addr <= m.limit - size;
}

/// Fetches the instruction at pc (16 or 32 bits), reading only its own bytes.
bool fetch(const interp::UserMemory& m, uint64_t pc, uint32_t* raw) {
    uint16_t lo = 0;
    if (!in_range(m, pc, 2)) return false;
    std::memcpy(&lo, m.base + pc, 2);
    if ((lo & 3) != 3) {
        *raw = lo;
        return true;
    }
    uint16_t hi = 0;
    if (!in_range(m, pc + 2, 2)) return false;
    std::memcpy(&hi, m.base + pc + 2, 2);
    *raw = uint32_t(lo) | uint32_t(hi) << 16;
    return true;
}

} // namespace

bool translate_block(const interp::UserMemory& memory, uint64_t pc, ir::Block& block,
                     unsigned max_insns, bool native_fma) {
    block = ir::Block{};
    block.pc = pc;
    ir::Builder ir(block);
    const uint64_t page = pc & ~uint64_t(0xfff);
    uint64_t cur = pc;
    unsigned count = 0;
    while (true) {
        uint32_t raw = 0;
        if (!fetch(memory, cur, &raw)) {
            if (count == 0) return false;
            ir.jump(cur); // the interpreter reports the fetch fault when control gets there
            break;
        }
        const decoder::DecodedInsn d = decoder::decode(raw);
        ir.set_guest(cur, uint16_t(count));
        InsnContext c{ir, d, cur};
        c.native_fma = native_fma;
        if (d.op == decoder::Op::Illegal) {
            ir.exit(ir::ExitReason::Illegal, cur, d.raw);
            c.ends_block = true;
            c.retires = false;
        } else if (!visit_rvi(c) && !visit_rvm(c) && !visit_zb(c) && !visit_fd(c) &&
                   !visit_rva(c)) {
            ir.interp_step(); // LR/SC and anything else: one instruction in the interpreter
        }
        if (c.retires) ++count;
        cur += d.length;
        if (c.ends_block) break;
        if (count >= max_insns || (cur & ~uint64_t(0xfff)) != page) {
            ir.jump(cur);
            break;
        }
    }
    block.guest_insns = count;
    block.end_pc = cur;
    return true;
}

} // namespace machina::dbt::frontend
