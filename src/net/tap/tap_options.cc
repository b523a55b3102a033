#include "net/tap/tap_options.h"

#include <net/if.h>

#include <cstdlib>

namespace machina::net {

namespace {

Result<bool> parse_bool(const std::string& key, const std::string& value) {
    if (value == "on" || value == "yes" || value == "true") return true;
    if (value == "off" || value == "no" || value == "false") return false;
    return Error::make("-netdev tap: {}='{}' must be on or off", key, value);
}

} // namespace

Result<TapOptions>
parse_tap_options(const std::vector<std::pair<std::string, std::string>>& items) {
    TapOptions o;
    for (const auto& [key, value] : items) {
        if (key == "type") continue;
        if (key == "id") {
            o.id = value;
        } else if (key == "ifname") {
            if (value.empty() || value.size() >= IFNAMSIZ || value.find('/') != std::string::npos)
                return Error::make("-netdev tap: bad ifname '{}' (1 to {} characters, no '/')",
                                   value, IFNAMSIZ - 1);
            o.ifname = value;
        } else if (key == "script" || key == "downscript") {
            if (!value.empty() && value != "no")
                return Error::make("-netdev tap: {}={} is not supported: machina runs no "
                                   "scripts; configure the interface beforehand and use {}=no",
                                   key, value, key);
        } else if (key == "vnet_hdr") {
            o.vnet_hdr = TRY(parse_bool(key, value));
        } else if (key == "fd") {
            char* end = nullptr;
            long fd = std::strtol(value.c_str(), &end, 10);
            if (value.empty() || *end != '\0' || fd < 0 || fd > 1 << 20)
                return Error::make("-netdev tap: bad fd '{}'", value);
            o.fd = int(fd);
        } else {
            return Error::make("-netdev tap: unsupported parameter '{}' (ifname, script, "
                               "downscript, vnet_hdr, fd)",
                               key);
        }
    }
    if (o.fd >= 0 && !o.ifname.empty())
        return Error::make("-netdev tap: fd= and ifname= cannot be used together");
    return o;
}

} // namespace machina::net
