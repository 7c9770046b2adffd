#pragma once
// The tuner's own reference convolution and the check of a tactic's output against it.
//
// The reference is a direct convolution kernel (one thread per output, no tiling, no tensor
// cores) that accumulates in fp64 over float inputs, so it shares no code path with cuDNN. Per
// output it also computes sum |x * w| over the terms added: the scale an accumulation error is
// relative to. A tactic passes when, for every output,
//     |y - ref| <= tolerance * sum |x * w|
// every output is finite, and the guard bytes around y and the workspace are intact.
#include <cuda_runtime_api.h>

#include <cstdint>
#include <vector>

#include "plantune/core/device_buffer.h"
#include "plantune/tuner/candidate.h"
#include "plantune/tuner/conv_workload.h"
#include "plantune/tuner/problem_key.h"
#include "plantune/tuner/tactic.h"

namespace plantune::tuner {

// Name stored in Validation::reference.
inline constexpr const char* kDirectReferenceName = "direct_fp64";

// Relative budgets (to sum |x * w| per output) by run precision: fp32 1e-5, tf32 2e-3,
// fp16 and bf16 1e-2. They bound input rounding plus accumulation error with a wide margin,
// yet a single wrong tap of a 3x3 filter exceeds them.
double default_tolerance(Precision p);

// y = conv(x, w) and sum |x * w| per output, on the device, for problem `p`'s geometry (dtypes
// ignored): x NCHW, w KCRS (C per group), y and abs_sum NKPQ, all float, accumulation fp64.
// Enqueued on `stream`.
void reference_conv2d(const ConvProblem& p, const float* x, const float* w, float* y,
                      float* abs_sum, cudaStream_t stream);

class ConvReference {
 public:
  // Computes the reference of `workload`'s problem (unpadded) from its x_ref / w_ref; waits.
  ConvReference(const ConvWorkload& workload, cudaStream_t stream);

  const float* y() const { return y_.data(); }
  const float* abs_sum() const { return abs_.data(); }
  std::vector<float> y_host() const { return y_.to_host(); }

 private:
  DeviceBuffer<float> y_, abs_;
};

// Compares slot 0's y of `workload` (executed layout and dtype; only the first K channels of a
// padded variant) with `ref`, and reads the guards of y and of the last workspace. Synchronizes
// `stream`. Validation::passed() says whether the tactic may be timed.
Validation check_output(const ConvWorkload& workload, const ConvReference& ref, double tolerance,
                        cudaStream_t stream);

}  // namespace plantune::tuner
