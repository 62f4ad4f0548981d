// Expected failures (I/O, parsing, SQLite) travel as values: a Result holds
// either the value or an Error whose message is ready to show to a user.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace base {

struct Error {
    std::string message;  // "<what> (<where>)", no "deja: error:" prefix
};

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : state_(std::move(value)) {}
    Result(Error error) : state_(std::move(error)) {}

    bool ok() const { return state_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(state_); }
    const T& value() const& { return std::get<0>(state_); }
    T&& value() && { return std::get<0>(std::move(state_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const { return std::get<1>(state_); }

private:
    std::variant<T, Error> state_;
};

// For operations that produce nothing but may fail.
struct Ok {};
using Status = Result<Ok>;

inline Error error(std::string message) { return Error{std::move(message)}; }

}  // namespace base
