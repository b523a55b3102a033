// Seeds for the ELF and kernel-image fuzz targets: small but well-formed riscv64 programs, PVH
// and bzImage x86 kernels, Linux Image / ELF / raw riscv kernels, and a few broken variants.
#include <elf.h>

#include <cstring>

#include "fuzz_common.h"
#include "seeds.h"

namespace machina::fuzz {
namespace {

void put16(std::vector<uint8_t>& b, size_t at, uint16_t v) {
    if (b.size() < at + 2) b.resize(at + 2);
    b[at] = uint8_t(v);
    b[at + 1] = uint8_t(v >> 8);
}
void put32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
    put16(b, at, uint16_t(v));
    put16(b, at + 2, uint16_t(v >> 16));
}
void put64(std::vector<uint8_t>& b, size_t at, uint64_t v) {
    put32(b, at, uint32_t(v));
    put32(b, at + 4, uint32_t(v >> 32));
}

/// `mode` byte, then `file`.
std::vector<uint8_t> with_mode(uint8_t mode, const std::vector<uint8_t>& file) {
    std::vector<uint8_t> out{mode};
    out.insert(out.end(), file.begin(), file.end());
    return out;
}

/// A riscv64 program: text (RX) and data+bss (RW) segments, optionally PIE and/or dynamic.
std::vector<uint8_t> riscv_program(bool pie, const char* interp) {
    ElfBuilder e;
    e.type = pie ? ET_DYN : ET_EXEC;
    uint64_t base = pie ? 0 : 0x10000;
    e.segments.resize(interp ? 5 : 4);
    size_t n = 0;
    ElfBuilder::Segment& phdr = e.segments[n++];
    phdr.type = PT_PHDR;
    phdr.flags = PF_R;
    phdr.offset = 64;
    phdr.vaddr = phdr.paddr = base + 64;
    phdr.filesz = phdr.memsz = 56 * e.segments.size();
    phdr.align = 8;
    uint64_t interp_at = e.body_offset();
    if (interp) {
        ElfBuilder::Segment& s = e.segments[n++];
        s.type = PT_INTERP;
        s.flags = PF_R;
        s.offset = interp_at;
        s.vaddr = s.paddr = base + interp_at;
        s.filesz = s.memsz = std::strlen(interp) + 1;
        s.align = 1;
        e.body.assign(interp, interp + s.filesz);
    }
    e.body.resize(0x2000 - e.body_offset(), 0);
    // A few instructions at the entry point: li a7, 93; ecall.
    const uint8_t code[] = {0x93, 0x08, 0xd0, 0x05, 0x73, 0x00, 0x00, 0x00};
    std::memcpy(e.body.data() + 0x100, code, sizeof code);
    ElfBuilder::Segment& text = e.segments[n++];
    text.flags = PF_R | PF_X;
    text.vaddr = text.paddr = base;
    text.filesz = text.memsz = 0x1000;
    ElfBuilder::Segment& data = e.segments[n++];
    data.flags = PF_R | PF_W;
    data.offset = 0x1000;
    data.vaddr = data.paddr = base + 0x1000 + 0x1000; // a page gap
    data.filesz = 0x800;
    data.memsz = 0x3000; // bss
    ElfBuilder::Segment& stack = e.segments[n++];
    stack.type = PT_GNU_STACK;
    stack.flags = PF_R | PF_W;
    stack.align = 16;
    e.entry = base + e.body_offset() + 0x100;
    return e.build();
}

/// A bzImage: boot sector, setup header (protocol `version`), `setup_sects` sectors of setup and
/// a small protected-mode kernel.
std::vector<uint8_t> bzimage(uint16_t version, uint8_t setup_sects, uint32_t init_size) {
    std::vector<uint8_t> b(size_t(setup_sects + 1) * 512 + 4096, 0);
    b[0x1f1] = setup_sects;
    put16(b, 0x1fe, 0xaa55);
    b[0x200] = 0xeb;
    b[0x201] = 0x66; // header ends at 0x268, past init_size
    put32(b, 0x202, 0x53726448);
    put16(b, 0x206, version);
    b[0x211] = 0x01; // LOADED_HIGH
    put32(b, 0x22c, 0x7fffffff);
    put16(b, 0x236, 0x0003); // XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G
    put32(b, 0x238, 2047);
    put32(b, 0x260, init_size);
    return b;
}

/// An x86-64 vmlinux with a Xen PVH entry note and one PT_LOAD at 1 MiB.
std::vector<uint8_t> pvh_kernel(uint32_t note_type, uint32_t descsz) {
    ElfBuilder e;
    e.machine = EM_X86_64;
    e.segments.resize(2);
    std::vector<uint8_t> note;
    put32(note, 0, 4);
    put32(note, 4, descsz);
    put32(note, 8, note_type);
    note.insert(note.end(), {'X', 'e', 'n', 0});
    for (uint32_t i = 0; i < descsz; i++)
        note.push_back(i == 0 ? 0x00 : i == 2 ? 0x10 : 0); // 0x100000 little-endian
    while (note.size() % 4)
        note.push_back(0);
    ElfBuilder::Segment& n = e.segments[0];
    n.type = PT_NOTE;
    n.offset = e.body_offset();
    n.filesz = n.memsz = note.size();
    n.align = 4;
    e.body = note;
    e.body.resize(0x1000 - e.body_offset(), 0);
    e.body.resize(e.body.size() + 0x1000, 0x90);
    ElfBuilder::Segment& load = e.segments[1];
    load.offset = 0x1000;
    load.vaddr = 0xffffffff81000000;
    load.paddr = 0x100000;
    load.filesz = 0x1000;
    load.memsz = 0x3000;
    e.entry = load.vaddr;
    return e.build();
}

/// A riscv64 ELF kernel or firmware loaded at `paddr`.
std::vector<uint8_t> riscv_elf_at(uint64_t paddr) {
    ElfBuilder e;
    e.segments.resize(1);
    e.segments[0].offset = 0x1000;
    e.segments[0].vaddr = e.segments[0].paddr = paddr;
    e.segments[0].filesz = 0x1000;
    e.segments[0].memsz = 0x2000;
    e.body.resize(0x2000 - e.body_offset(), 0x13);
    e.entry = paddr;
    return e.build();
}

/// A riscv Linux Image: the 64-byte header ("RISCV\0\0\0" at 48, "RSC\x05" at 56) and a body.
std::vector<uint8_t> linux_image() {
    std::vector<uint8_t> b(0x3000, 0x13);
    put32(b, 0, 0x0000006f); // j . (code0)
    put32(b, 4, 0);          // code1
    put64(b, 8, 0x200000);   // text_offset
    put64(b, 16, b.size());  // image_size
    put64(b, 24, 0);         // flags
    put32(b, 32, 2);         // version
    put64(b, 40, 0);         // res1/res2
    std::memcpy(b.data() + 48, "RISCV\0\0\0", 8);
    std::memcpy(b.data() + 56, "RSC\x05", 4);
    return b;
}

} // namespace

std::vector<uint8_t> ElfBuilder::build() const {
    std::vector<uint8_t> out(body_offset(), 0);
    std::memcpy(out.data(), ELFMAG, SELFMAG);
    out[EI_CLASS] = ELFCLASS64;
    out[EI_DATA] = ELFDATA2LSB;
    out[EI_VERSION] = EV_CURRENT;
    put16(out, 16, type);
    put16(out, 18, machine);
    put32(out, 20, EV_CURRENT);
    put64(out, 24, entry);
    put64(out, 32, 64); // e_phoff
    put16(out, 52, 64); // e_ehsize
    put16(out, 54, 56); // e_phentsize
    put16(out, 56, uint16_t(segments.size()));
    for (size_t i = 0; i < segments.size(); i++) {
        const Segment& s = segments[i];
        size_t at = 64 + 56 * i;
        put32(out, at, s.type);
        put32(out, at + 4, s.flags);
        put64(out, at + 8, s.offset);
        put64(out, at + 16, s.vaddr);
        put64(out, at + 24, s.paddr);
        put64(out, at + 32, s.filesz);
        put64(out, at + 40, s.memsz);
        put64(out, at + 48, s.align);
    }
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

std::vector<Seed> elf_loader_seeds() {
    std::vector<Seed> s;
    s.push_back({"static", riscv_program(false, nullptr)});
    s.push_back({"static-pie", riscv_program(true, nullptr)});
    s.push_back({"dynamic", riscv_program(true, "/lib/ld-linux-riscv64-lp64d.so.1")});
    s.push_back({"dynamic-exec", riscv_program(false, "/lib/ld.so")});
    auto interp_only = riscv_program(true, "/lib/ld.so");
    interp_only[EI_PAD] = 1; // placed as an interpreter
    s.push_back({"interpreter", interp_only});
    // Overflowing offsets and sizes in the first PT_LOAD (index 1 of the static program).
    auto base = riscv_program(false, nullptr);
    auto broken = [&](const char* name, size_t field, uint64_t value) {
        auto b = base;
        put64(b, 64 + 56 + field, value);
        s.push_back({name, b});
    };
    broken("offset-huge", 8, ~0ull - 0xfff);
    broken("vaddr-wraps", 16, ~0ull - 0xfff);
    broken("filesz-huge", 32, ~0ull);
    broken("memsz-huge", 40, 1ull << 62);
    auto phoff = base;
    put64(phoff, 32, ~0ull - 8);
    s.push_back({"phoff-wraps", phoff});
    auto phnum = base;
    put16(phnum, 56, 0xffff);
    s.push_back({"phnum-max", phnum});
    s.push_back({"header-only", std::vector<uint8_t>(base.begin(), base.begin() + 64)});
    auto x86 = base;
    put16(x86, 18, EM_X86_64);
    s.push_back({"x86-64", x86});
    return s;
}

std::vector<Seed> x86_kernel_seeds() {
    std::vector<Seed> s;
    s.push_back({"bzimage", with_mode(0, bzimage(0x020f, 4, 0x100000))});
    s.push_back({"bzimage-initrd", with_mode(2, bzimage(0x020f, 4, 0x100000))});
    s.push_back({"bzimage-big-initrd", with_mode(6, bzimage(0x020c, 1, 0x100000))});
    s.push_back({"bzimage-2m", with_mode(1, bzimage(0x020f, 4, 0x200000))});
    s.push_back({"bzimage-cmdline", with_mode(0x18, bzimage(0x0206, 0, 0))});
    s.push_back({"bzimage-old", with_mode(0, bzimage(0x0205, 4, 0))});
    auto past_end = bzimage(0x020f, 200, 0);
    past_end.resize(0x1000);
    s.push_back({"bzimage-setup-past-end", with_mode(0, past_end)});
    auto truncated = bzimage(0x020f, 4, 0);
    truncated.resize(0x240);
    s.push_back({"bzimage-truncated", with_mode(0, truncated)});
    s.push_back({"pvh", with_mode(0, pvh_kernel(18, 4))});
    s.push_back({"pvh-initrd-rsdp", with_mode(0x82, pvh_kernel(18, 8))});
    s.push_back({"pvh-bad-note", with_mode(0, pvh_kernel(18, 3))});
    s.push_back({"pvh-no-note", with_mode(1, pvh_kernel(17, 4))});
    // Regressions (pvh_loader.cc): a segment without bss ending at the top of the 32 MiB RAM,
    // and an empty segment whose file offset is the file's end.
    const size_t load = 64 + 56; // the PT_LOAD program header
    auto top = pvh_kernel(18, 4);
    put64(top, load + 24, (32u << 20) - 0x1000); // p_paddr
    put64(top, load + 40, 0x1000);               // p_memsz = p_filesz
    s.push_back({"pvh-top-of-ram", with_mode(0, top)});
    auto empty = pvh_kernel(18, 4);
    put64(empty, load + 8, empty.size()); // p_offset
    put64(empty, load + 32, 0);           // p_filesz
    s.push_back({"pvh-empty-at-eof", with_mode(0, empty)});
    return s;
}

std::vector<Seed> riscv_boot_seeds() {
    std::vector<Seed> s;
    s.push_back({"image", with_mode(0, linux_image())});
    s.push_back({"image-after-fw-initrd", with_mode(2 | 4, linux_image())});
    s.push_back({"image-big-initrd-8m", with_mode(2 | 4 | 8 | 0x10, linux_image())});
    s.push_back({"elf-kernel", with_mode(2, riscv_elf_at(0x80200000))});
    s.push_back({"elf-firmware", with_mode(1, riscv_elf_at(0x80000000))});
    s.push_back({"elf-firmware-kernel", with_mode(3, riscv_elf_at(0x80000000))});
    s.push_back({"elf-outside-ram", with_mode(0, riscv_elf_at(0x10000000))});
    s.push_back({"raw", with_mode(0, {0x13, 0, 0, 0, 0x6f, 0, 0, 0})});
    s.push_back({"gzip", with_mode(0, {0x1f, 0x8b, 8, 0})});
    s.push_back({"cpio", with_mode(0, {'0', '7', '0', '7', '0', '1', '0'})});
    s.push_back({"text", with_mode(0, {'#', '!', '/', 'b', 'i', 'n', '/', 's', 'h', '\n'})});
    auto bz = bzimage(0x020f, 4, 0);
    s.push_back({"bzimage", with_mode(0, bz)});
    return s;
}

} // namespace machina::fuzz
