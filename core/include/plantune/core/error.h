#pragma once
// The one error model of plantune.
//
// Public functions report failure by throwing plantune::Error (a std::runtime_error) that carries
// an ErrorCode and a message saying what failed, on what input, and where (`expr at file:line`).
// Destructors never throw: RAII types only log a failed release (PT_CUDA_LOG, PT_CUDNN_LOG,
// PT_CUBLAS_LOG in cuda_check.h).
// Outcomes that are expected during search (cuDNN "not supported", a workspace over the limit)
// are not errors: the tuner records them as tactic outcomes and does not throw.
//
// Checks:
//   PT_REQUIRE(cond, code, msg)  throws Error(code, msg + " (cond at file:line)") when !cond.
//   PT_FAIL(code, msg)           throws unconditionally.
// CUDA/cuDNN/cuBLAS checks live in <plantune/core/cuda_check.h> so this header stays CPU-only.
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace plantune {

enum class ErrorCode {
  invalid_argument,   // a caller passed something impossible (bad shape, unknown name)
  parse_error,        // a file or string could not be read as the format it claims
  io_error,           // the file system refused (open, write, rename, lock)
  overflow,           // a size or count does not fit in 64 bits
  not_supported,      // the request is valid but this build or device cannot serve it
  out_of_memory,      // an allocation failed, or a workspace does not fit
  cuda_error,         // a CUDA runtime call failed
  cudnn_error,        // a cuDNN call failed
  cublas_error,       // a cuBLAS/cuBLASLt call failed
  internal,           // an invariant of plantune itself broke: a bug
};

std::string_view to_string(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

namespace detail {
[[noreturn]] void throw_error(ErrorCode code, const std::string& message, const char* expr,
                              const char* file, int line);
void log_error(const std::string& message, const char* expr, const char* file, int line) noexcept;
}  // namespace detail

}  // namespace plantune

// Message arguments may be streamed: PT_REQUIRE(n > 0, invalid_argument, "n=" << n).
#define PT_REQUIRE(cond, code, msg)                                                         \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      std::ostringstream pt_msg_;                                                           \
      pt_msg_ << msg;                                                                       \
      ::plantune::detail::throw_error(::plantune::ErrorCode::code, pt_msg_.str(), #cond,    \
                                      __FILE__, __LINE__);                                  \
    }                                                                                       \
  } while (0)

#define PT_FAIL(code, msg)                                                                  \
  do {                                                                                      \
    std::ostringstream pt_msg_;                                                             \
    pt_msg_ << msg;                                                                         \
    ::plantune::detail::throw_error(::plantune::ErrorCode::code, pt_msg_.str(), nullptr,    \
                                    __FILE__, __LINE__);                                    \
  } while (0)
