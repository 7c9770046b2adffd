#pragma once
// Telling a tactic's failure from a device that can no longer run anything (internal header).
#include <cuda_runtime_api.h>

#include "plantune/core/cuda_check.h"
#include "plantune/core/error.h"

namespace plantune::tuner::detail {

// After catching `e` from a tactic: if the CUDA context is broken (a sticky error such as an
// illegal address, which every later call would report too), rethrows it with that said; a
// tactic's own failure (cuDNN status, not supported) returns and becomes its outcome.
inline void rethrow_if_device_lost(const Error& e) {
  if (e.code() != ErrorCode::cuda_error && e.code() != ErrorCode::cudnn_error) return;
  (void)cudaGetLastError();  // clears non-sticky errors
  const cudaError_t s = cudaDeviceSynchronize();
  if (s == cudaSuccess) return;
  PT_FAIL(cuda_error, "the CUDA device is unusable after a tactic failed ("
                          << status_string(s) << "); the tactic's error: " << e.what());
}

}  // namespace plantune::tuner::detail
