#include "plantune/core/cuda_check.h"

#include <cudnn_graph.h>

#include <array>

namespace plantune {

std::string status_string(cudaError_t status) {
  // Both lookups are plain tables in the runtime: they work without a driver.
  std::string s = cudaGetErrorName(status);
  s += " (";
  s += cudaGetErrorString(status);
  s += ")";
  return s;
}

std::string status_string(cudnnStatus_t status) {
  std::string s = cudnnGetErrorString(status);
  s += " (code " + std::to_string(static_cast<int>(status)) + ")";
  return s;
}

std::string status_string(cublasStatus_t status) {
  std::string s = cublasGetStatusName(status);
  s += " (";
  s += cublasGetStatusString(status);
  s += ")";
  return s;
}

ErrorCode error_code_for(cudaError_t status) {
  return status == cudaErrorMemoryAllocation ? ErrorCode::out_of_memory : ErrorCode::cuda_error;
}

bool is_not_supported(cudnnStatus_t status) {
  return CUDNN_STATUS_CATEGORY(static_cast<int>(status)) ==
         static_cast<int>(CUDNN_STATUS_NOT_SUPPORTED);
}

ErrorCode error_code_for(cudnnStatus_t status) {
  if (is_not_supported(status)) return ErrorCode::not_supported;
  if (status == CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED ||
      status == CUDNN_STATUS_INTERNAL_ERROR_DEVICE_ALLOCATION_FAILED) {
    return ErrorCode::out_of_memory;
  }
  return ErrorCode::cudnn_error;
}

ErrorCode error_code_for(cublasStatus_t status) {
  if (status == CUBLAS_STATUS_ALLOC_FAILED) return ErrorCode::out_of_memory;
  if (status == CUBLAS_STATUS_NOT_SUPPORTED) return ErrorCode::not_supported;
  return ErrorCode::cublas_error;
}

std::string cudnn_last_error_message() {
  std::array<char, 2048> buffer{};
  cudnnGetLastErrorString(buffer.data(), buffer.size());
  buffer.back() = '\0';
  return std::string(buffer.data());
}

namespace detail {
namespace {

std::string with_context(const std::string& context, const std::string& what) {
  return context.empty() ? what : context + ": " + what;
}

std::string cudnn_message(cudnnStatus_t status) {
  std::string what = "cuDNN error " + status_string(status);
  std::string last = cudnn_last_error_message();
  if (!last.empty()) what += "; cuDNN says: " + last;
  return what;
}

}  // namespace

void throw_cuda_error(cudaError_t status, const std::string& context, const char* expr,
                      const char* file, int line) {
  throw_error(error_code_for(status), with_context(context, "CUDA error " + status_string(status)),
              expr, file, line);
}

void throw_cudnn_error(cudnnStatus_t status, const std::string& context, const char* expr,
                       const char* file, int line) {
  throw_error(error_code_for(status), with_context(context, cudnn_message(status)), expr, file,
              line);
}

void throw_cublas_error(cublasStatus_t status, const std::string& context, const char* expr,
                        const char* file, int line) {
  throw_error(error_code_for(status),
              with_context(context, "cuBLAS error " + status_string(status)), expr, file, line);
}

void log_cuda_error(cudaError_t status, const char* expr, const char* file, int line) noexcept {
  try {
    log_error("CUDA error " + status_string(status), expr, file, line);
  } catch (...) {
  }
}

void log_cudnn_error(cudnnStatus_t status, const char* expr, const char* file, int line) noexcept {
  try {
    log_error(cudnn_message(status), expr, file, line);
  } catch (...) {
  }
}

void log_cublas_error(cublasStatus_t status, const char* expr, const char* file,
                      int line) noexcept {
  try {
    log_error("cuBLAS error " + status_string(status), expr, file, line);
  } catch (...) {
  }
}

}  // namespace detail
}  // namespace plantune
