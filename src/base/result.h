#pragma once
// Result<T>: the return type of every host/setup operation that can fail.
// Guest faults are not errors: they are values returned by the CPU loops.

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <variant>

#include <fmt/format.h>

#include "base/assert.h"

namespace machina {

/// A host or setup failure: a human-readable message and, when it came from the OS, the errno.
struct Error {
    std::string message;
    int sys_errno = 0;

    /// Builds an error from a format string.
    template <typename... Args>
    static Error make(fmt::format_string<Args...> f, Args&&... args) {
        return Error{fmt::format(f, std::forward<Args>(args)...), 0};
    }
    /// Builds an error from the current errno, appending strerror to the message.
    template <typename... Args>
    static Error from_errno(fmt::format_string<Args...> f, Args&&... args) {
        int e = errno;
        return Error{
            fmt::format("{}: {}", fmt::format(f, std::forward<Args>(args)...), std::strerror(e)),
            e};
    }
    /// Prefixes the message with context ("loading kernel: ...").
    Error context(std::string_view what) && {
        message = fmt::format("{}: {}", what, message);
        return std::move(*this);
    }
};

/// Either a value of T or an Error. Converts implicitly from both, so `return value;` and
/// `return Error::make(...)` both work.
template <typename T>
class [[nodiscard]] Result {
  public:
    Result(T value) : m_v(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : m_v(std::in_place_index<1>, std::move(error)) {}

    /// True when the result holds a value.
    bool ok() const { return m_v.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & {
        ASSERT(ok(), "Result::value() on an error");
        return std::get<0>(m_v);
    }
    const T& value() const& {
        ASSERT(ok(), "Result::value() on an error");
        return std::get<0>(m_v);
    }
    T&& value() && {
        ASSERT(ok(), "Result::value() on an error");
        return std::get<0>(std::move(m_v));
    }
    T& operator*() & { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const& {
        ASSERT(!ok(), "Result::error() on a value");
        return std::get<1>(m_v);
    }
    Error&& error() && {
        ASSERT(!ok(), "Result::error() on a value");
        return std::get<1>(std::move(m_v));
    }

  private:
    std::variant<T, Error> m_v;
};

/// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
  public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)), m_failed(true) {}

    bool ok() const { return !m_failed; }
    explicit operator bool() const { return ok(); }
    void value() const { ASSERT(ok(), "Result<void>::value() on an error"); }
    const Error& error() const& {
        ASSERT(!ok(), "Result::error() on a value");
        return m_error;
    }
    Error&& error() && {
        ASSERT(!ok(), "Result::error() on a value");
        return std::move(m_error);
    }

  private:
    Error m_error;
    bool m_failed = false;
};

/// Shorthand for a successful Result<void>.
inline Result<void> ok() {
    return {};
}

} // namespace machina

/// TRY(expr): evaluates a Result; on error returns the error from the enclosing function,
/// otherwise yields the value (moved). Uses a GNU statement expression (GCC and Clang).
#define TRY(expr)                                                                                  \
    ({                                                                                             \
        auto&& machina_try_result_ = (expr);                                                       \
        if (!machina_try_result_.ok()) return std::move(machina_try_result_).error();              \
        std::move(machina_try_result_).value();                                                    \
    })

/// TRY_CTX(expr, what): like TRY, but prefixes the error with a context string.
#define TRY_CTX(expr, what)                                                                        \
    ({                                                                                             \
        auto&& machina_try_result_ = (expr);                                                       \
        if (!machina_try_result_.ok())                                                             \
            return std::move(machina_try_result_).error().context(what);                           \
        std::move(machina_try_result_).value();                                                    \
    })
