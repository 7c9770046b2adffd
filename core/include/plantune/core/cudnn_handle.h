#pragma once
// CudnnHandle: an owned cuDNN handle (move-only), bound to the device that was current when it
// was created. A handle is not thread-safe: use one per thread (or per stream).
#include <cuda_runtime_api.h>
#include <cudnn_graph.h>

#include <utility>

#include "plantune/core/cuda_check.h"

namespace plantune {

class CudnnHandle {
 public:
  // Creates a handle on the current device (needs a GPU); work goes to the legacy default
  // stream until set_stream().
  CudnnHandle() { PT_CUDNN_CHECK_MSG(cudnnCreate(&handle_), "creating a cuDNN handle"); }
  // Creates a handle whose work goes to `stream`.
  explicit CudnnHandle(cudaStream_t stream) : CudnnHandle() { set_stream(stream); }
  ~CudnnHandle() { reset(); }

  CudnnHandle(CudnnHandle&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  CudnnHandle& operator=(CudnnHandle&& other) noexcept {
    if (this != &other) {
      reset();
      handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
  }
  CudnnHandle(const CudnnHandle&) = delete;
  CudnnHandle& operator=(const CudnnHandle&) = delete;

  cudnnHandle_t get() const noexcept { return handle_; }

  // Later cuDNN calls through this handle are queued on `stream`.
  void set_stream(cudaStream_t stream) { PT_CUDNN_CHECK(cudnnSetStream(handle_, stream)); }
  cudaStream_t stream() const {
    cudaStream_t s = nullptr;
    PT_CUDNN_CHECK(cudnnGetStream(handle_, &s));
    return s;
  }

 private:
  void reset() noexcept {
    if (handle_ != nullptr) PT_CUDNN_LOG(cudnnDestroy(handle_));
    handle_ = nullptr;
  }
  cudnnHandle_t handle_ = nullptr;
};

}  // namespace plantune
