#include "plantune/core/error.h"

#include <cstdio>

namespace plantune {

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_argument: return "invalid_argument";
    case ErrorCode::parse_error: return "parse_error";
    case ErrorCode::io_error: return "io_error";
    case ErrorCode::overflow: return "overflow";
    case ErrorCode::not_supported: return "not_supported";
    case ErrorCode::out_of_memory: return "out_of_memory";
    case ErrorCode::cuda_error: return "cuda_error";
    case ErrorCode::cudnn_error: return "cudnn_error";
    case ErrorCode::cublas_error: return "cublas_error";
    case ErrorCode::internal: return "internal";
  }
  return "unknown";
}

namespace detail {

static std::string basename_of(const char* file) {
  std::string f(file);
  auto pos = f.find_last_of('/');
  return pos == std::string::npos ? f : f.substr(pos + 1);
}

void throw_error(ErrorCode code, const std::string& message, const char* expr, const char* file,
                 int line) {
  std::string full = message;
  full += " (";
  if (expr != nullptr) {
    full += expr;
    full += " at ";
  }
  full += basename_of(file) + ":" + std::to_string(line) + ")";
  throw Error(code, full);
}

void log_error(const std::string& message, const char* expr, const char* file, int line) noexcept {
  std::fprintf(stderr, "plantune: %s (%s at %s:%d)\n", message.c_str(), expr,
               basename_of(file).c_str(), line);
}

}  // namespace detail
}  // namespace plantune
