// Result<T>: a value or an Error, for anything a peer, a user or the OS can cause.
// We carry our own instead of std::expected because clang 14 (the libFuzzer compiler here)
// cannot compile libstdc++'s <expected>; the surface mirrors std::expected so a later
// switch is mechanical.
#pragma once

#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace aipg {

// One error enum for the project; modules put the detail in the message.
enum class Errc {
  invalid_argument,    // caller passed something unusable
  malformed,           // bytes from a peer or a file do not parse
  too_large,           // a length or count is over a limit
  unsupported,         // well-formed but not something we speak (protocol, key type, code)
  protocol_violation,  // the peer broke the protocol's rules
  auth_failed,         // a signature, MAC or identity check failed
  timeout,
  closed,  // the other side (or we) closed
  io,      // the OS said no
  not_found,
  resource_limit,  // a configured limit (connections, streams) is reached
  internal,
};

const char* errc_name(Errc c);

struct Error {
  Errc code;
  std::string message;

  // "malformed: varint: more than 9 bytes"
  std::string to_string() const;
};

inline Error make_error(Errc code, std::string message) { return Error{code, std::move(message)}; }

template <class T>
class [[nodiscard]] Result {
 public:
  using value_type = T;

  Result(const T& v) : v_(std::in_place_index<0>, v) {}
  Result(T&& v) : v_(std::in_place_index<0>, std::move(v)) {}
  template <class U, class = std::enable_if_t<std::is_constructible_v<T, U&&> &&
                                              !std::is_same_v<std::decay_t<U>, Result> &&
                                              !std::is_same_v<std::decay_t<U>, Error>>>
  Result(U&& v) : v_(std::in_place_index<0>, T(std::forward<U>(v))) {}
  Result(Error e) : v_(std::in_place_index<1>, std::move(e)) {}

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error e) : err_(std::move(e)), ok_(false) {}

  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const& { return err_; }
  Error&& error() && { return std::move(err_); }

 private:
  Error err_{Errc::internal, {}};
  bool ok_ = true;
};

using Status = Result<void>;

inline Status ok() { return Status(); }

}  // namespace aipg

// Propagate an error from a Result-returning expression; bind the value otherwise.
//   AIPG_TRY_ASSIGN(auto key, parse_key(bytes));
#define AIPG_CONCAT_INNER(a, b) a##b
#define AIPG_CONCAT(a, b) AIPG_CONCAT_INNER(a, b)
#define AIPG_TRY_ASSIGN(lhs, expr) AIPG_TRY_ASSIGN_IMPL(AIPG_CONCAT(aipg_r_, __LINE__), lhs, expr)
#define AIPG_TRY_ASSIGN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                         \
  if (!tmp) return std::move(tmp).error();   \
  lhs = std::move(tmp).value()
#define AIPG_TRY(expr)                               \
  do {                                               \
    auto aipg_s_ = (expr);                           \
    if (!aipg_s_) return std::move(aipg_s_).error(); \
  } while (0)
