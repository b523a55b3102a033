#include "linux_user/elf_loader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "base/bits.h"

namespace machina::linux_user {
namespace {

constexpr uint16_t kMaxPhnum = 512;

const char* machine_name(uint16_t m) {
    switch (m) {
    case EM_386: return "i386";
    case EM_X86_64: return "x86-64";
    case EM_ARM: return "arm";
    case EM_AARCH64: return "aarch64";
    case EM_PPC64: return "ppc64";
    case EM_S390: return "s390";
    default: return "unknown machine";
    }
}

int prot_of(uint32_t flags) {
    int p = 0;
    if (flags & PF_R) p |= PROT_READ;
    if (flags & PF_W) p |= PROT_WRITE;
    if (flags & PF_X) p |= PROT_EXEC;
    return p;
}

} // namespace

Result<ElfInfo> parse_elf(const ElfReader& read, uint64_t file_size) {
    Elf64_Ehdr eh{};
    if (file_size < SELFMAG) return Error::make("not an ELF file (too short)");
    unsigned char ident[SELFMAG];
    if (!read(0, ident, SELFMAG) || std::memcmp(ident, ELFMAG, SELFMAG) != 0)
        return Error::make("not an ELF file");
    if (file_size < sizeof eh || !read(0, &eh, sizeof eh))
        return Error::make("truncated ELF (header is {} bytes, file has {})", sizeof eh, file_size);
    if (eh.e_ident[EI_CLASS] != ELFCLASS64)
        return Error::make("not a 64-bit ELF (class {}); only riscv64 programs are supported",
                           eh.e_ident[EI_CLASS]);
    if (eh.e_ident[EI_DATA] != ELFDATA2LSB) return Error::make("not a little-endian ELF");
    if (eh.e_machine != EM_RISCV)
        return Error::make("not a RISC-V ELF (e_machine {}, {})", eh.e_machine,
                           machine_name(eh.e_machine));
    if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
        return Error::make("ELF type {} is not an executable (ET_EXEC or ET_DYN)", eh.e_type);
    if (eh.e_phentsize != sizeof(Elf64_Phdr))
        return Error::make("bad program header size {} (expected {})", eh.e_phentsize,
                           sizeof(Elf64_Phdr));
    if (eh.e_phnum == 0 || eh.e_phnum > kMaxPhnum)
        return Error::make("bad program header count {}", eh.e_phnum);
    uint64_t ph_end;
    if (!checked_add(eh.e_phoff, uint64_t(eh.e_phnum) * sizeof(Elf64_Phdr), &ph_end) ||
        ph_end > file_size)
        return Error::make("truncated ELF (program headers end at {:#x}, file has {:#x} bytes)",
                           ph_end, file_size);

    ElfInfo info;
    info.type = eh.e_type;
    info.entry = eh.e_entry;
    info.phoff = eh.e_phoff;
    info.phdrs.resize(eh.e_phnum);
    if (!read(eh.e_phoff, info.phdrs.data(), info.phdrs.size() * sizeof(Elf64_Phdr)))
        return Error::make("truncated ELF (cannot read program headers)");

    bool any_load = false;
    info.min_vaddr = UINT64_MAX;
    for (size_t i = 0; i < info.phdrs.size(); ++i) {
        const Elf64_Phdr& ph = info.phdrs[i];
        uint64_t end;
        if (ph.p_type == PT_INTERP) {
            if (ph.p_filesz < 2 || ph.p_filesz > 4096 ||
                !checked_add(ph.p_offset, ph.p_filesz, &end) || end > file_size)
                return Error::make("bad PT_INTERP segment");
            std::string s(ph.p_filesz, '\0');
            if (!read(ph.p_offset, s.data(), s.size())) return Error::make("bad PT_INTERP");
            if (s.back() != '\0') return Error::make("PT_INTERP is not NUL-terminated");
            s.resize(std::strlen(s.c_str()));
            info.interp = s;
        }
        if (ph.p_type != PT_LOAD) continue;
        any_load = true;
        if (ph.p_filesz > ph.p_memsz)
            return Error::make("segment {}: file size {:#x} exceeds memory size {:#x}", i,
                               ph.p_filesz, ph.p_memsz);
        if (!checked_add(ph.p_offset, ph.p_filesz, &end) || end > file_size)
            return Error::make("truncated ELF (segment {} ends at {:#x}, file has {:#x} bytes)", i,
                               end, file_size);
        if ((ph.p_vaddr - ph.p_offset) % kPageSize != 0)
            return Error::make("segment {}: address {:#x} and offset {:#x} disagree modulo the "
                               "page size",
                               i, ph.p_vaddr, ph.p_offset);
        uint64_t vend;
        if (!checked_add(ph.p_vaddr, ph.p_memsz, &vend) || vend > (uint64_t(1) << 47))
            return Error::make("segment {}: address range overflows", i);
        if (ph.p_align > 1 && std::has_single_bit(ph.p_align))
            info.max_align = std::max<uint64_t>(info.max_align, ph.p_align);
        info.min_vaddr = std::min(info.min_vaddr, align_down(ph.p_vaddr, kPageSize));
        info.max_vaddr = std::max(info.max_vaddr, vend);
    }
    if (!any_load) return Error::make("no loadable segments");
    if (info.max_align > (uint64_t(1) << 30)) info.max_align = uint64_t(1) << 30;
    return info;
}

Result<ElfInfo> parse_elf_bytes(std::span<const uint8_t> image) {
    return parse_elf(
        [&](uint64_t off, void* buf, size_t len) {
            if (off > image.size() || len > image.size() - off) return false;
            std::memcpy(buf, image.data() + off, len);
            return true;
        },
        image.size());
}

Result<ElfFile> open_elf(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Error::make("{}: {}", path, std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        ::close(fd);
        return Error::make("{}: is a directory", path);
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        return Error::make("{}: not a regular file", path);
    }
    auto reader = [fd](uint64_t off, void* buf, size_t len) {
        return ::pread(fd, buf, len, off_t(off)) == ssize_t(len);
    };
    auto info = parse_elf(reader, uint64_t(st.st_size));
    if (!info) {
        ::close(fd);
        return Error::make("{}: {}", path, info.error().message);
    }
    return ElfFile{path, fd, std::move(*info)};
}

Result<uint64_t> choose_bias(GuestAddressSpace& mm, const ElfInfo& info, bool is_interpreter) {
    if (info.type == ET_EXEC) return uint64_t(0);
    uint64_t span = align_up(info.max_vaddr, kPageSize) - info.min_vaddr;
    uint64_t align = std::max(info.max_align, kPageSize);
    if (!is_interpreter) {
        uint64_t base = align_up(mm.limit() / 3 * 2, align);
        if (mm.in_range(base, span)) return base - info.min_vaddr;
    }
    auto at = mm.find_free(span, align);
    if (!at) return Error::make("no room for a {:#x}-byte image", span);
    return *at - info.min_vaddr;
}

Result<LoadedElf> map_elf(GuestAddressSpace& mm, const ElfFile& elf, uint64_t bias) {
    const ElfInfo& info = elf.info;
    LoadedElf out;
    out.bias = bias;
    out.entry = info.entry + bias;
    out.phnum = info.phdrs.size();
    for (const Elf64_Phdr& ph : info.phdrs) {
        if (ph.p_type == PT_PHDR) out.phdr_addr = ph.p_vaddr + bias;
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0) continue;
        uint64_t vaddr = ph.p_vaddr + bias;
        uint64_t page = align_down(vaddr, kPageSize);
        uint64_t file_end = vaddr + ph.p_filesz;
        uint64_t mem_end = align_up(vaddr + ph.p_memsz, kPageSize);
        int prot = prot_of(ph.p_flags);
        if (!mm.in_range(page, mem_end - page))
            return Error::make("{}: segment at {:#x} lies outside the guest address space",
                               elf.path, vaddr);
        uint64_t mapped_end = page;
        if (ph.p_filesz > 0) {
            mapped_end = align_up(file_end, kPageSize);
            int64_t r = mm.mmap(page, mapped_end - page, prot, MAP_PRIVATE | MAP_FIXED, elf.fd,
                                align_down(ph.p_offset, kPageSize));
            if (r < 0)
                return Error::make("{}: mapping segment at {:#x}: {}", elf.path, vaddr,
                                   std::strerror(int(-r)));
            // Zero the tail of the last file page when the segment continues as bss.
            if (ph.p_memsz > ph.p_filesz && mapped_end > file_end) {
                uint8_t* last = mm.host(align_down(file_end, kPageSize));
                if (!(prot & PROT_WRITE)) ::mprotect(last, kPageSize, PROT_READ | PROT_WRITE);
                std::memset(mm.host(file_end), 0, mapped_end - file_end);
                if (!(prot & PROT_WRITE)) ::mprotect(last, kPageSize, host_prot(prot));
            }
        }
        if (mem_end > mapped_end) {
            int64_t r = mm.mmap(mapped_end, mem_end - mapped_end, prot,
                                MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
            if (r < 0)
                return Error::make("{}: mapping bss at {:#x}: {}", elf.path, mapped_end,
                                   std::strerror(int(-r)));
        }
        if (out.phdr_addr == 0 && info.phoff >= ph.p_offset &&
            info.phoff < ph.p_offset + ph.p_filesz)
            out.phdr_addr = vaddr + (info.phoff - ph.p_offset);
        out.end = std::max(out.end, vaddr + ph.p_memsz);
    }
    return out;
}

Result<std::string> find_interpreter(const std::string& interp, const std::string& prefix) {
    if (!prefix.empty() && prefix != "/") {
        std::string p = prefix + (interp.starts_with('/') ? "" : "/") + interp;
        if (::access(p.c_str(), F_OK) == 0) return p;
        return Error::make("cannot find ELF interpreter {} (looked under -L {})", interp, prefix);
    }
    if (::access(interp.c_str(), F_OK) == 0) return interp;
    return Error::make("cannot find ELF interpreter {} (no -L sysroot given)", interp);
}

} // namespace machina::linux_user
