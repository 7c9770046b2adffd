// Upsampling by integer factors, nearest and bilinear (align_corners=False).
//
// One thread per output element (NCHW) or per output pixel and V channels (NHWC, V = 16 bytes /
// element size when C % V == 0 and both pointers are aligned). Bilinear follows PyTorch's
// upsample_bilinear2d kernel step by step, in fp32: source = max(0, (dst + 0.5) / scale - 0.5),
// i0 = (int)source, i1 = i0 + (i0 < size - 1), lambda = source - i0, and
//   y = (1 - lh) * ((1 - lw) * x[h0][w0] + lw * x[h0][w1]) + lh * ((1 - lw) * x[h1][w0] + ...).
// The ratio is 1 / scale as PyTorch uses for a given scale_factor (equal, in fp32, to in / out).
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "plantune/core/cuda_check.h"
#include "plantune/core/error.h"
#include "plantune/precision/convert.cuh"
#include "plantune/runtime/kernels.h"
#include "output_position.cuh"

namespace plantune::runtime::kernels {

namespace {

using precision::device::from_float;
using precision::device::load_vec;
using precision::device::store_vec;
using precision::device::to_float;

constexpr int kThreads = 256;

struct UpArgs {
  const void* x;
  void* y;
  std::int64_t c, h, w;  // input
  std::int64_t ho, wo;   // output
  std::int64_t sh, sw;   // scales
  float rh, rw;          // 1 / scale
  std::int64_t work;
};

template <int V>
__device__ __forceinline__ void axpy(float (&acc)[V], float a, const float (&v)[V]) {
#pragma unroll
  for (int k = 0; k < V; ++k) acc[k] += a * v[k];
}

template <typename T, int V, bool kNhwc, bool kBilinear>
__global__ void __launch_bounds__(kThreads) upsample_kernel(UpArgs a) {
  const T* __restrict__ x = static_cast<const T*>(a.x);
  T* __restrict__ y = static_cast<T*>(a.y);
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       i < a.work; i += step) {
    const auto [n, c, oh, ow] = output_position<V, kNhwc>(i, a.c, a.ho, a.wo);
    // Element (hh, ww) of image n at channel c (and the V - 1 channels after it).
    auto load = [&](std::int64_t hh, std::int64_t ww, float (&out)[V]) {
      T v[V];
      if constexpr (kNhwc) {
        load_vec(x + ((n * a.h + hh) * a.w + ww) * a.c + c, v);
      } else {
        v[0] = x[((n * a.c + c) * a.h + hh) * a.w + ww];
      }
#pragma unroll
      for (int k = 0; k < V; ++k) out[k] = to_float(v[k], 1.0f);
    };
    float acc[V];
    if constexpr (!kBilinear) {
      load(oh / a.sh, ow / a.sw, acc);
    } else {
      const float sy = fmaxf(a.rh * (static_cast<float>(oh) + 0.5f) - 0.5f, 0.0f);
      const float sx = fmaxf(a.rw * (static_cast<float>(ow) + 0.5f) - 0.5f, 0.0f);
      const std::int64_t h0 = static_cast<std::int64_t>(sy), w0 = static_cast<std::int64_t>(sx);
      const std::int64_t h1 = h0 + (h0 < a.h - 1 ? 1 : 0), w1 = w0 + (w0 < a.w - 1 ? 1 : 0);
      const float lh = sy - static_cast<float>(h0), lw = sx - static_cast<float>(w0);
      float v00[V], v01[V], v10[V], v11[V], top[V], bottom[V];
      load(h0, w0, v00);
      load(h0, w1, v01);
      load(h1, w0, v10);
      load(h1, w1, v11);
#pragma unroll
      for (int k = 0; k < V; ++k) {
        top[k] = (1.0f - lw) * v00[k] + lw * v01[k];
        bottom[k] = (1.0f - lw) * v10[k] + lw * v11[k];
        acc[k] = (1.0f - lh) * top[k] + lh * bottom[k];
      }
    }
    T out[V];
#pragma unroll
    for (int k = 0; k < V; ++k) out[k] = from_float<T>(acc[k], 1.0f);
    if constexpr (kNhwc) {
      store_vec(y + ((n * a.ho + oh) * a.wo + ow) * a.c + c, out);
    } else {
      y[i] = out[0];
    }
  }
}

bool aligned16(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 16 == 0; }

unsigned blocks_for(std::int64_t threads) {
  return static_cast<unsigned>(std::clamp<std::int64_t>(
      (threads + kThreads - 1) / kThreads, 1, std::numeric_limits<std::int32_t>::max()));
}

template <typename T, int V, bool kNhwc>
void launch(UpArgs a, UpsampleMode mode, cudaStream_t stream) {
  if (mode == UpsampleMode::bilinear) {
    upsample_kernel<T, V, kNhwc, true><<<blocks_for(a.work), kThreads, 0, stream>>>(a);
  } else {
    upsample_kernel<T, V, kNhwc, false><<<blocks_for(a.work), kThreads, 0, stream>>>(a);
  }
}

}  // namespace

void upsample(const TensorRef& x, const TensorRef& y, const UpsampleAttrs& attrs,
              cudaStream_t stream) {
  validate(x, "upsample: x");
  validate(y, "upsample: y");
  PT_REQUIRE(attrs.scale_h >= 1 && attrs.scale_w >= 1, invalid_argument,
             "upsample: scale must be >= 1, got " << attrs.scale_h << "x" << attrs.scale_w);
  PT_REQUIRE(attrs.mode == UpsampleMode::nearest || attrs.mode == UpsampleMode::bilinear,
             invalid_argument, "upsample: unknown mode " << static_cast<int>(attrs.mode));
  PT_REQUIRE(y.dtype == x.dtype && y.layout == x.layout && y.n == x.n && y.c == x.c &&
                 y.h == x.h * attrs.scale_h && y.w == x.w * attrs.scale_w,
             invalid_argument,
             "upsample: y " << to_string(y) << " must be [" << x.n << ", " << x.c << ", "
                            << x.h * attrs.scale_h << ", " << x.w * attrs.scale_w
                            << "] of x's dtype and layout for x " << to_string(x)
                            << " scaled by " << attrs.scale_h << "x" << attrs.scale_w);
  PT_REQUIRE(!overlap(x, y), invalid_argument, "upsample: x and y overlap");
  UpArgs a{x.data,
           y.data,
           x.c,
           x.h,
           x.w,
           y.h,
           y.w,
           attrs.scale_h,
           attrs.scale_w,
           1.0f / static_cast<float>(attrs.scale_h),
           1.0f / static_cast<float>(attrs.scale_w),
           numel(y)};
  const DType storage = x.dtype == DType::tf32 ? DType::fp32 : x.dtype;
  precision::device::dispatch_storage_type(storage, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (!std::is_same_v<T, std::int8_t>) {
      constexpr int kV = static_cast<int>(16 / sizeof(T));
      if (x.layout == Layout::nchw) {
        launch<T, 1, false>(a, attrs.mode, stream);
      } else if (x.c % kV == 0 && aligned16(x.data) && aligned16(y.data)) {
        a.work = numel(y) / kV;
        launch<T, kV, true>(a, attrs.mode, stream);
      } else {
        launch<T, 1, true>(a, attrs.mode, stream);
      }
    }
  });
  PT_CUDA_CHECK_MSG(cudaGetLastError(), "launching upsample on " << to_string(x));
}

}  // namespace plantune::runtime::kernels
