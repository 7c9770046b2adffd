#pragma once
// Stream: an owned CUDA stream (move-only). Destruction synchronizes nothing and only logs a
// failed release; synchronize() before dropping a stream whose work you still need.
#include <cuda_runtime_api.h>

#include <utility>

#include "plantune/core/cuda_check.h"

namespace plantune {

class Stream {
 public:
  // Creates a stream on the current device. Non-blocking (no implicit sync with the legacy
  // default stream) unless `flags` says cudaStreamDefault; lower `priority` runs first.
  explicit Stream(unsigned flags = cudaStreamNonBlocking, int priority = 0) {
    PT_CUDA_CHECK_MSG(
        cudaStreamCreateWithPriority(&stream_, flags, priority),
        "creating a CUDA stream (flags " << flags << ", priority " << priority << ")");
  }
  ~Stream() { reset(); }

  Stream(Stream&& other) noexcept : stream_(std::exchange(other.stream_, nullptr)) {}
  Stream& operator=(Stream&& other) noexcept {
    if (this != &other) {
      reset();
      stream_ = std::exchange(other.stream_, nullptr);
    }
    return *this;
  }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // The raw handle (nullptr after a move).
  cudaStream_t get() const noexcept { return stream_; }

  // Blocks until all work submitted so far has finished; throws on an asynchronous error.
  void synchronize() const { PT_CUDA_CHECK(cudaStreamSynchronize(stream_)); }

  // True when all submitted work has finished; false while some is pending.
  bool query() const {
    const cudaError_t s = cudaStreamQuery(stream_);
    if (s == cudaErrorNotReady) return false;
    if (s != cudaSuccess) {
      detail::throw_cuda_error(s, "querying a CUDA stream", "cudaStreamQuery(stream)", __FILE__,
                               __LINE__);
    }
    return true;
  }

  // Makes later work on this stream wait until `event` (recorded elsewhere) completes.
  void wait(cudaEvent_t event) const { PT_CUDA_CHECK(cudaStreamWaitEvent(stream_, event, 0)); }

 private:
  void reset() noexcept {
    if (stream_ != nullptr) PT_CUDA_LOG(cudaStreamDestroy(stream_));
    stream_ = nullptr;
  }
  cudaStream_t stream_ = nullptr;
};

}  // namespace plantune
