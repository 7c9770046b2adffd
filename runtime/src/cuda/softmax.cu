// Softmax over the channel axis: y[n, :, h, w] = exp(x - max) / sum(exp(x - max)), fp32 math.
//
//   channels contiguous (NHWC, or NCHW with H = W = 1: the [N, C] logits of a classifier):
//       one warp per row, lanes striding the channels (coalesced)
//   NCHW with H * W > 1: one thread per pixel, looping over the channels H * W apart
//       (neighbouring threads read neighbouring pixels: coalesced)
// Each row is read three times (max, sum, write); in place is safe because every element is
// written by the thread that last reads it, after the row's max and sum are known.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "plantune/core/cuda_check.h"
#include "plantune/core/error.h"
#include "plantune/precision/convert.cuh"
#include "plantune/runtime/kernels.h"

namespace plantune::runtime::kernels {

namespace {

using precision::device::from_float;
using precision::device::to_float;

constexpr int kThreads = 256;

template <typename T>
__global__ void __launch_bounds__(kThreads) softmax_rows_kernel(const T* x, T* y,
                                                                std::int64_t rows,
                                                                std::int64_t c) {
  const int lane = static_cast<int>(threadIdx.x % 32);
  const std::int64_t warps = static_cast<std::int64_t>(gridDim.x) * (blockDim.x / 32);
  for (std::int64_t r = (static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
       r < rows; r += warps) {
    const T* in = x + r * c;
    T* out = y + r * c;
    float m = -INFINITY;
    for (std::int64_t j = lane; j < c; j += 32) m = fmaxf(m, to_float(in[j], 1.0f));
#pragma unroll
    for (int o = 16; o > 0; o /= 2) m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, o));
    float s = 0.0f;
    for (std::int64_t j = lane; j < c; j += 32) s += expf(to_float(in[j], 1.0f) - m);
#pragma unroll
    for (int o = 16; o > 0; o /= 2) s += __shfl_xor_sync(0xffffffffu, s, o);
    const float inv = 1.0f / s;
    for (std::int64_t j = lane; j < c; j += 32) {
      out[j] = from_float<T>(expf(to_float(in[j], 1.0f) - m) * inv, 1.0f);
    }
  }
}

template <typename T>
__global__ void __launch_bounds__(kThreads) softmax_strided_kernel(const T* x, T* y,
                                                                   std::int64_t pixels,
                                                                   std::int64_t c,
                                                                   std::int64_t hw) {
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       i < pixels; i += step) {
    const std::int64_t base = (i / hw) * c * hw + i % hw;
    float m = -INFINITY;
    for (std::int64_t j = 0; j < c; ++j) m = fmaxf(m, to_float(x[base + j * hw], 1.0f));
    float s = 0.0f;
    for (std::int64_t j = 0; j < c; ++j) s += expf(to_float(x[base + j * hw], 1.0f) - m);
    const float inv = 1.0f / s;
    for (std::int64_t j = 0; j < c; ++j) {
      y[base + j * hw] = from_float<T>(expf(to_float(x[base + j * hw], 1.0f) - m) * inv, 1.0f);
    }
  }
}

unsigned blocks_for(std::int64_t threads) {
  return static_cast<unsigned>(std::clamp<std::int64_t>(
      (threads + kThreads - 1) / kThreads, 1, std::numeric_limits<std::int32_t>::max()));
}

}  // namespace

void softmax(const TensorRef& x, const TensorRef& y, cudaStream_t stream) {
  validate(x, "softmax: x");
  validate(y, "softmax: y");
  PT_REQUIRE(same_tensor_type(x, y), invalid_argument,
             "softmax: y " << to_string(y) << " must have the dims, dtype and layout of x "
                           << to_string(x));
  PT_REQUIRE(x.data == y.data || !overlap(x, y), invalid_argument,
             "softmax: y overlaps x without being it (in place needs y == x)");
  const std::int64_t hw = x.h * x.w;
  const DType storage = x.dtype == DType::tf32 ? DType::fp32 : x.dtype;
  precision::device::dispatch_storage_type(storage, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (!std::is_same_v<T, std::int8_t>) {
      const T* xp = static_cast<const T*>(x.data);
      T* yp = static_cast<T*>(y.data);
      if (x.layout == Layout::nhwc || hw == 1) {
        const std::int64_t rows = x.n * hw;
        softmax_rows_kernel<T><<<blocks_for(rows * 32), kThreads, 0, stream>>>(xp, yp, rows, x.c);
      } else {
        const std::int64_t pixels = x.n * hw;
        softmax_strided_kernel<T>
            <<<blocks_for(pixels), kThreads, 0, stream>>>(xp, yp, pixels, x.c, hw);
      }
    }
  });
  PT_CUDA_CHECK_MSG(cudaGetLastError(), "launching softmax on " << to_string(x));
}

}  // namespace plantune::runtime::kernels
