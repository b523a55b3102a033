#include "rv_gen.h"

#include <cstring>

#include "accel/dbt/decoder/riscv64/decoder.h"

namespace machina::difftest {

using dbt::decoder::decode;
using dbt::decoder::Fmt;
using dbt::decoder::Op;
using dbt::decoder::op_info;

uint64_t RandomSource::next() {
    if (m_data) {
        uint64_t v = 0;
        for (int i = 0; i < 8; ++i) {
            v = v << 8 | (m_pos < m_size ? m_data[m_pos] : 0);
            ++m_pos;
        }
        return v;
    }
    m_state ^= m_state << 13;
    m_state ^= m_state >> 7;
    m_state ^= m_state << 17;
    return m_state;
}

namespace {

// Reserved registers: never written by generated instructions.
constexpr unsigned kSp = 2;       // pinned sandbox base (c.*sp forms)
constexpr unsigned kS1 = 9;       // pinned sandbox base (compressed forms, x8-x15)
constexpr unsigned kTmp = 29;     // scratch for jalr targets and atomics addresses
constexpr unsigned kCounter = 30; // loop counter
constexpr unsigned kBase = 31;    // pinned sandbox base

bool is_reserved(unsigned r) {
    return r == kSp || r == kS1 || r == kTmp || r == kCounter || r == kBase;
}

/// One generated instruction; branches are resolved after layout.
struct Item {
    enum Kind { Fixed, Branch, Jal, AddiTarget, CBranch, CJump } kind = Fixed;
    uint32_t raw = 0;
    unsigned length = 4;
    size_t target = 0;    ///< instruction index (forward) or loop start (backward)
    size_t anchor = 0;    ///< AddiTarget: index of the auipc
    bool no_land = false; ///< depends on the previous item (x29 set-up): never a branch target
};

class Generator {
  public:
    Generator(RandomSource& rng, const GenOptions& o) : m_rng(rng), m_opt(o) {
        for (uint16_t i = 1; i < uint16_t(Op::Count); ++i) {
            Op op = Op(i);
            switch (op_info(op).fmt) {
            case Fmt::R:
            case Fmt::R2:
            case Fmt::I:
            case Fmt::Sh:
            case Fmt::U: m_int_ops.push_back(op); break;
            case Fmt::Ld:
            case Fmt::St: m_mem_ops.push_back(op); break;
            case Fmt::Amo:
            case Fmt::Lr: m_amo_ops.push_back(op); break;
            case Fmt::FR:
            case Fmt::FRrm:
            case Fmt::FR4:
            case Fmt::FR1rm:
            case Fmt::FCmp:
            case Fmt::FToX:
            case Fmt::XToF:
            case Fmt::FMvX:
            case Fmt::XMvF:
            case Fmt::FLd:
            case Fmt::FSt: m_fp_ops.push_back(op); break;
            default: break; // control flow, CSRs, fences, system: generated specially or not at all
            }
        }
    }

    std::vector<uint8_t> run() {
        while (m_items.size() < m_opt.length) {
            unsigned roll = unsigned(m_rng.below(100));
            if (roll < 4 && !m_in_loop) {
                open_loop();
            } else if (roll < 7 && m_in_loop && m_items.size() > m_loop_start + 3) {
                close_loop();
            } else if (roll < 14) {
                if (m_rng.chance(30))
                    diamond();
                else
                    branch();
            } else if (roll < 16) {
                jal();
            } else if (roll < 18) {
                jalr();
            } else if (roll < 30) {
                memory();
            } else if (roll < 33 && m_opt.atomics) {
                atomic();
            } else if (roll < 40 + m_opt.extra_fp_percent && m_opt.floating_point) {
                emit_random(m_fp_ops);
            } else if (roll < 42 + m_opt.extra_fp_percent) {
                csr();
            } else if (roll < 55 + m_opt.extra_fp_percent && m_opt.compressed) {
                compressed();
            } else {
                emit_random(m_int_ops);
            }
        }
        if (m_in_loop) close_loop();
        add(Item{Item::Fixed, 0x00000073, 4}); // ecall
        m_loop_of.push_back(0);
        return layout();
    }

  private:
    unsigned rd() {
        unsigned r;
        do
            r = unsigned(m_rng.below(32));
        while (is_reserved(r));
        return r;
    }
    unsigned rs() { return unsigned(m_rng.below(32)); }
    int64_t small_imm(int64_t lo, int64_t hi) {
        return lo + int64_t(m_rng.below(uint64_t(hi - lo + 1)));
    }

    void add(Item item) {
        m_items.push_back(item);
        m_loop_of.push_back(m_in_loop ? m_loop_id : 0);
    }

    /// Encodes `op` with random fields where its mask leaves them free; false if reserved.
    bool encode(Op op, uint32_t fields, uint32_t* out) {
        const auto& oi = op_info(op);
        uint32_t raw = (fields & ~oi.mask) | oi.match;
        if (decode(raw).op != op) return false;
        *out = raw;
        return true;
    }

    uint32_t imm12() {
        switch (m_rng.below(4)) {
        case 0: return uint32_t(small_imm(-16, 16)) & 0xfff;
        case 1: return uint32_t(m_rng.below(64));
        default: return uint32_t(m_rng.next()) & 0xfff;
        }
    }

    void emit_random(const std::vector<Op>& ops) {
        if (ops.empty()) return;
        for (int attempt = 0; attempt < 8; ++attempt) {
            Op op = ops[m_rng.below(ops.size())];
            const Fmt fmt = op_info(op).fmt;
            uint32_t fields = 0;
            const bool x_dest = fmt == Fmt::R || fmt == Fmt::R2 || fmt == Fmt::I ||
                                fmt == Fmt::Sh || fmt == Fmt::U || fmt == Fmt::FCmp ||
                                fmt == Fmt::FToX || fmt == Fmt::FMvX;
            uint32_t dest = x_dest ? rd() : unsigned(m_rng.below(32));
            fields |= dest << 7 | uint32_t(rs()) << 15 | uint32_t(rs()) << 20 |
                      uint32_t(m_rng.below(32)) << 27;
            static const uint32_t kRm[] = {0, 1, 2, 3, 4, 7};
            fields |= kRm[m_rng.below(6)] << 12;
            if (fmt == Fmt::I) fields = (fields & 0xfffff) | imm12() << 20;
            if (fmt == Fmt::Sh) fields = (fields & 0xfffff) | uint32_t(m_rng.below(64)) << 20;
            if (fmt == Fmt::U) fields = (fields & 0xfff) | (uint32_t(m_rng.next()) & 0xfffff000);
            if (fmt == Fmt::FLd || fmt == Fmt::FSt) {
                int64_t off = small_imm(-2040, 2040) & ~int64_t(7);
                fields = (fields & 0x0000707f & ~0x7fu) | uint32_t(kBase) << 15 | dest << 7;
                if (fmt == Fmt::FLd) {
                    fields |= uint32_t(off & 0xfff) << 20;
                } else {
                    fields |= uint32_t(m_rng.below(32)) << 20 | (uint32_t(off) & 0x1f) << 7 |
                              (uint32_t(off >> 5) & 0x7f) << 25;
                }
            }
            uint32_t raw = 0;
            if (encode(op, fields, &raw)) {
                add(Item{Item::Fixed, raw, 4});
                return;
            }
        }
    }

    void memory() {
        if (m_opt.late_faults && m_in_loop && m_rng.chance(15)) return late_fault();
        Op op = m_mem_ops[m_rng.below(m_mem_ops.size())];
        const bool is_load = op_info(op).fmt == Fmt::Ld;
        // A few accesses may fault: loads through any register, stores through a huge address
        // (stores through arbitrary registers could hit the code: self-modifying code needs
        // fence.i, which the generator does not model).
        const bool wild = m_rng.chance(3);
        unsigned base = m_rng.chance(50) ? kBase : kSp;
        if (wild && is_load) base = rs();
        if (wild && !is_load) {
            uint32_t hi = 0x100 + uint32_t(m_rng.below(0xfff00));
            add(Item{Item::Fixed, 0x37u | kTmp << 7 | hi << 12, 4}); // lui tmp, hi
            base = kTmp;
        }
        int64_t off = small_imm(-2040, 2040);
        uint32_t fields = uint32_t(base) << 15;
        if (is_load) {
            fields |= rd() << 7 | uint32_t(off & 0xfff) << 20;
        } else {
            fields |= uint32_t(rs()) << 20 | (uint32_t(off) & 0x1f) << 7 |
                      (uint32_t(off >> 5) & 0x7f) << 25;
        }
        uint32_t raw = 0;
        if (encode(op, fields, &raw)) add(Item{Item::Fixed, raw, 4, 0, 0, base == kTmp});
    }

    /// Inside a loop: a load that faults once the counter drops below k, i.e. in a later
    /// iteration (where the loop body runs as a self-loop block with registers carried):
    /// sltiu tmp, counter, k ; slli tmp, tmp, 40 ; add tmp, tmp, base ; ld rd, off(tmp).
    void late_fault() {
        const uint32_t k = 1 + uint32_t(m_rng.below(20));
        add(Item{Item::Fixed, 0x13u | kTmp << 7 | 3u << 12 | kCounter << 15 | k << 20, 4});
        add(Item{Item::Fixed, 0x13u | kTmp << 7 | 1u << 12 | kTmp << 15 | 40u << 20, 4, 0, 0,
                 true});
        add(Item{Item::Fixed, 0x33u | kTmp << 7 | kTmp << 15 | kBase << 20, 4, 0, 0, true});
        const uint32_t off = uint32_t(small_imm(-256, 256) * 8) & 0xfff;
        add(Item{Item::Fixed, 0x03u | rd() << 7 | 3u << 12 | kTmp << 15 | off << 20, 4, 0, 0,
                 true});
    }

    void atomic() {
        // addi tmp, base, 8*k (sometimes misaligned, sometimes a huge lui address) ; amo (tmp)
        int64_t off = int64_t(m_rng.below(64)) * 8 - 256;
        if (m_rng.chance(5)) off += 1 + int64_t(m_rng.below(7));
        if (m_rng.chance(3)) {
            uint32_t hi = 0x100 + uint32_t(m_rng.below(0xfff00));
            add(Item{Item::Fixed, 0x37u | kTmp << 7 | hi << 12, 4}); // lui tmp, hi
        } else {
            add(Item{Item::Fixed, 0x13u | kTmp << 7 | kBase << 15 | (uint32_t(off) & 0xfff) << 20,
                     4});
        }
        if (m_rng.chance(30)) {
            lr_sc_pair();
            return;
        }
        Op op = m_amo_ops[m_rng.below(m_amo_ops.size())];
        uint32_t fields =
            rd() << 7 | kTmp << 15 | uint32_t(rs()) << 20 | uint32_t(m_rng.below(4)) << 25;
        uint32_t raw = 0;
        if (encode(op, fields, &raw)) add(Item{Item::Fixed, raw, 4, 0, 0, true});
    }

    /// lr (tmp) ; [a store to (tmp), or another lr/sc] ; sc (tmp): random pairs rarely meet, and
    /// a successful sc needs its lr on the same address with memory unchanged.
    void lr_sc_pair() {
        const bool word = m_rng.chance(50);
        auto lr_sc = [&](bool sc) {
            Op op = sc ? (word ? Op::ScW : Op::ScD) : (word ? Op::LrW : Op::LrD);
            uint32_t fields = rd() << 7 | kTmp << 15 | uint32_t(m_rng.below(4)) << 25;
            if (sc) fields |= uint32_t(rs()) << 20;
            uint32_t raw = 0;
            if (encode(op, fields, &raw)) add(Item{Item::Fixed, raw, 4, 0, 0, true});
        };
        lr_sc(false);
        const unsigned between = unsigned(m_rng.below(8));
        if (between == 0) { // sw/sd rs, 0(tmp): memory changes behind the reservation
            uint32_t raw = 0x23u | (word ? 2u : 3u) << 12 | kTmp << 15 | uint32_t(rs()) << 20;
            add(Item{Item::Fixed, raw, 4, 0, 0, true});
        } else if (between == 1) {
            lr_sc(true); // the second sc below then finds no reservation
        }
        lr_sc(true);
    }

    void csr() {
        // Reads of instret/cycle (exact mid-block), fcsr/frm/fflags; writes of fflags, frm and
        // fcsr in every form (frm and fcsr only with values that keep frm a valid mode).
        static const uint32_t kRead[] = {0xc02, 0xc00, 0x003, 0x002, 0x001};
        auto csr_insn = [&](uint32_t funct3, uint32_t src, uint32_t csr) {
            add(Item{Item::Fixed, 0x73u | rd() << 7 | funct3 << 12 | src << 15 | csr << 20, 4});
        };
        switch (m_rng.below(6)) {
        case 0:
        case 1:
        case 2: csr_insn(2, 0, kRead[m_rng.below(5)]); break; // csrrs rd, csr, x0
        case 3: {                                             // csrrwi: fflags, frm or fcsr
            const uint32_t csr = 1 + uint32_t(m_rng.below(3));
            csr_insn(5, csr == 2 ? uint32_t(m_rng.below(5)) : uint32_t(m_rng.below(32)), csr);
            break;
        }
        case 4: // csrrsi / csrrci fflags, csrrci frm (clearing keeps frm valid)
            if (m_rng.chance(30))
                csr_insn(7, uint32_t(m_rng.below(32)), 2);
            else
                csr_insn(m_rng.chance(50) ? 6 : 7, uint32_t(m_rng.below(32)), 1);
            break;
        default: // csrrw / csrrs / csrrc fflags, rs
            csr_insn(1 + uint32_t(m_rng.below(3)), uint32_t(rs()), 1);
            break;
        }
    }

    void branch() {
        static const Op kBr[] = {Op::Beq, Op::Bne, Op::Blt, Op::Bge, Op::Bltu, Op::Bgeu};
        Op op = kBr[m_rng.below(6)];
        Item it{Item::Branch, op_info(op).match | uint32_t(rs()) << 15 | uint32_t(rs()) << 20, 4};
        it.target = m_items.size() + 1 + m_rng.below(10);
        add(it);
    }

    /// if/else: a branch over the then-arm and a `j` over the else-arm, short enough for the
    /// translator's if-conversion (when the arms are plain computation).
    void diamond() {
        static const Op kBr[] = {Op::Beq, Op::Bne, Op::Blt, Op::Bge, Op::Bltu, Op::Bgeu};
        const size_t branch_at = m_items.size();
        Op op = kBr[m_rng.below(6)];
        add(Item{Item::Branch, op_info(op).match | uint32_t(rs()) << 15 | uint32_t(rs()) << 20, 4});
        for (unsigned k = 1 + unsigned(m_rng.below(3)); k > 0; --k)
            emit_random(m_int_ops);
        const size_t jump_at = m_items.size();
        add(Item{Item::Jal, 0x6fu, 4}); // j (rd = x0)
        m_items[branch_at].target = m_items.size();
        for (unsigned k = unsigned(m_rng.below(3)); k > 0; --k)
            emit_random(m_int_ops);
        m_items[jump_at].target = m_items.size();
    }

    void jal() {
        Item it{Item::Jal, 0x6fu | rd() << 7, 4};
        it.target = m_items.size() + 1 + m_rng.below(10);
        add(it);
    }

    void jalr() {
        size_t anchor = m_items.size();
        add(Item{Item::Fixed, 0x17u | kTmp << 7, 4}); // auipc tmp, 0
        Item addi{Item::AddiTarget, 0x13u | kTmp << 7 | kTmp << 15, 4};
        addi.anchor = anchor;
        addi.target = anchor + 3 + m_rng.below(8);
        addi.no_land = true;
        add(addi);
        add(Item{Item::Fixed, 0x67u | rd() << 7 | kTmp << 15, 4, 0, 0, true}); // jalr rd, 0(tmp)
    }

    void open_loop() {
        // li counter, n ; loop: ... ; addi counter, counter, -1 ; bne counter, x0, loop
        uint32_t n = 1 + uint32_t(m_rng.below(40));
        add(Item{Item::Fixed, 0x13u | kCounter << 7 | n << 20, 4});
        m_in_loop = true;
        ++m_loop_id;
        m_loop_start = m_items.size();
    }

    void close_loop() {
        add(Item{Item::Fixed, 0x13u | kCounter << 7 | kCounter << 15 | 0xfffu << 20, 4});
        Item back{Item::Branch, op_info(Op::Bne).match | kCounter << 15, 4};
        back.target = m_loop_start;
        add(back);
        m_in_loop = false;
    }

    void compressed() {
        const unsigned r = rd();
        const unsigned rc = 8 + unsigned(m_rng.below(8)); // x8-x15
        const bool rc_ok = !is_reserved(rc);
        const uint32_t imm6 = uint32_t(m_rng.below(64));
        uint32_t raw = 0;
        switch (m_rng.below(12)) {
        case 0: raw = 0x0001 | r << 7 | (imm6 & 0x1f) << 2 | (imm6 >> 5) << 12; break; // c.addi
        case 1: raw = 0x4001 | r << 7 | (imm6 & 0x1f) << 2 | (imm6 >> 5) << 12; break; // c.li
        case 2: raw = 0x8002 | r << 7 | (1 + unsigned(m_rng.below(31))) << 2; break;   // c.mv
        case 3: raw = 0x9002 | r << 7 | (1 + unsigned(m_rng.below(31))) << 2; break;   // c.add
        case 4: raw = 0x2001 | r << 7 | (imm6 & 0x1f) << 2 | (imm6 >> 5) << 12; break; // c.addiw
        case 5: raw = 0x0002 | r << 7 | (imm6 & 0x1f) << 2 | (imm6 >> 5) << 12; break; // c.slli
        case 6: // c.sub/xor/or/and/subw/addw
            if (!rc_ok) return;
            raw = 0x8c01 | (rc - 8) << 7 | uint32_t(m_rng.below(8)) << 2 |
                  uint32_t(m_rng.below(4)) << 5 | uint32_t(m_rng.below(2)) << 12;
            break;
        case 7: // c.srli/srai/andi
            if (!rc_ok) return;
            raw = 0x8001 | (rc - 8) << 7 | uint32_t(m_rng.below(3)) << 10 | (imm6 & 0x1f) << 2 |
                  (imm6 >> 5) << 12;
            break;
        case 8: { // c.lw / c.ld (x9 base)
            const bool d = m_rng.chance(50);
            const uint32_t rdp = uint32_t(m_rng.below(8));
            if (is_reserved(8 + rdp)) return;
            const uint32_t off = uint32_t(m_rng.below(32)) * (d ? 8 : 4);
            raw = (d ? 0x6000u : 0x4000u) | 1u << 7 | rdp << 2;
            if (d)
                raw |= ((off >> 3) & 7) << 10 | ((off >> 6) & 3) << 5;
            else
                raw |= ((off >> 3) & 7) << 10 | ((off >> 2) & 1) << 6 | ((off >> 6) & 1) << 5;
            break;
        }
        case 9: { // c.sw / c.sd (x9 base)
            const bool d = m_rng.chance(50);
            const uint32_t off = uint32_t(m_rng.below(32)) * (d ? 8 : 4);
            raw = (d ? 0xe000u : 0xc000u) | 1u << 7 | uint32_t(m_rng.below(8)) << 2;
            if (d)
                raw |= ((off >> 3) & 7) << 10 | ((off >> 6) & 3) << 5;
            else
                raw |= ((off >> 3) & 7) << 10 | ((off >> 2) & 1) << 6 | ((off >> 6) & 1) << 5;
            break;
        }
        case 10: { // c.ldsp / c.sdsp
            const uint32_t off = uint32_t(m_rng.below(64)) * 8;
            if (m_rng.chance(50)) {
                raw = 0x6002 | r << 7 | ((off >> 5) & 1) << 12 | ((off >> 3) & 3) << 5 |
                      ((off >> 6) & 7) << 2;
            } else {
                raw = 0xe002 | uint32_t(rs()) << 2 | ((off >> 3) & 7) << 10 | ((off >> 6) & 7) << 7;
            }
            break;
        }
        default: { // c.beqz / c.bnez (x8-x15) or c.j, forward
            Item it{m_rng.chance(50) ? Item::CBranch : Item::CJump, 0, 2};
            it.raw = it.kind == Item::CBranch
                         ? (m_rng.chance(50) ? 0xc001u : 0xe001u) | uint32_t(m_rng.below(8)) << 7
                         : 0xa001u;
            it.target = m_items.size() + 1 + m_rng.below(6);
            add(it);
            return;
        }
        }
        const auto d = decode(raw);
        if (d.op == Op::Illegal || d.length != 2) return;
        add(Item{Item::Fixed, raw, 2});
    }

    /// Moves forward targets that would land inside a loop from outside it to the loop's end.
    size_t legal_target(size_t from, size_t target) {
        const size_t last = m_items.size() - 1; // the final ecall
        if (target > last) target = last;
        while (target < last && ((m_loop_of[target] != 0 && m_loop_of[target] != m_loop_of[from]) ||
                                 m_items[target].no_land))
            ++target;
        return target;
    }

    std::vector<uint8_t> layout() {
        std::vector<uint64_t> addr(m_items.size() + 1);
        uint64_t a = 0;
        for (size_t i = 0; i < m_items.size(); ++i) {
            addr[i] = a;
            a += m_items[i].length;
        }
        addr[m_items.size()] = a;
        std::vector<uint8_t> out;
        for (size_t i = 0; i < m_items.size(); ++i) {
            Item& it = m_items[i];
            uint32_t raw = it.raw;
            auto fwd = [&]() {
                return int64_t(addr[legal_target(i, it.target)]) - int64_t(addr[i]);
            };
            switch (it.kind) {
            case Item::Fixed: break;
            case Item::Branch: {
                int64_t off = it.target > i ? fwd() : int64_t(addr[it.target]) - int64_t(addr[i]);
                uint32_t o = uint32_t(off);
                raw |= ((o >> 12) & 1) << 31 | ((o >> 5) & 0x3f) << 25 | ((o >> 1) & 0xf) << 8 |
                       ((o >> 11) & 1) << 7;
                break;
            }
            case Item::Jal: {
                uint32_t o = uint32_t(fwd());
                raw |= ((o >> 20) & 1) << 31 | ((o >> 1) & 0x3ff) << 21 | ((o >> 11) & 1) << 20 |
                       ((o >> 12) & 0xff) << 12;
                break;
            }
            case Item::AddiTarget: {
                int64_t off = int64_t(addr[legal_target(i, it.target)]) - int64_t(addr[it.anchor]);
                raw |= (uint32_t(off) & 0xfff) << 20;
                break;
            }
            case Item::CBranch: {
                uint32_t o = uint32_t(fwd());
                if (o >= 256) o = 0; // out of c.beqz range: branch to itself? no: fall through
                if (o == 0) {
                    raw = 0x0001;
                    break;
                } // c.nop
                raw |= ((o >> 8) & 1) << 12 | ((o >> 3) & 3) << 10 | ((o >> 6) & 3) << 5 |
                       ((o >> 1) & 3) << 3 | ((o >> 5) & 1) << 2;
                break;
            }
            case Item::CJump: {
                uint32_t o = uint32_t(fwd());
                if (o >= 2048) {
                    raw = 0x0001;
                    break;
                }
                raw |= ((o >> 11) & 1) << 12 | ((o >> 4) & 1) << 11 | ((o >> 8) & 3) << 9 |
                       ((o >> 10) & 1) << 8 | ((o >> 6) & 1) << 7 | ((o >> 7) & 1) << 6 |
                       ((o >> 1) & 7) << 3 | ((o >> 5) & 1) << 2;
                break;
            }
            }
            for (unsigned b = 0; b < it.length; ++b)
                out.push_back(uint8_t(raw >> (8 * b)));
        }
        return out;
    }

    RandomSource& m_rng;
    GenOptions m_opt;
    std::vector<Op> m_int_ops, m_mem_ops, m_amo_ops, m_fp_ops;
    std::vector<Item> m_items;
    std::vector<unsigned> m_loop_of;
    bool m_in_loop = false;
    unsigned m_loop_id = 0;
    size_t m_loop_start = 0;
};

} // namespace

std::vector<uint8_t> generate_program(RandomSource& rng, const GenOptions& options) {
    return Generator(rng, options).run();
}

void init_state(riscv::HartState& state, RandomSource& rng) {
    state = riscv::HartState{};
    static const uint64_t kInteresting[] = {0,
                                            1,
                                            2,
                                            0x7fffffff,
                                            0x80000000,
                                            0xffffffff,
                                            0x7fffffffffffffff,
                                            0x8000000000000000,
                                            ~uint64_t(0),
                                            63,
                                            32,
                                            31};
    for (unsigned r = 1; r < 32; ++r) {
        state.x[r] = rng.chance(30)   ? kInteresting[rng.below(std::size(kInteresting))]
                     : rng.chance(50) ? rng.below(256) - 128
                                      : rng.next();
    }
    // Doubles worth computing with (ordinary values, zeros, infinities, NaNs, subnormals) and
    // random bit patterns; singles NaN-boxed or not.
    static const uint64_t kDoubles[] = {
        0x0000000000000000, 0x8000000000000000, 0x3ff0000000000000, 0xbff8000000000000,
        0x400921fb54442d18, 0x7fefffffffffffff, 0x0010000000000000, 0x000fffffffffffff,
        0x7ff0000000000000, 0xfff0000000000000, 0x7ff8000000000000, 0x7ff4000000000000,
        0x3fb999999999999a, 0xc1e0000000000000, 0x43e0000000000000, 0x3cb0000000000000};
    for (unsigned r = 0; r < 32; ++r) {
        switch (rng.below(4)) {
        case 0: state.f[r] = rng.next(); break;
        case 1: state.f[r] = 0xffffffff00000000ull | uint32_t(rng.next()); break;
        default: state.f[r] = kDoubles[rng.below(std::size(kDoubles))]; break;
        }
    }
    state.fcsr = uint32_t(rng.below(5)) << riscv::kFrmShift;
    state.x[kSp] = state.x[kS1] = state.x[kBase] = Layout::kBase;
    state.x[kTmp] = Layout::kBase;
    state.x[kCounter] = 0;
    state.pc = Layout::kCode;
}

void fill_sandbox(uint8_t* memory_base, RandomSource& rng) {
    for (uint64_t i = 0; i < Layout::kSandboxSize; i += 8) {
        uint64_t v = rng.next();
        std::memcpy(memory_base + Layout::kSandbox + i, &v, 8);
    }
}

} // namespace machina::difftest
