#pragma once
// Result<T>: an expected-like type (g++ 12 has no std::expected in C++20) carrying a core::Error.
#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

#include "core/error.hpp"

namespace tenantctl {

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_v(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : m_v(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return m_v.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & {
        assert(ok());
        return std::get<0>(m_v);
    }
    const T& value() const& {
        assert(ok());
        return std::get<0>(m_v);
    }
    T&& value() && {
        assert(ok());
        return std::get<0>(std::move(m_v));
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    Error& error() & {
        assert(!ok());
        return std::get<1>(m_v);
    }
    const Error& error() const& {
        assert(!ok());
        return std::get<1>(m_v);
    }
    Error&& error() && {
        assert(!ok());
        return std::get<1>(std::move(m_v));
    }

    T value_or(T fallback) const& { return ok() ? value() : std::move(fallback); }

private:
    std::variant<T, Error> m_v;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)), m_ok(false) {}
    bool ok() const { return m_ok; }
    explicit operator bool() const { return m_ok; }
    const Error& error() const& {
        assert(!m_ok);
        return m_error;
    }
    Error& error() & {
        assert(!m_ok);
        return m_error;
    }
    Error&& error() && {
        assert(!m_ok);
        return std::move(m_error);
    }
    void value() const {}

private:
    Error m_error;
    bool m_ok = true;
};

using Status = Result<void>;
inline Status ok_status() {
    return {};
}

}  // namespace tenantctl

// TRY(expr): evaluate a Result; on error return the error from the enclosing function.
#define TENANTCTL_CONCAT_(a, b) a##b
#define TENANTCTL_CONCAT(a, b) TENANTCTL_CONCAT_(a, b)
#define TRY_STATUS(expr)                                  \
    do {                                                  \
        auto&& _tc_r = (expr);                            \
        if (!_tc_r.ok()) return std::move(_tc_r).error(); \
    } while (0)
// TRY_ASSIGN(lhs, expr): `auto x` or an existing lvalue.
#define TRY_ASSIGN(lhs, expr) TRY_ASSIGN_IMPL(TENANTCTL_CONCAT(_tc_res_, __LINE__), lhs, expr)
#define TRY_ASSIGN_IMPL(tmp, lhs, expr)           \
    auto tmp = (expr);                            \
    if (!tmp.ok()) return std::move(tmp).error(); \
    lhs = std::move(tmp).value()
