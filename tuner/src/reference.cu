#include "plantune/tuner/reference.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>

#include "device_kernels.h"
#include "plantune/core/error.h"
#include "plantune/precision/error_metrics_device.h"

namespace plantune::tuner {
namespace {

using detail::grid_for;
using detail::offset4;

struct Geometry {
  std::int64_t n, c, h, w, k, r, s, p, q;
  std::int64_t pad_h, pad_w, stride_h, stride_w, dil_h, dil_w, groups;
};

// Epilogue inputs of the reference kernel: null pointers for what the epilogue lacks.
struct EpilogueRef {
  const float* bias;  // [K]
  const float* z;     // [N, K, P, Q]
  Activation activation;
};

// core's Activation in double (Note [epilogue reference]).
__device__ inline double activate(Activation a, double v) {
  switch (a) {
    case Activation::none: return v;
    case Activation::relu: return v > 0.0 ? v : 0.0;
    case Activation::relu6: return fmin(fmax(v, 0.0), 6.0);
    case Activation::sigmoid: return 1.0 / (1.0 + exp(-v));
    case Activation::silu: return v / (1.0 + exp(-v));
    case Activation::gelu: return 0.5 * v * (1.0 + erf(v * 0.70710678118654752440));
    case Activation::hard_swish: return v * fmin(fmax(v + 3.0, 0.0), 6.0) / 6.0;
  }
  return v;
}

Geometry geometry_of(const ConvProblem& pr) {
  return Geometry{pr.n,       pr.c,       pr.h,        pr.w,        pr.k,          pr.r,
                  pr.s,       pr.out_h(), pr.out_w(),  pr.pad_h,    pr.pad_w,      pr.stride_h,
                  pr.stride_w, pr.dilation_h, pr.dilation_w, pr.groups};
}

// One thread per output (n, k, p, q), NKPQ order; products and sums in fp64.
__global__ void reference_kernel(Geometry g, const float* __restrict__ x,
                                 const float* __restrict__ wt, EpilogueRef epi,
                                 float* __restrict__ y, float* __restrict__ abs_sum) {
  const std::int64_t total = g.n * g.k * g.p * g.q;
  const std::int64_t cg = g.c / g.groups, kg = g.k / g.groups;
  for (std::int64_t i = blockIdx.x * std::int64_t{blockDim.x} + threadIdx.x; i < total;
       i += std::int64_t{gridDim.x} * blockDim.x) {
    std::int64_t t = i;
    const std::int64_t oq = t % g.q; t /= g.q;
    const std::int64_t op = t % g.p; t /= g.p;
    const std::int64_t k = t % g.k;
    const std::int64_t n = t / g.k;
    const std::int64_t c0 = (k / kg) * cg;
    double acc = 0.0, abs_acc = 0.0;
    for (std::int64_t c = 0; c < cg; ++c) {
      const float* xc = x + (n * g.c + c0 + c) * g.h * g.w;
      const float* wc = wt + (k * cg + c) * g.r * g.s;
      for (std::int64_t r = 0; r < g.r; ++r) {
        const std::int64_t ih = op * g.stride_h - g.pad_h + r * g.dil_h;
        if (ih < 0 || ih >= g.h) continue;
        for (std::int64_t s = 0; s < g.s; ++s) {
          const std::int64_t iw = oq * g.stride_w - g.pad_w + s * g.dil_w;
          if (iw < 0 || iw >= g.w) continue;
          const double prod = static_cast<double>(xc[ih * g.w + iw]) * wc[r * g.s + s];
          acc += prod;
          abs_acc += fabs(prod);
        }
      }
    }
    if (epi.bias != nullptr) {
      acc += epi.bias[k];
      abs_acc += fabs(static_cast<double>(epi.bias[k]));
    }
    if (epi.z != nullptr) {
      acc += epi.z[i];
      abs_acc += fabs(static_cast<double>(epi.z[i]));
    }
    const double out = activate(epi.activation, acc);
    y[i] = static_cast<float>(out);
    abs_sum[i] = static_cast<float>(fmax(abs_acc, fabs(out)));
  }
}

struct CompareResult {
  unsigned int max_err_bits;  // float bits of the largest relative error (non-negative)
  unsigned long long nonfinite;
  unsigned long long first_bad;  // smallest NKPQ index of a non-finite output, or ~0
};

// Reads y in the executed layout (K_exec channels) at each logical NKPQ output (K channels).
// Where logical output i (NKPQ order, K channels) sits in the executed y (K_exec channels).
__device__ inline std::int64_t output_offset(std::int64_t i, std::int64_t K, std::int64_t K_exec,
                                             std::int64_t P, std::int64_t Q, bool channels_last) {
  const std::int64_t oq = i % Q;
  i /= Q;
  const std::int64_t op = i % P;
  i /= P;
  return offset4(i / K, i % K, op, oq, K_exec, P, Q, channels_last);
}

template <typename T>
__global__ void compare_kernel(const T* __restrict__ y, const float* __restrict__ ref,
                               const float* __restrict__ abs_sum, std::int64_t N, std::int64_t K,
                               std::int64_t K_exec, std::int64_t P, std::int64_t Q,
                               bool channels_last, CompareResult* out) {
  const std::int64_t total = N * K * P * Q;
  float local_max = 0.0f;
  unsigned long long local_nonfinite = 0;
  for (std::int64_t i = blockIdx.x * std::int64_t{blockDim.x} + threadIdx.x; i < total;
       i += std::int64_t{gridDim.x} * blockDim.x) {
    const float v = detail::to_float<T>(y[output_offset(i, K, K_exec, P, Q, channels_last)]);
    if (!isfinite(v)) {
      ++local_nonfinite;
      atomicMin(&out->first_bad, static_cast<unsigned long long>(i));
      continue;
    }
    const float denom = fmaxf(abs_sum[i], FLT_MIN);
    const float err = fabsf(v - ref[i]) / denom;
    local_max = fmaxf(local_max, err);
  }
  if (local_nonfinite != 0) atomicAdd(&out->nonfinite, local_nonfinite);
  // Non-negative floats order like their bit patterns.
  atomicMax(&out->max_err_bits, __float_as_uint(local_max));
}

// out[NKPQ] = y at each logical output, read in the executed layout (K_exec channels).
template <typename T>
__global__ void gather_kernel(const T* __restrict__ y, float* __restrict__ out, std::int64_t N,
                              std::int64_t K, std::int64_t K_exec, std::int64_t P, std::int64_t Q,
                              bool channels_last) {
  const std::int64_t total = N * K * P * Q;
  for (std::int64_t i = blockIdx.x * std::int64_t{blockDim.x} + threadIdx.x; i < total;
       i += std::int64_t{gridDim.x} * blockDim.x) {
    out[i] = detail::to_float<T>(y[output_offset(i, K, K_exec, P, Q, channels_last)]);
  }
}

template <typename T>
void launch_gather(const void* y, float* out, const ConvWorkload& wl, cudaStream_t stream) {
  const ConvProblem& p = wl.problem();
  const std::int64_t total = p.n * p.k * p.out_h() * p.out_w();
  gather_kernel<T><<<grid_for(total), 256, 0, stream>>>(
      static_cast<const T*>(y), out, p.n, p.k, wl.exec().k, p.out_h(), p.out_w(),
      wl.variant().layout == Layout::nhwc);
  PT_CHECK_LAUNCH("the output gather kernel");
}

template <typename T>
void launch_compare(const void* y, const ConvReference& ref, const ConvWorkload& wl,
                    CompareResult* out, cudaStream_t stream) {
  const ConvProblem& p = wl.problem();
  const std::int64_t total = p.n * p.k * p.out_h() * p.out_w();
  compare_kernel<T><<<grid_for(total), 256, 0, stream>>>(
      static_cast<const T*>(y), ref.y(), ref.abs_sum(), p.n, p.k, wl.exec().k, p.out_h(),
      p.out_w(), wl.variant().layout == Layout::nhwc, out);
  PT_CHECK_LAUNCH("the output comparison kernel");
}

}  // namespace

double default_tolerance(Precision p) {
  switch (p) {
    case Precision::fp32: return 5e-5;
    case Precision::tf32: return 2e-3;
    case Precision::fp16: return 1e-2;
    case Precision::bf16: return 1e-2;
    case Precision::int8: return 1e-5;  // Note [validation tolerances]
  }
  return 1e-2;
}

void reference_conv2d(const ConvProblem& p, const float* x, const float* w, float* y,
                      float* abs_sum, cudaStream_t stream) {
  reference_conv2d(p, x, w, nullptr, nullptr, y, abs_sum, stream);
}

void reference_conv2d(const ConvProblem& p, const float* x, const float* w, const float* bias,
                      const float* z, float* y, float* abs_sum, cudaStream_t stream) {
  p.validate();
  PT_REQUIRE(!p.epilogue.bias || bias != nullptr, invalid_argument,
             "reference of '" << problem_key(p) << "': the epilogue adds a bias, none given");
  PT_REQUIRE(!p.epilogue.residual || z != nullptr, invalid_argument,
             "reference of '" << problem_key(p) << "': the epilogue adds z, none given");
  const Geometry g = geometry_of(p);
  const EpilogueRef epi{p.epilogue.bias ? bias : nullptr, p.epilogue.residual ? z : nullptr,
                        p.epilogue.activation};
  reference_kernel<<<grid_for(g.n * g.k * g.p * g.q), 128, 0, stream>>>(g, x, w, epi, y,
                                                                          abs_sum);
  PT_CHECK_LAUNCH("the fp64 reference convolution kernel");
}

ConvReference::ConvReference(const ConvWorkload& workload, cudaStream_t stream,
                             ReferenceInputs inputs) {
  const ConvProblem& p = workload.problem();
  const auto count = static_cast<std::size_t>(p.n * p.k * p.out_h() * p.out_w());
  y_ = DeviceBuffer<float>(count);
  abs_ = DeviceBuffer<float>(count);
  if (inputs == ReferenceInputs::exact) {
    reference_conv2d(p, workload.x_exact(), workload.w_exact(), workload.bias_exact(),
                     workload.z_exact(), y_.data(), abs_.data(), stream);
  } else {
    reference_conv2d(p, workload.x_ref(), workload.w_ref(), workload.bias_ref(),
                     workload.z_ref(), y_.data(), abs_.data(), stream);
  }
  PT_CUDA_CHECK(cudaStreamSynchronize(stream));
}

Validation check_output(const ConvWorkload& workload, const ConvReference& ref, double tolerance,
                        cudaStream_t stream) {
  DeviceBuffer<CompareResult> result(1);
  CompareResult init{0u, 0ULL, ~0ULL};
  PT_CUDA_CHECK(cudaMemcpyAsync(result.data(), &init, sizeof init, cudaMemcpyHostToDevice, stream));
  const void* y = workload.operands(0).y;
  const DType yt = workload.exec().y_dtype;  // not storage(): int8 variants write fp32
  switch (yt) {
    case DType::fp32: launch_compare<float>(y, ref, workload, result.data(), stream); break;
    case DType::fp16: launch_compare<__half>(y, ref, workload, result.data(), stream); break;
    case DType::bf16: launch_compare<__nv_bfloat16>(y, ref, workload, result.data(), stream); break;
    default: PT_FAIL(internal, "check_output: output dtype " << to_string(yt));
  }
  CompareResult host{};
  PT_CUDA_CHECK(cudaMemcpyAsync(&host, result.data(), sizeof host, cudaMemcpyDeviceToHost, stream));
  PT_CUDA_CHECK(cudaStreamSynchronize(stream));
  float max_err = 0.0f;
  std::memcpy(&max_err, &host.max_err_bits, sizeof max_err);

  return make_validation(kDirectReferenceName, max_err, tolerance, host.nonfinite == 0,
                         workload.output_guards_intact(stream) &&
                             workload.workspace_guards_intact(stream));
}

namespace {

// Slot 0's y of `workload` as float in NKPQ order, on the device.
DeviceBuffer<float> gathered_output(const ConvWorkload& workload, cudaStream_t stream) {
  const ConvProblem& p = workload.problem();
  DeviceBuffer<float> out(static_cast<std::size_t>(p.n * p.k * p.out_h() * p.out_w()));
  const void* y = workload.operands(0).y;
  const DType yt = workload.exec().y_dtype;  // not storage(): int8 variants write fp32
  switch (yt) {
    case DType::fp32: launch_gather<float>(y, out.data(), workload, stream); break;
    case DType::fp16: launch_gather<__half>(y, out.data(), workload, stream); break;
    case DType::bf16: launch_gather<__nv_bfloat16>(y, out.data(), workload, stream); break;
    default: PT_FAIL(internal, "output_nkpq: output dtype " << to_string(yt));
  }
  return out;
}

}  // namespace

std::vector<float> output_nkpq(const ConvWorkload& workload, cudaStream_t stream) {
  const DeviceBuffer<float> out = gathered_output(workload, stream);
  PT_CUDA_CHECK(cudaStreamSynchronize(stream));
  return out.to_host();
}

precision::ErrorMetrics output_error(const ConvWorkload& workload, const ConvReference& ref,
                                     cudaStream_t stream) {
  const DeviceBuffer<float> y = gathered_output(workload, stream);
  return precision::compare_on_device(y.data(), ref.y(), static_cast<std::int64_t>(y.size()),
                                      stream);
}

}  // namespace plantune::tuner
