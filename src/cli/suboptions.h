#pragma once
// QEMU-style sub-option strings: "value,key=value,flag,key2=a,,b" (",," is a literal comma).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace machina::cli {

/// An ordered list of key=value pairs parsed from one option argument.
class SubOptions {
  public:
    /// Parses `text`. When `implied_key` is non-empty, a first element without '=' is stored
    /// under that key ("-machine pc" → type=pc); other elements without '=' become key=on.
    static Result<SubOptions> parse(std::string_view text, std::string_view implied_key = {});

    /// The value of `key`, or nullopt. The last occurrence wins.
    std::optional<std::string> get(std::string_view key) const;
    /// True when `key` occurs.
    bool has(std::string_view key) const { return get(key).has_value(); }
    /// A boolean option: on/off, yes/no, true/false; errors name the option and key.
    Result<bool> get_bool(std::string_view key, bool fallback, std::string_view option) const;
    /// All pairs in order.
    const std::vector<std::pair<std::string, std::string>>& items() const { return m_items; }
    /// Error naming the first key not in `allowed` (empty list: every key is allowed).
    Result<void> check_keys(const std::vector<std::string_view>& allowed,
                            std::string_view option) const;

  private:
    std::vector<std::pair<std::string, std::string>> m_items;
};

/// Parses a size with an optional suffix (k, M, G, T, also with "B"/"iB"); a bare number is in
/// `default_unit` bytes (QEMU's -m uses MiB). Rejects zero, junk and overflow.
Result<uint64_t> parse_size(std::string_view text, uint64_t default_unit);

/// Parses an unsigned decimal or 0x-hex number.
Result<uint64_t> parse_number(std::string_view text);

} // namespace machina::cli
