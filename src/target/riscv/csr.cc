#include "target/riscv/csr.h"

namespace machina::riscv {
namespace {

struct CsrName {
    uint16_t number;
    const char* name;
};

// User, supervisor and machine CSRs by their privileged-spec names.
constexpr CsrName kNames[] = {
    {0x001, "fflags"},   {0x002, "frm"},        {0x003, "fcsr"},       {0x015, "seed"},
    {0xc00, "cycle"},    {0xc01, "time"},       {0xc02, "instret"},    {0x100, "sstatus"},
    {0x104, "sie"},      {0x105, "stvec"},      {0x106, "scounteren"}, {0x10a, "senvcfg"},
    {0x140, "sscratch"}, {0x141, "sepc"},       {0x142, "scause"},     {0x143, "stval"},
    {0x144, "sip"},      {0x180, "satp"},       {0x14d, "stimecmp"},   {0x300, "mstatus"},
    {0x301, "misa"},     {0x302, "medeleg"},    {0x303, "mideleg"},    {0x304, "mie"},
    {0x305, "mtvec"},    {0x306, "mcounteren"}, {0x30a, "menvcfg"},    {0x340, "mscratch"},
    {0x341, "mepc"},     {0x342, "mcause"},     {0x343, "mtval"},      {0x344, "mip"},
    {0x3a0, "pmpcfg0"},  {0x3a2, "pmpcfg2"},    {0x3b0, "pmpaddr0"},   {0x3b1, "pmpaddr1"},
    {0x3b2, "pmpaddr2"}, {0x3b3, "pmpaddr3"},   {0x7a0, "tselect"},    {0x7a1, "tdata1"},
    {0x7a2, "tdata2"},   {0x7a3, "tdata3"},     {0x7b0, "dcsr"},       {0x7b1, "dpc"},
    {0xb00, "mcycle"},   {0xb02, "minstret"},   {0xf11, "mvendorid"},  {0xf12, "marchid"},
    {0xf13, "mimpid"},   {0xf14, "mhartid"},    {0xf15, "mconfigptr"},
};

} // namespace

const char* csr_name(uint16_t csr) {
    for (const CsrName& n : kNames) {
        if (n.number == csr) return n.name;
    }
    return nullptr;
}

} // namespace machina::riscv
