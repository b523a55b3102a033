#include "boards/common/image_loader.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "base/bits.h"
#include "base/unique_fd.h"

namespace machina::boards {

Result<std::vector<uint8_t>> read_file(const std::string& path, const char* what) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return Error::from_errno("cannot open {} '{}'", what, path);
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) return Error::from_errno("cannot stat {} '{}'", what, path);
    if (!S_ISREG(st.st_mode)) return Error::make("{} '{}' is not a regular file", what, path);
    std::vector<uint8_t> bytes(size_t(st.st_size));
    size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::read(fd.get(), bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Error::from_errno("cannot read {} '{}'", what, path);
        if (n == 0) break;
        done += size_t(n);
    }
    bytes.resize(done);
    return bytes;
}

Result<LoadedImage> load_blob(core::GuestMemory& memory, const std::vector<uint8_t>& bytes,
                              uint64_t addr, const std::string& what) {
    if (bytes.empty()) return Error::make("{} is empty", what);
    if (!memory.host_ptr(addr, bytes.size()))
        return Error::make("{} ({} bytes) does not fit in guest RAM at {:#x}", what, bytes.size(),
                           addr);
    TRY(memory.write(addr, bytes.data(), bytes.size()));
    return LoadedImage{addr, addr + bytes.size(), addr};
}

bool is_elf(const std::vector<uint8_t>& bytes) {
    return bytes.size() >= SELFMAG && std::memcmp(bytes.data(), ELFMAG, SELFMAG) == 0;
}

Result<LoadedImage> load_elf64(core::GuestMemory& memory, const std::vector<uint8_t>& bytes,
                               uint16_t machine, const std::string& what) {
    Elf64_Ehdr eh;
    if (bytes.size() < sizeof eh) return Error::make("{} is a truncated ELF file", what);
    std::memcpy(&eh, bytes.data(), sizeof eh);
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB)
        return Error::make("{} is not a 64-bit little-endian ELF file", what);
    if (eh.e_machine != machine)
        return Error::make("{} is an ELF file for machine {}, not {}", what, eh.e_machine, machine);
    if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0)
        return Error::make("{} has no usable program headers", what);
    uint64_t ph_end = 0;
    if (!checked_add(eh.e_phoff, uint64_t(eh.e_phnum) * sizeof(Elf64_Phdr), &ph_end) ||
        ph_end > bytes.size())
        return Error::make("{} is truncated (program headers beyond the end)", what);

    LoadedImage image{~0ull, 0, eh.e_entry};
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        std::memcpy(&ph, bytes.data() + eh.e_phoff + i * sizeof ph, sizeof ph);
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0) continue;
        uint64_t file_end = 0;
        if (ph.p_filesz > ph.p_memsz || !checked_add(ph.p_offset, ph.p_filesz, &file_end) ||
            file_end > bytes.size())
            return Error::make("{} is truncated (segment {} beyond the end)", what, i);
        uint8_t* dst = memory.host_ptr(ph.p_paddr, ph.p_memsz);
        if (!dst)
            return Error::make("{}: segment {} at {:#x} ({:#x} bytes) is outside guest RAM", what,
                               i, ph.p_paddr, ph.p_memsz);
        std::memcpy(dst, bytes.data() + ph.p_offset, ph.p_filesz);
        std::memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
        image.start = std::min(image.start, ph.p_paddr);
        image.end = std::max(image.end, ph.p_paddr + ph.p_memsz);
    }
    if (image.end == 0) return Error::make("{} has no loadable segments", what);
    return image;
}

} // namespace machina::boards
