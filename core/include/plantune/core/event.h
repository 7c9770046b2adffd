#pragma once
// Event: an owned CUDA event (move-only), and `end - start` for the elapsed milliseconds
// between two recorded events.
#include <cuda_runtime_api.h>

#include <utility>

#include "plantune/core/cuda_check.h"

namespace plantune {

class Event {
 public:
  // Creates an event; timing is enabled unless `flags` contains cudaEventDisableTiming.
  explicit Event(unsigned flags = cudaEventDefault) : flags_(flags) {
    PT_CUDA_CHECK_MSG(cudaEventCreateWithFlags(&event_, flags),
                      "creating a CUDA event (flags " << flags << ")");
  }
  ~Event() { reset(); }

  Event(Event&& other) noexcept
      : event_(std::exchange(other.event_, nullptr)), flags_(other.flags_) {}
  Event& operator=(Event&& other) noexcept {
    if (this != &other) {
      reset();
      event_ = std::exchange(other.event_, nullptr);
      flags_ = other.flags_;
    }
    return *this;
  }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  // The raw handle (nullptr after a move).
  cudaEvent_t get() const noexcept { return event_; }
  unsigned flags() const noexcept { return flags_; }

  // Records the event after the work submitted so far to `stream`.
  void record(cudaStream_t stream) { PT_CUDA_CHECK(cudaEventRecord(event_, stream)); }

  // Blocks until the recorded work has finished.
  void synchronize() const { PT_CUDA_CHECK(cudaEventSynchronize(event_)); }

  // True when the recorded work has finished (or the event was never recorded).
  bool query() const {
    const cudaError_t s = cudaEventQuery(event_);
    if (s == cudaErrorNotReady) return false;
    if (s != cudaSuccess) {
      detail::throw_cuda_error(s, "querying a CUDA event", "cudaEventQuery(event)", __FILE__,
                               __LINE__);
    }
    return true;
  }

 private:
  void reset() noexcept {
    if (event_ != nullptr) PT_CUDA_LOG(cudaEventDestroy(event_));
    event_ = nullptr;
  }
  cudaEvent_t event_ = nullptr;
  unsigned flags_ = cudaEventDefault;
};

// Milliseconds from `start` to `end`, both recorded with timing enabled. Waits for `end` to
// complete first. Throws when either was not recorded or has timing disabled.
inline float operator-(const Event& end, const Event& start) {
  end.synchronize();
  float ms = 0.0f;
  PT_CUDA_CHECK_MSG(cudaEventElapsedTime(&ms, start.get(), end.get()),
                    "measuring the time between two CUDA events");
  return ms;
}

}  // namespace plantune
