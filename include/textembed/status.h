// Errors as values across the library boundary (LevelDB style): every public
// function that can fail returns a Status or a Result<T>; no exception escapes.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace textembed {

class Status {
 public:
  enum class Code {
    kOk = 0,
    kInvalidArgument,   // the caller's input is wrong (bad text, bad option)
    kNotFound,          // a file, model or token that should exist does not
    kIoError,           // the OS refused a read/write/mmap
    kCorruption,        // a file exists but its content is malformed
    kUnimplemented,     // a valid feature this build does not support
    kOutOfRange,        // a size or index beyond a limit
    kResourceExhausted, // memory or disk budget exceeded
    kInternal,          // a bug: an invariant did not hold
    kUnavailable,       // overloaded or shutting down: retry later
    kDeadlineExceeded,  // the caller's deadline passed before the work finished
  };

  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status IoError(std::string m) { return {Code::kIoError, std::move(m)}; }
  static Status Corruption(std::string m) { return {Code::kCorruption, std::move(m)}; }
  static Status Unimplemented(std::string m) { return {Code::kUnimplemented, std::move(m)}; }
  static Status OutOfRange(std::string m) { return {Code::kOutOfRange, std::move(m)}; }
  static Status ResourceExhausted(std::string m) { return {Code::kResourceExhausted, std::move(m)}; }
  static Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }
  static Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
  static Status DeadlineExceeded(std::string m) { return {Code::kDeadlineExceeded, std::move(m)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "invalid argument: <message>", or "OK".
  std::string ToString() const;

  // Prefixes the message with context ("loading config.json: ...") keeping the code.
  Status WithContext(const std::string& context) const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

const char* CodeName(Status::Code code);

// A value or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : state_(std::in_place_index<1>, std::move(status)) {  // NOLINT
    assert(!std::get<1>(state_).ok() && "Result built from an OK status has no value");
  }

  bool ok() const { return state_.index() == 0; }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<1>(state_);
  }
  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace textembed

#define TEXTEMBED_CONCAT_INNER(a, b) a##b
#define TEXTEMBED_CONCAT(a, b) TEXTEMBED_CONCAT_INNER(a, b)

#define TEXTEMBED_RETURN_IF_ERROR(expr)            \
  do {                                             \
    ::textembed::Status _te_status = (expr);       \
    if (!_te_status.ok()) return _te_status;       \
  } while (0)

#define TEXTEMBED_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                    \
  if (!tmp.ok()) return tmp.status();                   \
  lhs = std::move(tmp).value()

// TEXTEMBED_ASSIGN_OR_RETURN(auto x, MakeX());
#define TEXTEMBED_ASSIGN_OR_RETURN(lhs, expr) \
  TEXTEMBED_ASSIGN_OR_RETURN_IMPL(TEXTEMBED_CONCAT(_te_result_, __LINE__), lhs, expr)
