#include "linux_user/elf_loader.h"

#include <sys/mman.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>

namespace machina::linux_user {
namespace {

/// A minimal, valid static riscv64 ELF: header, one PT_LOAD covering the file.
std::vector<uint8_t> good_elf(uint16_t type = ET_EXEC) {
    std::vector<uint8_t> img(4096, 0);
    Elf64_Ehdr eh{};
    std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = type;
    eh.e_machine = EM_RISCV;
    eh.e_version = EV_CURRENT;
    eh.e_entry = 0x10078;
    eh.e_phoff = sizeof(Elf64_Ehdr);
    eh.e_ehsize = sizeof(Elf64_Ehdr);
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = 1;
    std::memcpy(img.data(), &eh, sizeof eh);
    Elf64_Phdr ph{};
    ph.p_type = PT_LOAD;
    ph.p_flags = PF_R | PF_X;
    ph.p_offset = 0;
    ph.p_vaddr = 0x10000;
    ph.p_filesz = 4096;
    ph.p_memsz = 8192;
    ph.p_align = 4096;
    std::memcpy(img.data() + sizeof eh, &ph, sizeof ph);
    return img;
}

Elf64_Ehdr* ehdr(std::vector<uint8_t>& img) {
    return reinterpret_cast<Elf64_Ehdr*>(img.data());
}
Elf64_Phdr* phdr(std::vector<uint8_t>& img, size_t i = 0) {
    return reinterpret_cast<Elf64_Phdr*>(img.data() + sizeof(Elf64_Ehdr)) + i;
}

std::string error_of(const std::vector<uint8_t>& img) {
    auto r = parse_elf_bytes(img);
    return r.ok() ? std::string("<ok>") : r.error().message;
}

TEST(ElfLoader, AcceptsValidImage) {
    auto img = good_elf();
    auto r = parse_elf_bytes(img);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->entry, 0x10078u);
    EXPECT_EQ(r->min_vaddr, 0x10000u);
    EXPECT_EQ(r->max_vaddr, 0x12000u);
    EXPECT_TRUE(r->interp.empty());
}

TEST(ElfLoader, RejectsNonElf) {
    std::vector<uint8_t> text = {'#', '!', '/', 'b', 'i', 'n', '/', 's', 'h', '\n'};
    EXPECT_NE(error_of(text).find("not an ELF"), std::string::npos);
    EXPECT_NE(error_of({}).find("not an ELF"), std::string::npos);
}

TEST(ElfLoader, RejectsWrongMachineAndClass) {
    auto img = good_elf();
    ehdr(img)->e_machine = EM_X86_64;
    EXPECT_NE(error_of(img).find("not a RISC-V ELF"), std::string::npos) << error_of(img);
    img = good_elf();
    ehdr(img)->e_ident[EI_CLASS] = ELFCLASS32;
    EXPECT_NE(error_of(img).find("64-bit"), std::string::npos);
    img = good_elf();
    ehdr(img)->e_type = ET_REL;
    EXPECT_NE(error_of(img).find("not an executable"), std::string::npos);
}

TEST(ElfLoader, RejectsTruncatedFiles) {
    auto img = good_elf();
    img.resize(40); // header cut short
    EXPECT_NE(error_of(img).find("truncated"), std::string::npos) << error_of(img);
    img = good_elf();
    img.resize(sizeof(Elf64_Ehdr) + 10); // program headers cut short
    EXPECT_NE(error_of(img).find("truncated"), std::string::npos) << error_of(img);
    img = good_elf();
    img.resize(2048); // segment past the end of the file
    EXPECT_NE(error_of(img).find("truncated"), std::string::npos) << error_of(img);
}

TEST(ElfLoader, RejectsBadProgramHeaders) {
    auto img = good_elf();
    ehdr(img)->e_phentsize = 32;
    EXPECT_NE(error_of(img).find("program header size"), std::string::npos);
    img = good_elf();
    ehdr(img)->e_phnum = 0;
    EXPECT_NE(error_of(img).find("program header count"), std::string::npos);
    img = good_elf();
    ehdr(img)->e_phoff = ~uint64_t(0) - 8;
    EXPECT_NE(error_of(img).find("truncated"), std::string::npos);
    img = good_elf();
    phdr(img)->p_memsz = 100; // filesz > memsz
    EXPECT_NE(error_of(img).find("exceeds memory size"), std::string::npos);
    img = good_elf();
    phdr(img)->p_vaddr = 0x10010; // vaddr/offset disagree
    EXPECT_NE(error_of(img).find("modulo the page size"), std::string::npos);
    img = good_elf();
    phdr(img)->p_type = PT_NOTE;
    EXPECT_NE(error_of(img).find("no loadable segments"), std::string::npos);
}

TEST(ElfLoader, ReadsInterpreter) {
    auto img = good_elf(ET_DYN);
    ehdr(img)->e_phnum = 2;
    Elf64_Phdr* interp = phdr(img, 1);
    *interp = Elf64_Phdr{};
    interp->p_type = PT_INTERP;
    interp->p_offset = 0x200;
    const char path[] = "/lib/ld-linux-riscv64-lp64d.so.1";
    interp->p_filesz = sizeof path;
    std::memcpy(img.data() + 0x200, path, sizeof path);
    auto r = parse_elf_bytes(img);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->interp, path);
    img[0x200 + sizeof path - 1] = 'x'; // no terminator
    EXPECT_NE(error_of(img).find("NUL"), std::string::npos);
}

TEST(ElfLoader, MissingInterpreterNamesPrefix) {
    auto r = find_interpreter("/lib/ld-linux-riscv64-lp64d.so.1", "/nonexistent-sysroot");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("/nonexistent-sysroot"), std::string::npos);
}

TEST(ElfLoader, OpenErrorsNameTheFile) {
    auto missing = open_elf("/nonexistent/program");
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().message.find("/nonexistent/program"), std::string::npos);
    auto dir = open_elf("/tmp");
    ASSERT_FALSE(dir.ok());
    EXPECT_NE(dir.error().message.find("directory"), std::string::npos);
}

TEST(ElfLoader, MapsSegmentsAndZeroesBss) {
    auto img = good_elf();
    img[4095] = 0xAB;
    phdr(img)->p_filesz = 4000; // bytes 4000.. are bss and must read as zero
    phdr(img)->p_flags = PF_R | PF_W;
    char name[] = "/tmp/machina_elf_test_XXXXXX";
    int fd = mkstemp(name);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(write(fd, img.data(), img.size()), ssize_t(img.size()));
    auto mm = GuestAddressSpace::create(uint64_t(1) << 32);
    ASSERT_TRUE(mm.ok());
    ElfFile elf{name, fd, *parse_elf_bytes(img)};
    auto loaded = map_elf(**mm, elf, 0);
    close(fd);
    unlink(name);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    EXPECT_EQ(loaded->entry, 0x10078u);
    EXPECT_EQ(loaded->phdr_addr, 0x10000u + sizeof(Elf64_Ehdr));
    EXPECT_EQ(loaded->end, 0x12000u);
    EXPECT_EQ(std::memcmp((*mm)->host(0x10000), ELFMAG, SELFMAG), 0);
    EXPECT_EQ((*mm)->host(0x10000)[4095], 0);
    EXPECT_TRUE((*mm)->check(0x10000, 0x2000, PROT_READ | PROT_WRITE));
    EXPECT_FALSE((*mm)->check(0x10000, 0x3000, PROT_READ));
}

} // namespace
} // namespace machina::linux_user
