// libFuzzer target: the QEMU-style command line of the system emulators (src/cli/options.*,
// suboptions.*). The input is an argument vector with NUL bytes between the arguments. Every
// argument is also given to the sub-option, size and number parsers on their own.
#include <cstdlib>
#include <string_view>
#include <vector>

#include "cli/options.h"
#include "cli/suboptions.h"

using namespace machina;
using namespace machina::cli;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::vector<std::string_view> args;
    for (size_t start = 0; start <= text.size();) {
        size_t end = text.find('\0', start);
        if (end == std::string_view::npos) end = text.size();
        args.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    auto config = parse_command_line(args);
    // A failed parse says which option was wrong, on one line (unless an argument held a line
    // break, which the message quotes).
    if (!config) {
        const std::string& msg = config.error().message;
        if (msg.empty()) std::abort();
        if (msg.find('\n') != std::string::npos && text.find('\n') == std::string_view::npos)
            std::abort();
    }
    for (std::string_view a : args) {
        (void)SubOptions::parse(a);
        if (auto opts = SubOptions::parse(a, "type")) {
            (void)opts->get_bool("on", false, "-fuzz");
            (void)opts->check_keys({"type", "id", "file"}, "-fuzz");
        }
        auto bytes = parse_size(a, 1ull << 20);
        if (bytes && *bytes == 0) std::abort(); // zero sizes are refused
        (void)parse_number(a);
    }
    return 0;
}
