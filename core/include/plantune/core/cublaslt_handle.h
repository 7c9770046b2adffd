#pragma once
// CublasLtHandle: an owned cuBLASLt handle (move-only). Unlike cuDNN, the stream is passed to
// each cublasLtMatmul call, not stored in the handle.
#include <cublasLt.h>

#include <utility>

#include "plantune/core/cuda_check.h"

namespace plantune {

class CublasLtHandle {
 public:
  // Creates a handle (needs a GPU).
  CublasLtHandle() { PT_CUBLAS_CHECK_MSG(cublasLtCreate(&handle_), "creating a cuBLASLt handle"); }
  ~CublasLtHandle() { reset(); }

  CublasLtHandle(CublasLtHandle&& other) noexcept
      : handle_(std::exchange(other.handle_, nullptr)) {}
  CublasLtHandle& operator=(CublasLtHandle&& other) noexcept {
    if (this != &other) {
      reset();
      handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
  }
  CublasLtHandle(const CublasLtHandle&) = delete;
  CublasLtHandle& operator=(const CublasLtHandle&) = delete;

  cublasLtHandle_t get() const noexcept { return handle_; }

 private:
  void reset() noexcept {
    if (handle_ != nullptr) PT_CUBLAS_LOG(cublasLtDestroy(handle_));
    handle_ = nullptr;
  }
  cublasLtHandle_t handle_ = nullptr;
};

}  // namespace plantune
