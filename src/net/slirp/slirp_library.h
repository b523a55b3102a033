#pragma once
// SlirpLibrary: libslirp's entry points, loaded with dlopen the first time a `-netdev user`
// backend is created. Linking libslirp directly would load it, glib and pcre2 into every
// machina process (about 1 MiB of resident memory and half a millisecond of start-up) even
// when the guest has no user-mode network.

#include <slirp/libslirp.h>

#include "base/result.h"

namespace machina::net {

/// The libslirp functions SlirpBackend calls.
struct SlirpLibrary {
    decltype(&::slirp_new) new_slirp = nullptr;
    decltype(&::slirp_cleanup) cleanup = nullptr;
    decltype(&::slirp_add_hostfwd) add_hostfwd = nullptr;
    decltype(&::slirp_input) input = nullptr;
    decltype(&::slirp_pollfds_fill) pollfds_fill = nullptr;
    decltype(&::slirp_pollfds_poll) pollfds_poll = nullptr;
    decltype(&::slirp_handle_timer) handle_timer = nullptr;
};

/// Loads libslirp.so.0 on the first call (thread-safe) and returns its entry points; the library
/// stays loaded. Every later call returns the same table, or the same error naming the package
/// to install.
Result<const SlirpLibrary*> slirp_library();

} // namespace machina::net
