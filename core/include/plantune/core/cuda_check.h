#pragma once
// Status checks for the CUDA runtime, cuDNN and cuBLAS/cuBLASLt, on top of the error model of
// <plantune/core/error.h>.
//
//   PT_CUDA_CHECK(x)            throws Error when x != cudaSuccess
//   PT_CUDNN_CHECK(x)           throws Error when x != CUDNN_STATUS_SUCCESS
//   PT_CUBLAS_CHECK(x)          throws Error when x != CUBLAS_STATUS_SUCCESS (cuBLAS and cuBLASLt)
//   PT_..._CHECK_MSG(x, msg)    the same, prefixed with what was being done; msg may be streamed:
//                               PT_CUDA_CHECK_MSG(cudaMalloc(&p, n), "allocating " << n << "
//                               bytes")
//   PT_CUDA_LOG(x), PT_CUDNN_LOG(x), PT_CUBLAS_LOG(x)
//                               log a failure to stderr instead of throwing: for destructors.
//
// A message reads "<msg>: cuDNN error CUDNN_STATUS_BAD_PARAM (code 2000) (x at file.cpp:42)".
// The status reported is the one x returned: no later call (cudaGetLastError, ...) replaces it.
// ErrorCode: out_of_memory for allocation failures, not_supported for cuDNN's NOT_SUPPORTED
// family and CUBLAS_STATUS_NOT_SUPPORTED, otherwise cuda_error / cudnn_error / cublas_error.
#include <cublas_api.h>
#include <cuda_runtime_api.h>
#include <cudnn_graph.h>

#include <sstream>
#include <string>

#include "plantune/core/error.h"

namespace plantune {

// "cudaErrorInvalidValue (invalid argument)"; works without a GPU or driver.
std::string status_string(cudaError_t status);
// "CUDNN_STATUS_BAD_PARAM (code 2000)".
std::string status_string(cudnnStatus_t status);
// "CUBLAS_STATUS_NOT_SUPPORTED (the functionality requested is not supported)".
std::string status_string(cublasStatus_t status);

// The ErrorCode a failed status is thrown with (see the header comment).
ErrorCode error_code_for(cudaError_t status);
ErrorCode error_code_for(cudnnStatus_t status);
ErrorCode error_code_for(cublasStatus_t status);

// True for CUDNN_STATUS_NOT_SUPPORTED and its refinements (..._SHAPE, ..._LAYOUT, ...): the
// outcome "this engine/algorithm cannot run this problem", which the tuner records.
bool is_not_supported(cudnnStatus_t status);

// cuDNN's own text about the last failure on this thread (cudnnGetLastErrorString), or "" when
// it has none. Reading it clears it, so call it right after the failing call.
std::string cudnn_last_error_message();

namespace detail {
[[noreturn]] void throw_cuda_error(cudaError_t status, const std::string& context, const char* expr,
                                   const char* file, int line);
[[noreturn]] void throw_cudnn_error(cudnnStatus_t status, const std::string& context,
                                    const char* expr, const char* file, int line);
[[noreturn]] void throw_cublas_error(cublasStatus_t status, const std::string& context,
                                     const char* expr, const char* file, int line);
void log_cuda_error(cudaError_t status, const char* expr, const char* file, int line) noexcept;
void log_cudnn_error(cudnnStatus_t status, const char* expr, const char* file, int line) noexcept;
void log_cublas_error(cublasStatus_t status, const char* expr, const char* file, int line) noexcept;
}  // namespace detail

}  // namespace plantune

#define PT_DETAIL_CHECK_(status_type, ok_value, thrower, x, msg)                      \
  do {                                                                                \
    const status_type pt_status_ = (x);                                               \
    if (pt_status_ != ok_value) {                                                     \
      std::ostringstream pt_msg_;                                                     \
      pt_msg_ << msg;                                                                 \
      ::plantune::detail::thrower(pt_status_, pt_msg_.str(), #x, __FILE__, __LINE__); \
    }                                                                                 \
  } while (0)

#define PT_DETAIL_LOG_(status_type, ok_value, logger, x)              \
  do {                                                                \
    const status_type pt_status_ = (x);                               \
    if (pt_status_ != ok_value) {                                     \
      ::plantune::detail::logger(pt_status_, #x, __FILE__, __LINE__); \
    }                                                                 \
  } while (0)

#define PT_CUDA_CHECK_MSG(x, msg) \
  PT_DETAIL_CHECK_(cudaError_t, cudaSuccess, throw_cuda_error, x, msg)
#define PT_CUDNN_CHECK_MSG(x, msg) \
  PT_DETAIL_CHECK_(cudnnStatus_t, CUDNN_STATUS_SUCCESS, throw_cudnn_error, x, msg)
#define PT_CUBLAS_CHECK_MSG(x, msg) \
  PT_DETAIL_CHECK_(cublasStatus_t, CUBLAS_STATUS_SUCCESS, throw_cublas_error, x, msg)

#define PT_CUDA_CHECK(x) PT_CUDA_CHECK_MSG(x, "")
#define PT_CUDNN_CHECK(x) PT_CUDNN_CHECK_MSG(x, "")
#define PT_CUBLAS_CHECK(x) PT_CUBLAS_CHECK_MSG(x, "")

#define PT_CUDA_LOG(x) PT_DETAIL_LOG_(cudaError_t, cudaSuccess, log_cuda_error, x)
#define PT_CUDNN_LOG(x) PT_DETAIL_LOG_(cudnnStatus_t, CUDNN_STATUS_SUCCESS, log_cudnn_error, x)
#define PT_CUBLAS_LOG(x) PT_DETAIL_LOG_(cublasStatus_t, CUBLAS_STATUS_SUCCESS, log_cublas_error, x)
