#include "cli/suboptions.h"

#include <charconv>

namespace machina::cli {

Result<SubOptions> SubOptions::parse(std::string_view text, std::string_view implied_key) {
    SubOptions out;
    std::vector<std::string> parts;
    std::string current;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == ',') {
            if (i + 1 < text.size() && text[i + 1] == ',') {
                current += ',';
                ++i;
                continue;
            }
            parts.push_back(std::move(current));
            current.clear();
            continue;
        }
        current += c;
    }
    parts.push_back(std::move(current));
    for (size_t i = 0; i < parts.size(); ++i) {
        const std::string& part = parts[i];
        if (part.empty()) {
            if (parts.size() == 1) break; // an empty argument: no options
            return Error::make("empty element in option list '{}'", text);
        }
        size_t eq = part.find('=');
        if (eq == std::string::npos) {
            if (i == 0 && !implied_key.empty())
                out.m_items.emplace_back(std::string(implied_key), part);
            else
                out.m_items.emplace_back(part, "on");
            continue;
        }
        if (eq == 0) return Error::make("missing key before '=' in '{}'", text);
        out.m_items.emplace_back(part.substr(0, eq), part.substr(eq + 1));
    }
    return out;
}

std::optional<std::string> SubOptions::get(std::string_view key) const {
    for (auto it = m_items.rbegin(); it != m_items.rend(); ++it)
        if (it->first == key) return it->second;
    return std::nullopt;
}

Result<bool> SubOptions::get_bool(std::string_view key, bool fallback,
                                  std::string_view option) const {
    auto v = get(key);
    if (!v) return fallback;
    if (*v == "on" || *v == "yes" || *v == "true") return true;
    if (*v == "off" || *v == "no" || *v == "false") return false;
    return Error::make("{}: '{}={}' is not a boolean (use on or off)", option, key, *v);
}

Result<void> SubOptions::check_keys(const std::vector<std::string_view>& allowed,
                                    std::string_view option) const {
    if (allowed.empty()) return ok();
    for (const auto& [key, value] : m_items) {
        bool known = false;
        for (auto a : allowed)
            known = known || a == key;
        if (!known) return Error::make("{}: unknown parameter '{}'", option, key);
    }
    return ok();
}

Result<uint64_t> parse_number(std::string_view text) {
    int base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        base = 16;
        text.remove_prefix(2);
    }
    uint64_t value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size())
        return Error::make("'{}' is not a number", text);
    return value;
}

Result<uint64_t> parse_size(std::string_view text, uint64_t default_unit) {
    size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9')
        ++digits;
    if (digits == 0) return Error::make("'{}' is not a size", text);
    uint64_t value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + digits, value);
    if (ec != std::errc()) return Error::make("size '{}' is out of range", text);
    std::string_view suffix = text.substr(digits);
    uint64_t unit = default_unit;
    if (!suffix.empty()) {
        switch (suffix[0]) {
        case 'b':
        case 'B': unit = 1; break;
        case 'k':
        case 'K': unit = 1ull << 10; break;
        case 'm':
        case 'M': unit = 1ull << 20; break;
        case 'g':
        case 'G': unit = 1ull << 30; break;
        case 't':
        case 'T': unit = 1ull << 40; break;
        default: return Error::make("'{}' has an unknown size suffix", text);
        }
        std::string_view rest = suffix.substr(1);
        if (!(rest.empty() || rest == "B" || rest == "iB" || (suffix[0] == 'b' && rest.empty())))
            return Error::make("'{}' has an unknown size suffix", text);
        if ((suffix[0] == 'b' || suffix[0] == 'B') && !rest.empty())
            return Error::make("'{}' has an unknown size suffix", text);
    }
    if (value == 0) return Error::make("size '{}' must not be zero", text);
    uint64_t bytes = 0;
    if (__builtin_mul_overflow(value, unit, &bytes))
        return Error::make("size '{}' is out of range", text);
    return bytes;
}

} // namespace machina::cli
