#include "base/assert.h"

#include <cstdio>
#include <cstdlib>

namespace machina::detail {

void assert_failed(const char* expr, const char* msg, const char* file, int line) {
    std::fprintf(stderr, "machina: internal error: %s:%d: assertion `%s' failed: %s\n", file, line,
                 expr, msg);
    std::abort();
}

} // namespace machina::detail
