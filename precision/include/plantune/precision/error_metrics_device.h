#pragma once
// error_metrics.h's compare() over two device arrays, reduced on the GPU: only a few kilobytes
// of partial sums come back to the host, not the tensors. The same element rules and the same
// metrics as the host compare() (both go through one set of sums); the sums are added in
// another order, so the fp64 results may differ from the host's in the last bits.
#include <cuda_runtime_api.h>

#include <cstdint>

#include "plantune/precision/error_metrics.h"

namespace plantune::precision {

// Compares n floats at `test` with n floats at `reference` (device pointers), enqueued on
// `stream`, which it synchronizes. Deterministic: the same inputs give the same bits. Throws
// invalid_argument for null pointers (n > 0), a negative n or a bad rel_floor.
ErrorMetrics compare_on_device(const float* test, const float* reference, std::int64_t n,
                               cudaStream_t stream, const MetricOptions& options = {});

}  // namespace plantune::precision
