#pragma once
// The tuner's own reference convolution and the check of a tactic's output against it.
//
// The reference is a direct convolution kernel (one thread per output, no tiling, no tensor
// cores) that accumulates in fp64 over float inputs, so it shares no code path with cuDNN. Per
// output it also computes sum |x * w| over the terms added: the scale an accumulation error is
// relative to. A tactic passes when, for every output,
//     |y - ref| <= tolerance * sum |x * w|
// every output is finite, and the guard bytes around y and the workspace are intact. A fused
// problem's reference applies the epilogue in fp64 too (Note [epilogue reference]).
//
// Note [epilogue reference]
// ~~~~~~~~~~~~~~~~~~~~~~~~~
// With an epilogue the reference is act(acc + bias[k] + z), all in double, with the activations
// of core's Activation: relu max(v, 0); relu6 min(max(v, 0), 6); sigmoid 1 / (1 + e^-v); silu
// v * sigmoid(v); gelu 0.5 v (1 + erf(v / sqrt 2)); hard_swish v * min(max(v + 3, 0), 6) / 6.
// The error scale becomes max(sum |x * w| + |bias| + |z|, |y_ref|): what was added, in
// magnitude, or the output itself where an activation lifts it above that (sigmoid near 0).
// For a plain convolution this is sum |x * w| as before (|y_ref| never exceeds it). The
// activations' slopes are at most 1.5 (hard_swish), well inside the tolerances. A missing bias
// or residual shows when |bias| or |z| exceeds tolerance x the scale: always in fp32, and in
// fp16 / bf16 for short reductions (the epilogue tests use them).
#include <cuda_runtime_api.h>

#include <cstdint>
#include <vector>

#include "plantune/core/device_buffer.h"
#include "plantune/precision/error_metrics.h"
#include "plantune/tuner/candidate.h"
#include "plantune/tuner/conv_workload.h"
#include "plantune/tuner/problem_key.h"
#include "plantune/tuner/tactic.h"

namespace plantune::tuner {

// Name stored in Validation::reference.
inline constexpr const char* kDirectReferenceName = "direct_fp64";

// Relative budgets (to sum |x * w| per output) by run precision: fp32 5e-5, tf32 2e-3,
// fp16 and bf16 1e-2, int8 1e-5 (Note [validation tolerances]).
double default_tolerance(Precision p);

// Note [validation tolerances]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~~~
// Measured against sum |x * w|, plain fp32 accumulation errs by about the unit roundoff (6e-8)
// whatever the reduction length, while one missing or doubled tap of a 4608-term reduction
// (512 channels x 3x3) moves an output by about 1/4608 = 2e-4 of it. Winograd and FFT transforms
// amplify rounding: cuDNN's winograd_nonfused in fp32 reached 1.5e-5 on a depthwise 3x3 (H100,
// cuDNN 9.14), so fp32 allows 5e-5, which still catches a single wrong tap. The tolerance does
// not tell TF32 from fp32 for long reductions (TF32 input rounding averages out to ~1e-5 there):
// the precision of a variant is enforced by which math types and engines it may use
// (legacy_source.h, graph_source.h), the tolerance catches wrong results. fp16/bf16 outputs
// alone round by 5e-4 / 4e-3 of their value, hence 1e-2.
// int8 (Note [int8 convolution] in conv_workload.h) is tighter than fp32: the reference runs on
// the dequantized inputs q / 127, so quantization is not an error here, and the products and
// sums of the int8 codes are exact in int32. What rounds is the conversion of the sum to fp32
// and the multiplication by alpha = 1 / 127^2 (each at most 6e-8 of sum |x * w|), and the
// reference's own inputs, q / 127 rounded to float (1.2e-7 per product): about 3e-7 in all,
// so 1e-5 leaves a wide margin and still catches one wrong tap of a long reduction (2e-4).


// y = conv(x, w) and sum |x * w| per output, on the device, for problem `p`'s geometry (dtypes
// ignored): x NCHW, w KCRS (C per group), y and abs_sum NKPQ, all float, accumulation fp64.
// Enqueued on `stream`.
void reference_conv2d(const ConvProblem& p, const float* x, const float* w, float* y,
                      float* abs_sum, cudaStream_t stream);
// The same followed by p's epilogue (Note [epilogue reference]): `bias` K floats, `z` NKPQ
// floats, each required when the epilogue has it (invalid_argument otherwise) and ignored when
// it does not; abs_sum receives the epilogue's error scale.
void reference_conv2d(const ConvProblem& p, const float* x, const float* w, const float* bias,
                      const float* z, float* y, float* abs_sum, cudaStream_t stream);

// Which of a workload's input copies a reference is computed from: `rounded`, the values the
// stored tensors stand for (x_ref() ...; a tactic's correctness), or `exact`, the same values
// before rounding to the storage dtype (x_exact() ...; the error against fp32, Note [error vs
// fp32] in tuner.h).
enum class ReferenceInputs { rounded, exact };

class ConvReference {
 public:
  // Computes the reference of `workload`'s problem (unpadded, epilogue included) from its
  // x_ref / w_ref / bias_ref / z_ref, or from x_exact / w_exact / bias_exact / z_exact; waits.
  ConvReference(const ConvWorkload& workload, cudaStream_t stream,
                ReferenceInputs inputs = ReferenceInputs::rounded);

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

// Slot 0's y of `workload` as float in NKPQ order (only the first K channels of a padded
// variant), copied to the host. Synchronizes `stream`.
std::vector<float> output_nkpq(const ConvWorkload& workload, cudaStream_t stream);
// Slot 0's y against `ref`, element by element over every output (precision::compare's
// metrics with its default options, reduced on the GPU: precision::compare_on_device).
// Synchronizes `stream`.
precision::ErrorMetrics output_error(const ConvWorkload& workload, const ConvReference& ref,
                                     cudaStream_t stream);

}  // namespace plantune::tuner
