#include "boards/riscv_virt/virt_monitor.h"

#include <sstream>
#include <vector>

namespace machina::boards::riscv_virt {
namespace {

constexpr std::string_view kPrompt = "(machina) ";

constexpr std::string_view kHelp = "help|?                 list commands\n"
                                   "info status            whether the machine runs\n"
                                   "info mtree             memory map\n"
                                   "info cpus              harts and instructions retired\n"
                                   "info registers         pc, privilege, CSRs, x1-x31 of each "
                                   "hart\n"
                                   "system_reset           reset the machine\n"
                                   "quit|q                 quit machina\n";

std::vector<std::string> split_words(std::string_view line) {
    std::vector<std::string> words;
    std::istringstream in{std::string(line)};
    for (std::string w; in >> w;)
        words.push_back(w);
    return words;
}

std::string call(const std::function<std::string()>& f, std::string_view what) {
    if (!f) return std::string(what) + " is not available\n";
    return f();
}

} // namespace

void Monitor::write(std::string_view text) {
    // The terminal is raw: every line end needs its carriage return.
    std::string out;
    for (char c : text) {
        if (c == '\n') out += '\r';
        out += c;
    }
    m_out(out);
}

void Monitor::toggle(bool active) {
    m_line.clear();
    if (active)
        write(std::string("\nmachina monitor - type 'help' for more information\n") +
              std::string(kPrompt));
    else
        write("\n");
}

void Monitor::input(uint8_t byte) {
    if (byte == '\r' || byte == '\n') {
        std::string line = std::move(m_line);
        m_line.clear();
        write("\n");
        write(execute(line));
        write(kPrompt);
    } else if (byte == 0x7f || byte == 0x08) {
        if (!m_line.empty()) {
            m_line.pop_back();
            write("\b \b");
        }
    } else if (byte >= 0x20 && byte < 0x7f) {
        m_line += char(byte);
        write(std::string_view(reinterpret_cast<const char*>(&byte), 1));
    }
}

std::string Monitor::execute(std::string_view line) {
    std::vector<std::string> words = split_words(line);
    if (words.empty()) return {};
    const std::string& cmd = words[0];
    if (cmd == "help" || cmd == "?" || cmd == "h") return std::string(kHelp);
    if (cmd == "info") {
        std::string what = words.size() > 1 ? words[1] : "";
        if (what == "status") return "VM status: " + call(m_commands.info_status, "info status");
        if (what == "mtree") return call(m_commands.info_mtree, "info mtree");
        if (what == "cpus") return call(m_commands.info_cpus, "info cpus");
        if (what == "registers" || what == "reg")
            return call(m_commands.info_registers, "info registers");
        return "info: unknown item '" + what + "' (status, mtree, cpus, registers)\n";
    }
    if (cmd == "system_reset") {
        if (!m_commands.system_reset) return "system_reset is not available\n";
        m_commands.system_reset();
        return {};
    }
    if (cmd == "quit" || cmd == "q") {
        if (m_commands.quit) m_commands.quit();
        return {};
    }
    return "unknown command: '" + cmd + "' (try help)\n";
}

} // namespace machina::boards::riscv_virt
