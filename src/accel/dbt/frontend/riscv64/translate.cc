#include <cstring>
#include <utility>

#include "accel/dbt/decoder/riscv64/decoder.h"
#include "accel/dbt/frontend/riscv64/frontend.h"
#include "accel/dbt/frontend/riscv64/if_convert.h"
#include "accel/dbt/frontend/riscv64/visitor.h"
#include "accel/dbt/interp/decode_cache.h"

namespace machina::dbt::frontend {

namespace {

/// Guest code the frontend may read: `size` bytes from guest `begin` at host `host`, and the
/// system-mode options (nullptr in user mode).
struct CodeView {
    const uint8_t* host = nullptr;
    uint64_t begin = 0;
    uint64_t size = 0;
    const SystemSource* system = nullptr;

    /// True when guest [addr, addr + len) lies inside the view (wrap-safe).
    bool in_range(uint64_t addr, uint64_t len) const {
        const uint64_t off = addr - begin;
        return off <= size && len <= size - off;
    }
};

/// Fetches the instruction at pc (16 or 32 bits), reading only its own bytes.
bool fetch(const CodeView& m, uint64_t pc, uint32_t* raw) {
    uint16_t lo = 0;
    if (!m.in_range(pc, 2)) return false;
    std::memcpy(&lo, m.host + (pc - m.begin), 2);
    if ((lo & 3) != 3) {
        *raw = lo;
        return true;
    }
    uint16_t hi = 0;
    if (!m.in_range(pc + 2, 2)) return false;
    std::memcpy(&hi, m.host + (pc + 2 - m.begin), 2);
    *raw = uint32_t(lo) | uint32_t(hi) << 16;
    return true;
}

/// System mode: true when a 32-bit instruction starts in the last two bytes of the view and is
/// not MISC-MEM (fence.i must leave after it retires, which an interpreter step cannot report).
bool straddles_page_end(const CodeView& m, uint64_t pc) {
    uint16_t lo = 0;
    if (!m.in_range(pc, 2) || m.in_range(pc, 4)) return false;
    std::memcpy(&lo, m.host + (pc - m.begin), 2);
    return (lo & 3) == 3 && (lo & 0x7f) != 0x0f;
}

/// What system mode does with a privileged instruction.
enum class SystemOp { None, Inline, Exit };

/// CSR accesses and sfence.vma run inline through a runtime helper (which may still leave);
/// mret, sret, wfi and pause (a spin-wait hint: other harts should run) leave for the system loop.
SystemOp system_op(const decoder::DecodedInsn& d) {
    using decoder::Op;
    switch (d.op) {
    case Op::Fence: return decoder::is_pause(d.raw) ? SystemOp::Exit : SystemOp::None;
    case Op::Csrrw:
    case Op::Csrrs:
    case Op::Csrrc:
    case Op::Csrrwi:
    case Op::Csrrsi:
    case Op::Csrrci:
    case Op::SfenceVma: return SystemOp::Inline;
    case Op::Mret:
    case Op::Sret:
    case Op::Wfi: return SystemOp::Exit;
    default: return SystemOp::None;
    }
}

/// System mode: instructions that need the hart's privileged state or the softmmu as a whole.
/// Returns true when it handled `c` (an exit or an interpreter step), false for the visitors.
bool visit_system(InsnContext& c, FpState& fp) {
    const decoder::Op op = c.d.op;
    switch (system_op(c.d)) {
    case SystemOp::Inline:
        c.ir.op(ir::Opcode::SysInsn, ir::kNoValue, ir::kNoValue, ir::kNoValue, c.d.raw);
        return true;
    case SystemOp::Exit:
        c.ir.exit(ir::ExitReason::System, c.pc, c.d.raw);
        c.ends_block = true;
        c.retires = false;
        return true;
    case SystemOp::None: break;
    }
    if (decoder::is_fp(op)) {
        if (fp == FpState::Off) {
            c.ir.exit(ir::ExitReason::Illegal, c.pc, c.d.raw);
            c.ends_block = true;
            c.retires = false;
            return true;
        }
        if (fp == FpState::Clean) {
            c.ir.interp_step(); // the interpreter marks FS Dirty; later ones run natively
            fp = FpState::Dirty;
            return true;
        }
        return false;
    }
    // AMOs and LR/SC are native (visit_rva; the backend goes through the TLB).
    return false;
}

/// What the forward conditional branch `br` at `pc` skips, when it qualifies for if-conversion
/// (if_convert.h): a hammock of at most 4 plain integer instructions, or a diamond whose arms and
/// jump are at most Hammock::kMaxInsns, all on the block's page, with room for them in the block.
bool collect_hammock(const CodeView& memory, interp::DecodeCache& decode_cache, uint64_t pc,
                     const decoder::DecodedInsn& br, uint64_t page, unsigned count,
                     unsigned max_insns, Hammock* body) {
    constexpr unsigned kMaxHammock = 4;
    if (br.imm <= 0 || br.imm > int64_t(br.length + 4 * Hammock::kMaxInsns)) return false;
    uint64_t end = pc + uint64_t(br.imm); // where the walk stops: the target, then the join
    body->n = 0;
    body->jump = Hammock::kMaxInsns;
    for (uint64_t at = pc + br.length; at != end;) {
        uint32_t raw = 0;
        if (at > end || body->n == Hammock::kMaxInsns || (at & ~uint64_t(0xfff)) != page ||
            !fetch(memory, at, &raw))
            return false;
        const decoder::DecodedInsn d = decode_cache.lookup(at, raw);
        body->insns[body->n] = d;
        body->pcs[body->n++] = at;
        at += d.length;
        if (is_pure_integer(d.op)) continue;
        // `j` forward as the last instruction before the branch target: an if/else diamond.
        if (d.op != decoder::Op::Jal || d.rd != 0 || at != end || body->jump < Hammock::kMaxInsns ||
            d.imm <= 0)
            return false;
        body->jump = body->n - 1;
        end = body->pcs[body->jump] + uint64_t(d.imm);
    }
    if ((end & ~uint64_t(0xfff)) != page) return false;
    if (body->jump == Hammock::kMaxInsns) {
        if (body->n > kMaxHammock) return false;
        body->jump = body->n;
    }
    return count + 1 + body->n <= max_insns;
}

/// Side exits (forward conditional branches translated through) per block at most, in user
/// mode (system mode: SystemSource::max_side_exits).
constexpr unsigned kMaxSideExits = 8;

/// User mode: direct jumps and calls within the block's page that it goes on through at most
/// (each saves a block transition: guest registers stored and reloaded, the budget check, a
/// chained jump).
constexpr unsigned kMaxFollows = 4;

/// User mode: a block that stops at its instruction limit is built again with up to this many
/// times as many instructions, and kept when it then closes a loop back to its own start (a
/// self-loop carries guest registers in host registers across iterations: xxhash64's round loop
/// is 98 instructions). Longer blocks in general are slower (more side exits taken, more spills).
constexpr unsigned kLoopLimitFactor = 2;

/// Translates the block at `pc` (see translate_block); sets *at_limit when it stopped at
/// max_insns rather than at a branch, a page end or an instruction that ends blocks.
bool translate_once(const CodeView& memory, uint64_t pc, ir::Block& block, unsigned max_insns,
                    bool native_fma, bool* at_limit) {
    *at_limit = false;
    block.reset(pc);
    interp::DecodeCache& decode_cache = interp::DecodeCache::for_this_thread();
    ir::Builder ir(block);
    const uint64_t page = pc & ~uint64_t(0xfff);
    uint64_t segment_start = pc;
    unsigned follows = 0;
    FpState fp = memory.system ? memory.system->fp : FpState::Dirty;
    uint64_t cur = pc;
    unsigned count = 0;
    unsigned side_exits = 0;
    bool frm_checked = false; // see InsnContext::frm_checked
    const unsigned max_side_exits = memory.system ? memory.system->max_side_exits : kMaxSideExits;
    while (true) {
        uint32_t raw = 0;
        bool straddling = false;
        if (!fetch(memory, cur, &raw)) {
            if (!memory.system || !straddles_page_end(memory, cur)) {
                if (count == 0) return false;
                ir.jump(cur); // the interpreter reports a fetch fault when control gets there
                break;
            }
            // A 32-bit instruction across the page end.
            if (const uint8_t* next = memory.system->next_page_host) {
                // Translated with its upper half as the next page holds it now; CheckCodeParcel
                // compares that page with it each time the instruction runs.
                uint16_t lo = 0, hi = 0;
                std::memcpy(&lo, memory.host + (cur - memory.begin), 2);
                std::memcpy(&hi, next, 2);
                raw = uint32_t(lo) | uint32_t(hi) << 16;
                straddling = true;
            } else {
                // The interpreter runs it (fetching its second half through the MMU each
                // time), and the block goes on wherever it left pc.
                ir.set_guest(cur, uint16_t(count));
                block.insn_length.push_back(4);
                ir.interp_step();
                ++count;
                cur += 4;
                ir.indirect(ir.op(ir::Opcode::GetPc));
                break;
            }
        }
        // Through the thread's decode cache: the interpreter ran this code before it got hot.
        const decoder::DecodedInsn d = decode_cache.lookup(cur, raw);
        // A short forward branch over plain computation runs as straight-line code.
        if (decoder::op_info(d.op).fmt == decoder::Fmt::Br) {
            Hammock body;
            if (collect_hammock(memory, decode_cache, cur, d, page, count, max_insns, &body) &&
                emit_if_converted(ir, d, cur, body, &count)) {
                cur = body.jump < body.n ? body.pcs[body.jump] + uint64_t(body.insns[body.jump].imm)
                                         : cur + uint64_t(d.imm);
                if (count >= max_insns || (cur & ~uint64_t(0xfff)) != page) {
                    *at_limit = count >= max_insns;
                    ir.jump(cur);
                    break;
                }
                continue;
            }
        }
        ir.set_guest(cur, uint16_t(count));
        block.insn_length.push_back(d.length);
        if (straddling)
            ir.op(ir::Opcode::CheckCodeParcel, ir::kNoValue, ir::kNoValue, ir::kNoValue, raw >> 16);
        InsnContext c{ir, d, cur};
        c.native_fma = native_fma;
        c.frm_checked = &frm_checked;
        const size_t first_inst = block.insts.size();
        // A forward branch becomes a side exit while the block may go on past it: room for
        // more instructions, the fall-through on the same page, and few exits so far (each
        // costs a stub).
        c.side_exit_ok = side_exits < max_side_exits && count + 1 < max_insns &&
                         ((cur + d.length) & ~uint64_t(0xfff)) == page;
        c.follow_ok = !memory.system && follows < kMaxFollows && count + 1 < max_insns;
        c.follow_page = page;
        if (d.op == decoder::Op::Illegal) {
            ir.exit(ir::ExitReason::Illegal, cur, d.raw);
            c.ends_block = true;
            c.retires = false;
        } else if (memory.system && visit_system(c, fp)) {
            // handled: an exit or an interpreter step
        } else if (!visit_rvi(c) && !visit_rvm(c) && !visit_zb(c) && !visit_fd(c) &&
                   !visit_rva(c)) {
            ir.interp_step(); // anything else: one instruction in the interpreter
        }
        // Calls (helpers, CSR accesses in system mode) and fcsr writes may change frm.
        for (size_t k = first_inst; k < block.insts.size(); ++k) {
            const ir::Opcode op = block.insts[k].op;
            if (op == ir::Opcode::SetFcsr || (ir::info(op).flags & ir::kCall)) frm_checked = false;
        }
        if (c.side_exit) ++side_exits;
        if (c.retires) ++count;
        if (c.follow) { // a new segment at the jump's target
            block.segments.emplace_back(segment_start, cur + d.length);
            cur = segment_start = c.follow_pc; // (on the same page)
            ++follows;
            continue;
        }
        cur += d.length;
        if (c.ends_block) break;
        if (count >= max_insns || (cur & ~uint64_t(0xfff)) != page) {
            *at_limit = count >= max_insns;
            ir.jump(cur);
            break;
        }
    }
    block.guest_insns = count;
    block.end_pc = cur;
    block.segments.emplace_back(segment_start, cur);
    return true;
}

/// True when the block's terminal goes back to its start (the loop-carry shape, loop_carry.cc).
bool loops_to_start(const ir::Block& block) {
    const ir::Terminal& t = block.term;
    return (t.kind == ir::TermKind::Jump || t.kind == ir::TermKind::Branch) && t.target == block.pc;
}

bool translate(const CodeView& memory, uint64_t pc, ir::Block& block, unsigned max_insns,
               bool native_fma) {
    bool at_limit = false;
    if (!translate_once(memory, pc, block, max_insns, native_fma, &at_limit)) return false;
    if (!at_limit || memory.system || max_insns * kLoopLimitFactor > kMaxLoopBlockInsns)
        return true;
    thread_local ir::Block longer; // reused, like the caller's block
    if (translate_once(memory, pc, longer, max_insns * kLoopLimitFactor, native_fma, &at_limit) &&
        loops_to_start(longer))
        std::swap(block, longer);
    return true;
}

} // namespace

bool translate_block(const interp::UserMemory& memory, uint64_t pc, ir::Block& block,
                     unsigned max_insns, bool native_fma) {
    const CodeView view{memory.base, 0, memory.limit, nullptr};
    return translate(view, pc, block, max_insns, native_fma);
}

bool translate_block_system(const SystemSource& source, uint64_t pc, ir::Block& block,
                            unsigned max_insns, bool native_fma) {
    const CodeView view{source.page_host, pc & ~uint64_t(0xfff), 0x1000, &source};
    return translate(view, pc, block, max_insns, native_fma);
}

} // namespace machina::dbt::frontend
