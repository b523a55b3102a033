#include "linux_user/guest_access.h"

#include <unistd.h>

#include "base/bits.h"

namespace machina::linux_user {

bool copy_from_guest(void* dst, uint64_t src, size_t len) {
    Process& p = process();
    if (!p.mm->check(src, len, PROT_READ)) return false;
    std::memcpy(dst, p.mm->host(src), len);
    return true;
}

bool copy_to_guest(uint64_t dst, const void* src, size_t len) {
    Process& p = process();
    if (!p.mm->check(dst, len, PROT_WRITE)) return false;
    std::memcpy(p.mm->host(dst), src, len);
    return true;
}

std::optional<std::string> read_guest_string(uint64_t a, size_t max) {
    Process& p = process();
    std::string out;
    while (out.size() < max) {
        uint64_t page_end = align_down(a, kPageSize) + kPageSize;
        if (!p.mm->check(a, 1, PROT_READ)) return std::nullopt;
        const char* s = reinterpret_cast<const char*>(p.mm->host(a));
        size_t n = page_end - a;
        size_t len = strnlen(s, n);
        out.append(s, len);
        if (len < n) return out;
        a = page_end;
    }
    return std::nullopt;
}

std::optional<std::vector<std::string>> read_guest_string_array(uint64_t a) {
    std::vector<std::string> out;
    if (a == 0) return out;
    for (;; a += 8) {
        uint64_t ptr;
        if (!copy_from_guest(&ptr, a, 8)) return std::nullopt;
        if (ptr == 0) return out;
        auto s = read_guest_string(ptr, 1 << 20);
        if (!s) return std::nullopt;
        out.push_back(std::move(*s));
        if (out.size() > 65536) return std::nullopt;
    }
}

std::string proc_self_entry(const std::string& path) {
    if (path.starts_with("/proc/self/")) return path.substr(11);
    if (path.starts_with("/proc/thread-self/")) return path.substr(18);
    if (!path.starts_with("/proc/")) return {}; // (no getpid for every other path)
    std::string mine = "/proc/" + std::to_string(::getpid()) + "/";
    if (path.starts_with(mine)) return path.substr(mine.size());
    return {};
}

std::string host_path(const std::string& guest_path) {
    const std::string& prefix = process().options.ld_prefix;
    if (prefix.empty() || prefix == "/" || !guest_path.starts_with('/')) return guest_path;
    if (guest_path.starts_with("/proc/") || guest_path.starts_with("/dev/") ||
        guest_path.starts_with("/sys/") || guest_path.starts_with("/tmp/") || guest_path == "/")
        return guest_path;
    std::string p = prefix + guest_path;
    if (::access(p.c_str(), F_OK) == 0) return p;
    return guest_path;
}

} // namespace machina::linux_user
