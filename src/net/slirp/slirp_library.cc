#include "net/slirp/slirp_library.h"

#include <dlfcn.h>

namespace machina::net {

namespace {

constexpr const char* kSoname = "libslirp.so.0";

/// Looks `name` up in `handle` into `*fn`; false when the library lacks it.
template <typename Fn>
bool bind(void* handle, const char* name, Fn* fn) {
    *fn = reinterpret_cast<Fn>(::dlsym(handle, name));
    return *fn != nullptr;
}

Result<const SlirpLibrary*> load() {
    void* handle = ::dlopen(kSoname, RTLD_NOW | RTLD_LOCAL);
    if (!handle)
        return Error::make("-netdev user: cannot load {} ({}); install the libslirp0 package",
                           kSoname, ::dlerror());
    static SlirpLibrary lib;
    const bool all = bind(handle, "slirp_new", &lib.new_slirp) &&
                     bind(handle, "slirp_cleanup", &lib.cleanup) &&
                     bind(handle, "slirp_add_hostfwd", &lib.add_hostfwd) &&
                     bind(handle, "slirp_input", &lib.input) &&
                     bind(handle, "slirp_pollfds_fill", &lib.pollfds_fill) &&
                     bind(handle, "slirp_pollfds_poll", &lib.pollfds_poll) &&
                     bind(handle, "slirp_handle_timer", &lib.handle_timer);
    if (!all)
        return Error::make("-netdev user: {} lacks an entry point machina needs ({})", kSoname,
                           ::dlerror());
    return &lib;
}

} // namespace

Result<const SlirpLibrary*> slirp_library() {
    static const Result<const SlirpLibrary*> loaded = load();
    return loaded;
}

} // namespace machina::net
