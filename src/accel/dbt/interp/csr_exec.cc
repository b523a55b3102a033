#include "accel/dbt/interp/csr_exec.h"

#include <ctime>

#include "target/riscv/csr.h"

namespace machina::dbt::interp {

using decoder::Op;

namespace {

uint64_t host_time_10mhz() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 10'000'000 + uint64_t(ts.tv_nsec) / 100;
}

void csr_write(riscv::HartState& s, uint16_t csr, uint64_t v) {
    switch (csr) {
    case riscv::kCsrFflags: s.fcsr = (s.fcsr & ~riscv::kFflagsMask) | uint32_t(v & 0x1f); break;
    case riscv::kCsrFrm: s.fcsr = (s.fcsr & riscv::kFflagsMask) | uint32_t(v & 7) << 5; break;
    case riscv::kCsrFcsr: s.fcsr = uint32_t(v & 0xff); break;
    default: break;
    }
}

} // namespace

bool csr_read(const riscv::HartState& s, uint16_t csr, uint64_t* value) {
    switch (csr) {
    case riscv::kCsrFflags: *value = s.fcsr & riscv::kFflagsMask; return true;
    case riscv::kCsrFrm: *value = (s.fcsr >> riscv::kFrmShift) & 7; return true;
    case riscv::kCsrFcsr: *value = s.fcsr & 0xff; return true;
    case riscv::kCsrCycle:
    case riscv::kCsrInstret: *value = s.instret; return true;
    case riscv::kCsrTime: *value = host_time_10mhz(); return true;
    default: return false;
    }
}

bool csr_execute(riscv::HartState& s, const decoder::DecodedInsn& d) {
    uint64_t old = 0;
    if (!csr_read(s, d.csr, &old)) return false;
    bool imm_form = d.op == Op::Csrrwi || d.op == Op::Csrrsi || d.op == Op::Csrrci;
    uint64_t src = imm_form ? uint64_t(d.imm) : s.x[d.rs1];
    // csrrw always writes; csrrs/csrrc write only when the source register/immediate is not 0.
    bool writes = d.op == Op::Csrrw || d.op == Op::Csrrwi || (imm_form ? d.imm != 0 : d.rs1 != 0);
    if (writes && riscv::csr_is_read_only(d.csr)) return false;
    if (writes) {
        uint64_t v = src;
        if (d.op == Op::Csrrs || d.op == Op::Csrrsi) v = old | src;
        if (d.op == Op::Csrrc || d.op == Op::Csrrci) v = old & ~src;
        csr_write(s, d.csr, v);
    }
    if (d.rd != 0) s.x[d.rd] = old;
    return true;
}

} // namespace machina::dbt::interp
