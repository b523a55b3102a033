#pragma once
// Emitter: the xbyak code generator for one block (internal to the backend). The per-family
// emission code lives in emit_alu.cc, emit_memory.cc and emit_control.cc.

#include <memory>
#include <vector>

#include "accel/dbt/backend/x86_64/backend.h"
#include "accel/dbt/backend/x86_64/regalloc.h"
#include "accel/dbt/backend/x86_64/xbyak.h"

namespace machina::dbt::backend {

/// A jump target in one block that the emitter resolves itself: jumps to it are rel32 fields
/// recorded here and patched when it is bound (Emitter::L), with none of the hash-map work an
/// xbyak label costs. It is an Xbyak::Label too, so code holding it as a `const Xbyak::Label&`
/// still works through xbyak (Emitter::L then binds both).
struct StubLabel : Xbyak::Label {
    static constexpr unsigned kInlineSites = 4;
    mutable uint32_t sites[kInlineSites] = {}; ///< code offsets of rel32 fields waiting for it
    mutable uint32_t count = 0;                ///< entries of `sites` in use
    mutable std::vector<uint32_t> more;        ///< waiting rel32 fields past kInlineSites
    int64_t bound = -1;                        ///< code offset once bound

    /// Unbound and unused again (for the next block).
    void reset() {
        clear(); // the xbyak side: its label manager died with the previous emitter
        count = 0;
        more.clear();
        bound = -1;
    }
    /// Records a rel32 field at code offset `site` that must point here.
    void add_site(uint32_t site) const {
        if (count < kInlineSites) {
            sites[count++] = site;
        } else {
            more.push_back(site);
        }
    }
};

/// Generates host code for one block straight into the code buffer's write view.
class Emitter : public Xbyak::CodeGenerator {
  public:
    /// Prepares to emit `block` with allocation `alloc` at the buffer cursor.
    Emitter(const ir::Block& block, const Allocation& alloc, CodeBuffer& buffer,
            const Trampolines& tramp, const HostFeatures& features,
            const SoftmmuOptions* softmmu = nullptr, uint64_t memory_limit = 0);

    ~Emitter();

    /// Emits the whole block; fills `out` (entry, size, sites).
    void emit_block(CompiledBlock& out);
    /// True when the block needed more spill slots than the frame has.
    bool failed() const { return m_failed; }

    // Jumps to and binding of StubLabels (near rel32 jumps, patched by L); xbyak's own
    // overloads stay available for Xbyak::Labels and addresses.
    using Xbyak::CodeGenerator::ja;
    using Xbyak::CodeGenerator::jae;
    using Xbyak::CodeGenerator::jb;
    using Xbyak::CodeGenerator::je;
    using Xbyak::CodeGenerator::jmp;
    using Xbyak::CodeGenerator::jne;
    using Xbyak::CodeGenerator::jnz;
    using Xbyak::CodeGenerator::jz;
    using Xbyak::CodeGenerator::L;
    /// Binds `label` here and patches the jumps already made to it.
    void L(StubLabel& label);
    void jmp(const StubLabel& label, LabelType = T_AUTO) { jump_to(label, 0, 0xe9); }
    void ja(const StubLabel& label, LabelType = T_AUTO) { jump_to(label, 0x0f, 0x87); }
    void jae(const StubLabel& label, LabelType = T_AUTO) { jump_to(label, 0x0f, 0x83); }
    void jb(const StubLabel& label, LabelType = T_AUTO) { jump_to(label, 0x0f, 0x82); }
    void je(const StubLabel& label, LabelType = T_AUTO) { jump_to(label, 0x0f, 0x84); }
    void jz(const StubLabel& label, LabelType = T_AUTO) { jump_to(label, 0x0f, 0x84); }
    void jne(const StubLabel& label, LabelType = T_AUTO) { jump_to(label, 0x0f, 0x85); }
    void jnz(const StubLabel& label, LabelType = T_AUTO) { jump_to(label, 0x0f, 0x85); }

  private:
    /// An out-of-line path, emitted after the block body. Stubs live in a per-thread pool that
    /// every block reuses (see new_stub), so emitting one allocates nothing.
    struct Stub {
        enum Kind {
            Fault,
            Helper,
            Link,
            Budget,
            Interpret,
            SoftLoad,
            SoftStore,
            SysInsn,
            SideExit
        } kind;
        StubLabel label;
        int addr_reg = 0;      ///< Fault: register holding the guest address (less addr_disp);
                               ///< -1: the address is addr_disp (a constant address)
        int32_t addr_disp = 0; ///< Fault: displacement of the access
        uint64_t pc = 0;       ///< guest pc to store in HartState
        uint64_t unretired = 0;
        uint32_t reason = 0;    ///< Fault: JitExit
        uintptr_t site = 0;     ///< Link: execute address of the rel32
        size_t site_index = 0;  ///< Fault: index in m_sites
        ir::Value value = 0;    ///< SoftLoad/SoftStore/SysInsn: the instruction
        std::vector<int> saved; ///< SoftLoad/SoftStore: caller-saved registers live across it
        StubLabel join;         ///< SoftLoad/SoftStore: where the fast path continues
        int value_reg = -1;     ///< SoftLoad: result register; SoftStore: data register (or -1)
        /// Fault, SoftLoad, SoftStore, SideExit: deferred guest register writes to do first, as
        /// (HartState qword, register).
        std::vector<std::pair<uint8_t, uint8_t>> writeback;
        /// Carried guest registers (a mask of x1..x31) to store first: those dirty where the
        /// stub was made (loop_carry.cc).
        uint32_t carried = 0;
    };

    /// The calling thread's stubs (kept across blocks; the first m_stub_count are this block's).
    static std::vector<std::unique_ptr<Stub>>& stub_pool();
    /// A near jump (opcode bytes `prefix` (0: none) and `code`) to `label`.
    void jump_to(const StubLabel& label, uint8_t prefix, uint8_t code);
    /// mov [base + disp], imm32 (dword, or qword sign-extending `imm` when `w64`); base is rbx
    /// (guest registers and JitContext fields). Encoded by hand: stubs emit many of these and
    /// xbyak's operand path is slow.
    void mov_mem_imm32(int base, int32_t disp, uint32_t imm, bool w64);
    /// mov [base + disp], rax (qword), base rbx.
    void mov_mem_rax(int base, int32_t disp);
    /// mov rax, imm in the shortest form (what xbyak's mov(rax, imm) emits).
    void mov_rax_imm(uint64_t imm);
    /// Appends `n` bytes of hand-encoded code in one step (xbyak's checks when out of room).
    void put(const uint8_t* bytes, size_t n);
    /// put() for the first `n` (<= 16) of 16 readable bytes: one fixed-size copy instead of a
    /// libc memcpy call (a hand-encoded instruction is a handful of bytes; the call cost more
    /// than the encoding).
    void put16(const uint8_t (&bytes)[16], size_t n);

    // Operands (emitter.cc). Values live where m_cache says; these helpers emit the loads and
    // spill stores its decisions need. rax and rcx are scratch; rdx is allocated unless the
    // instruction reserves it (reserve_rdx).
    Xbyak::Reg64 reg(int index) const { return Xbyak::Reg64(index); }
    bool is_const(ir::Value v) const { return m_block.insts[v].op == ir::Opcode::Const; }
    uint64_t cval(ir::Value v) const { return m_block.insts[v].imm; }
    bool fits_imm(ir::Value v, bool w32) const;
    Xbyak::Address slot(uint16_t s, bool w32);
    /// HartState qword `q` (x[0..31], pc, f[0..31]).
    Xbyak::Address guest(int q, bool w32);
    /// The memory copy of root value `r` (a stack slot or HartState).
    Xbyak::Address home(ir::Value r, bool w32);
    /// The address of the memory copy of `v`'s root, for operands of any size.
    Xbyak::RegExp home_exp(ir::Value v);
    /// True when `v` is best read straight from its memory copy (not in a register, and not
    /// worth loading into one).
    bool read_in_place(ir::Value v);
    /// The memory operand of a value for which read_in_place() holds.
    Xbyak::Address mem_of(ir::Value v, bool w32) { return home(m_cache.root(v), w32); }
    Xbyak::Reg32e sized(const Xbyak::Reg64& r, bool w32) const;
    /// Copies `v` into `d`.
    void mov_val(const Xbyak::Reg64& d, ir::Value v);
    /// A register holding `v`: its own, or `scratch` loaded with it.
    Xbyak::Reg64 use(ir::Value v, const Xbyak::Reg64& scratch);
    /// An allocatable register holding `v` (loaded into one if needed).
    Xbyak::Reg64 use_reg(ir::Value v);
    /// The register that receives the result of the current instruction `v`.
    Xbyak::Reg64 def(ir::Value v);
    /// True when the pending write of HartState qword `q` is made moot by v's result: the next
    /// instruction writes v to q, and nothing at v can observe HartState.
    bool replaces_pending(ir::Value v, int q) const;
    /// Moves the result from `r` to `v`'s register when they differ.
    void finish(ir::Value v, const Xbyak::Reg64& r);
    /// A free allocatable register (spilling one if needed).
    int take_reg();
    /// Frees rdx for the current instruction's own use (division, wide multiply, ...).
    void reserve_rdx();
    /// Evicts the value in `reg`, storing it to a stack slot if it has no other copy.
    void spill(int reg);
    /// Saves a value whose only copy is about to be lost from HartState.
    void save_guest_value(ir::Value r);
    /// Before a call that may change guest registers: values only in HartState get a slot.
    void before_call();
    /// Emits the deferred write of HartState qword `q`, if any.
    void flush_pending(int q);
    /// Emits every deferred guest register write (before anything that may observe HartState).
    void flush_all_pending();
    /// The deferred writes as (qword, register) pairs, for a stub that leaves the block.
    std::vector<std::pair<uint8_t, uint8_t>> pending_writes() const;
    /// Emits a stub's deferred writes (emit_stubs calls it for Fault stubs).
    void emit_writeback(const Stub& s);
    /// A read (GetReg/GetFReg) or write (SetReg/SetFReg) of HartState qword `q`.
    void emit_guest_read(ir::Value v, int q);
    void emit_guest_write(ir::Value v, int q);
    void jmp_exec(uintptr_t target);
    void set_exit_reason(uint32_t reason);
    void store_pc(uint64_t pc);
    uintptr_t exec_here() const { return m_exec_start + getSize(); }

    // Per-family emission.
    void emit_inst(ir::Value v);
    void emit_alu2(ir::Value v);
    void emit_shift(ir::Value v);
    void emit_divrem(ir::Value v);
    /// Division or remainder by a non-zero constant, through a multiply.
    void emit_divrem_const(ir::Value v);
    /// rcx = rcx / d, unsigned, for a constant d >= 1 (clobbers rax, rdx).
    void udiv_by_const(uint64_t d);
    void emit_mulh(ir::Value v);
    void emit_compare(ir::Value v);
    void emit_compare_flags(ir::Value v);
    void jump_if_false(ir::Value compare, const Xbyak::Label& target);
    void emit_select(ir::Value v);
    void emit_minmax(ir::Value v);
    void emit_unary(ir::Value v);
    void emit_bitcount(ir::Value v);
    void emit_load(ir::Value v);
    void emit_store(ir::Value v);
    void emit_helper_call(ir::Value v);
    void emit_fp(ir::Value v);
    /// CheckFrm: to the interpreter unless frm is RNE.
    void emit_check_frm(ir::Value v);
    /// GetFcsr / SetFcsr (user mode).
    void emit_fcsr(ir::Value v);
    void emit_amo(ir::Value v);
    /// The read-modify-write of AMO `v` on `m` with the operand in rcx, then its result (the
    /// old value). `fault_addr_reg` >= 0 (user mode): each access is a fault site whose guest
    /// address is in that register.
    void emit_amo_rmw(ir::Value v, const Xbyak::Address& m, int fault_addr_reg, int guest_addr_reg);
    /// User mode: the next host instruction of atomic `in` touches guest memory at the address in
    /// `addr_reg`; a host fault there leaves with `reason` at `in`'s pc (a Fault stub and a site).
    void atomic_fault_site(const ir::Inst& in, int addr_reg, JitExit reason);
    /// LR or SC `v` (emit_amo_rmw's kAmoLr/kAmoSc) on `m`, with the guest address in
    /// `guest_addr_reg` and (SC) the value to store in rcx (emit_lr_sc.cc).
    void emit_lr_sc(ir::Value v, const Xbyak::Address& m, int fault_addr_reg, int guest_addr_reg);
    void emit_entry();
    void emit_terminal();
    void emit_patchable_jump(uint64_t guest_target);
    /// Side exit `v` (ExitIf): a jcc to a stub that writes back the deferred guest register
    /// writes, returns the budget of the instructions after it and leaves through a patchable
    /// jump. `fused`: the compare (just before `v`, used only by it) whose flags it jumps on,
    /// else kNoValue.
    void emit_exit_if(ir::Value v, ir::Value fused);
    /// True when compare `v` is used only by the ExitIf right after it (emitted as cmp + jcc).
    bool fuses_into_exit_if(ir::Value v) const;
    /// Sets the flags for condition `cond` of a conditional jump (cmp for the compare `fused`,
    /// else test) and returns the jcc opcode byte (after 0x0f) that jumps when it holds.
    uint8_t emit_condition(ir::Value cond, ir::Value fused);
    void emit_stubs();
    Stub& new_stub(Stub::Kind kind);
    /// User mode: the lowest displacement and the highest displacement + size of the accesses
    /// through each base value of the block (emit_base_check checks them all at once).
    void plan_access_ranges();
    /// User mode, before the first access `in` through base value `r` (in `ra`): jumps to an
    /// interpreter stub at `in` unless every access of the block through `r` is inside the
    /// memory limit. Later accesses through `r` need no check. Clobbers rcx.
    void emit_base_check(const ir::Inst& in, Xbyak::Reg64 ra, ir::Value r);
    /// Records the host instruction emitted next as guest access `in` (base in `ra`): a host
    /// SIGSEGV there resumes at a fault stub that exits with `reason` at `in`'s pc.
    Stub& fault_site(const ir::Inst& in, Xbyak::Reg64 ra, JitExit reason);
    /// Records the fault site of access `in` (fault_site) and returns its host address: r14 +
    /// ra + displacement, or r14 + `fixed` for a constant address (constant_address; no base
    /// register, the stub stores the constant).
    Xbyak::RegExp access_site(const ir::Inst& in, Xbyak::Reg64 ra, int64_t fixed, JitExit reason);
    /// User mode: the guest address of access `in` when its base is a constant and the whole
    /// access lies below the memory limit and 2^31 (no range check, a disp32 off r14), else -1.
    int64_t constant_address(const ir::Inst& in) const;
    /// Caller-saved registers holding values that are still needed after instruction `v`.
    std::vector<int> live_caller_saved(ir::Value v);

    // Self-loops (loop_carry.cc): guest registers carried in host registers across the back edge.
    /// Picks the carried guest registers of a self-loop block (none for any other block) and
    /// takes their host registers out of allocation.
    void plan_carry();
    /// Reloads the pinned registers a self-loop borrowed (m_lent) before it leaves the block:
    /// the next block and the exit trampoline find them in their registers.
    void restore_lent();
    /// Loads the carried registers and binds the loop header (before the budget check).
    void emit_carry_entry();
    /// Stores the carried registers in `mask` (x1..x31) to HartState.
    void emit_carry_writeback(uint32_t mask);
    /// Stores the dirty carried registers (on the way out of the loop).
    void flush_carried();
    /// Moves a still-needed value out of guest register `q`'s carrying host register.
    void evict_carried(int q);
    /// GetReg/SetReg `v` of carried guest register `q`.
    void carry_read(ir::Value v, int q);
    void carry_write(ir::Value v, int q);
    /// The carrying register to define `v` in directly when the next instruction writes `v` to
    /// a carried guest register and that register's current value is not needed any more (it
    /// binds `v` there), else -1.
    int carried_destination(ir::Value v);
    /// The terminal of a carried self-loop (the back edge to the loop header, then the way out);
    /// false when the block carries nothing.
    bool emit_back_edge();

    // System mode (emit_softmmu.cc).
    void emit_load_softmmu(ir::Value v);
    void emit_store_softmmu(ir::Value v);
    /// TLB probe for a `size`-byte access at `ra`: leaves the entry's addend in rax on a hit,
    /// jumps to `slow` on a miss. Clobbers rax and rcx.
    void emit_tlb_probe(Xbyak::Reg64 ra, unsigned size, int32_t tag, const StubLabel& slow);
    void emit_soft_stub(Stub& s);
    void emit_sys_insn(ir::Value v);
    /// An AMO through the TLB's store tag with a locked host instruction (emit_softmmu_atomic.cc).
    void emit_amo_softmmu(ir::Value v);
    /// The guard of an instruction straddling its page end (emit_code_parcel.cc).
    void emit_check_code_parcel(ir::Value v);
    void emit_sys_stub(Stub& s);
    /// Leaves for the guest pc in rax through the system jump cache (checked against the code
    /// TLB), or to the dispatcher on a miss. Clobbers every scratch and allocatable register.
    void emit_system_lookup();
    /// True when a direct jump to `target` may be chained (the same guest page in system mode).
    bool chainable(uint64_t target) const;

    const ir::Block& m_block;
    const Allocation& m_alloc;
    RegCache m_cache;
    bool m_failed = false;
    CodeBuffer& m_buffer;
    const Trampolines& m_tramp;
    HostFeatures m_features;
    const SoftmmuOptions* m_softmmu; ///< system mode when set
    uintptr_t m_exec_start;
    std::vector<std::unique_ptr<Stub>>& m_stubs; ///< stub_pool()
    size_t m_stub_count = 0;                     ///< stubs of this block
    std::vector<FaultSite> m_sites;
    uint32_t m_current = 0; ///< index of the instruction being emitted
    // Self-loops (loop_carry.cc).
    int8_t m_carry_reg[32];    ///< per guest register x0..x31: its host register, or -1
    uint32_t m_carry_mask = 0; ///< guest registers carried around the self-loop
    uint32_t m_pinned = 0;     ///< pinned guest registers (Trampolines::pinned; user mode)
    uint32_t m_lent = 0;       ///< pinned guest registers whose host register a self-loop borrows
    uint32_t m_carry_written = 0; ///< carried guest registers the body writes
    uint32_t m_carry_dirty = 0;   ///< carried guest registers whose HartState copy is stale now
    StubLabel m_loop_header;      ///< after the carried loads, before the budget check
    /// User mode (plan_access_ranges), per base value: its accesses' lowest displacement, highest
    /// displacement + size, and whether the range check is done. Per-thread storage.
    struct AccessRanges {
        std::vector<int32_t> lo, hi;
        std::vector<uint8_t> checked;
        /// 64-bit constants the block's code reads RIP-relative, with the code offset of the
        /// disp32 of each reading instruction (emit_literals places and patches them).
        std::vector<std::pair<uint64_t, uint32_t>> literals;
    };
    AccessRanges& m_ranges;
    uint64_t m_memory_limit; ///< user mode: the guest memory size the code is for
    static AccessRanges& access_ranges();
    /// Emits the literals after the stubs and points their readers at them.
    void emit_literals();
};

} // namespace machina::dbt::backend
