#pragma once
// ASSERT and UNREACHABLE: for broken invariants (bugs in machina), never for bad input.

namespace machina::detail {
/// Prints the failed assertion with its location and aborts.
[[noreturn]] void assert_failed(const char* expr, const char* msg, const char* file, int line);
} // namespace machina::detail

/// Aborts with a message when `cond` is false. Kept in release builds: a broken invariant in an
/// emulator corrupts guest state silently otherwise.
#define ASSERT(cond, msg)                                                                          \
    do {                                                                                           \
        if (__builtin_expect(!(cond), 0))                                                          \
            ::machina::detail::assert_failed(#cond, msg, __FILE__, __LINE__);                      \
    } while (0)

/// Marks a path that cannot be taken; aborts if it is.
#define UNREACHABLE()                                                                              \
    ::machina::detail::assert_failed("unreachable", "reached UNREACHABLE()", __FILE__, __LINE__)
