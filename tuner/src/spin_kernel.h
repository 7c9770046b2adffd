#pragma once
// A kernel that keeps the GPU busy for a while (Note [timing protocol] in measure.h).
#include <cuda_runtime_api.h>

namespace plantune::tuner::detail {

// Enqueues one single-thread kernel on `stream` that spins for about `microseconds`.
void enqueue_spin(cudaStream_t stream, double microseconds);

}  // namespace plantune::tuner::detail
