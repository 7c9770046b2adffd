// Pooling kernels: max and average pooling with core's PoolAttrs, and global average pooling.
//
//   NCHW   one thread per output element (consecutive threads, consecutive output columns)
//   NHWC   one thread per output pixel and V channels, V = 16 bytes / element size when C % V == 0
//          and both pointers are 16-byte aligned (ResNet-50's fp16 3x3/2 max pool: 16-byte
//          loads and stores, each input row shared through L1/L2 by neighbouring windows)
// Window bounds follow PyTorch (aten/src/ATen/native/cuda/{DilatedMaxPool2d,AveragePool2d}.cu):
// max pooling clips the window to the input; average pooling counts the window clipped to
// input + padding (count_include_pad=True) and sums only the input positions.
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

struct PoolArgs {
  const void* x;
  void* y;
  std::int64_t n, c, h, w;  // input
  std::int64_t ho, wo;      // output
  std::int64_t kh, kw, sh, sw, ph, pw;
  std::int64_t work;        // threads of work: outputs / V
};

template <typename T, int V, bool kMax, bool kNhwc>
__global__ void __launch_bounds__(kThreads) pool_kernel(PoolArgs a) {
  const T* __restrict__ x = static_cast<const T*>(a.x);
  T* __restrict__ y = static_cast<T*>(a.y);
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       i < a.work; i += step) {
    const auto [n, c, oh, ow] = output_position<V, kNhwc>(i, a.c, a.ho, a.wo);
    const std::int64_t hs = oh * a.sh - a.ph, ws = ow * a.sw - a.pw;
    std::int64_t he, we;
    float divisor = 1.0f;
    if constexpr (kMax) {
      he = min(hs + a.kh, a.h);
      we = min(ws + a.kw, a.w);
    } else {
      he = min(hs + a.kh, a.h + a.ph);
      we = min(ws + a.kw, a.w + a.pw);
      divisor = static_cast<float>((he - hs) * (we - ws));
      he = min(he, a.h);
      we = min(we, a.w);
    }
    const std::int64_t h0 = max(hs, std::int64_t{0}), w0 = max(ws, std::int64_t{0});
    float acc[V];
#pragma unroll
    for (int k = 0; k < V; ++k) acc[k] = kMax ? -INFINITY : 0.0f;
    for (std::int64_t hh = h0; hh < he; ++hh) {
      for (std::int64_t ww = w0; ww < we; ++ww) {
        T v[V];
        if constexpr (kNhwc) {
          load_vec(x + ((n * a.h + hh) * a.w + ww) * a.c + c, v);
        } else {
          v[0] = x[((n * a.c + c) * a.h + hh) * a.w + ww];
        }
#pragma unroll
        for (int k = 0; k < V; ++k) {
          const float f = to_float(v[k], 1.0f);
          if constexpr (kMax) {
            if (f > acc[k] || f != f) acc[k] = f;  // NaN wins and stays
          } else {
            acc[k] += f;
          }
        }
      }
    }
    T out[V];
#pragma unroll
    for (int k = 0; k < V; ++k) out[k] = from_float<T>(kMax ? acc[k] : acc[k] / divisor, 1.0f);
    if constexpr (kNhwc) {
      store_vec(y + ((n * a.ho + oh) * a.wo + ow) * a.c + c, out);
    } else {
      y[i] = out[0];
    }
  }
}

// Global average pooling, NCHW: one warp per (n, c) plane.
template <typename T>
__global__ void __launch_bounds__(kThreads) gap_nchw_kernel(const T* __restrict__ x,
                                                            T* __restrict__ y, std::int64_t planes,
                                                            std::int64_t hw) {
  const int lane = static_cast<int>(threadIdx.x % 32);
  const std::int64_t warps = static_cast<std::int64_t>(gridDim.x) * (blockDim.x / 32);
  for (std::int64_t p = (static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
       p < planes; p += warps) {
    const T* plane = x + p * hw;
    float s = 0.0f;
    for (std::int64_t j = lane; j < hw; j += 32) s += to_float(plane[j], 1.0f);
#pragma unroll
    for (int o = 16; o > 0; o /= 2) s += __shfl_xor_sync(0xffffffffu, s, o);
    if (lane == 0) y[p] = from_float<T>(s / static_cast<float>(hw), 1.0f);
  }
}

// Global average pooling, NHWC: block (32, kRows) covers 32 channel vectors of one image;
// threadIdx.y strides over the pixels, then the kRows partial sums meet in shared memory.
constexpr int kRows = 8;

template <typename T, int V>
__global__ void __launch_bounds__(32 * kRows) gap_nhwc_kernel(const T* __restrict__ x,
                                                              T* __restrict__ y, std::int64_t c,
                                                              std::int64_t hw) {
  __shared__ float part[kRows][32][V];
  const std::int64_t n = blockIdx.y;
  const std::int64_t c0 = (static_cast<std::int64_t>(blockIdx.x) * 32 + threadIdx.x) * V;
  const bool active = c0 < c;
  float s[V];
#pragma unroll
  for (int k = 0; k < V; ++k) s[k] = 0.0f;
  if (active) {
    for (std::int64_t p = threadIdx.y; p < hw; p += kRows) {
      T v[V];
      load_vec(x + (n * hw + p) * c + c0, v);
#pragma unroll
      for (int k = 0; k < V; ++k) s[k] += to_float(v[k], 1.0f);
    }
  }
#pragma unroll
  for (int k = 0; k < V; ++k) part[threadIdx.y][threadIdx.x][k] = s[k];
  __syncthreads();
  if (threadIdx.y == 0 && active) {
    T out[V];
#pragma unroll
    for (int k = 0; k < V; ++k) {
      float t = 0.0f;
      for (int r = 0; r < kRows; ++r) t += part[r][threadIdx.x][k];
      out[k] = from_float<T>(t / static_cast<float>(hw), 1.0f);
    }
    store_vec(y + n * c + c0, out);
  }
}

bool aligned16(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 16 == 0; }

unsigned blocks_for(std::int64_t work) {
  return static_cast<unsigned>(std::clamp<std::int64_t>((work + kThreads - 1) / kThreads, 1,
                                                        std::numeric_limits<std::int32_t>::max()));
}

// Calls f(TypeTag<T>) for fp32 (and tf32), fp16, bf16; validate() has ruled out the rest.
template <typename F>
void dispatch(DType t, F&& f) {
  precision::device::dispatch_storage_type(t == DType::tf32 ? DType::fp32 : t, [&](auto tag) {
    if constexpr (!std::is_same_v<typename decltype(tag)::type, std::int8_t>) f(tag);
  });
}

template <bool kMax>
void pool(const TensorRef& x, const TensorRef& y, const PoolAttrs& attrs, cudaStream_t stream) {
  const char* name = kMax ? "max_pool" : "avg_pool";
  validate(x, std::string(name) + ": x");
  validate(y, std::string(name) + ": y");
  PT_REQUIRE(x.dtype == y.dtype && x.layout == y.layout, invalid_argument,
             name << ": y " << to_string(y) << " must have the dtype and layout of x "
                  << to_string(x));
  // The output size (and the attribute checks) are core's, so kernel and graph agree.
  Op op{name, kMax ? OpKind::max_pool : OpKind::avg_pool, {0}, 1, attrs};
  const TensorShape in{{x.n, x.c, x.h, x.w}};
  const TensorShape out = infer_output_shape(op, std::span<const TensorShape>(&in, 1));
  PT_REQUIRE(y.n == out.dims[0] && y.c == out.dims[1] && y.h == out.dims[2] &&
                 y.w == out.dims[3],
             invalid_argument,
             name << ": y " << to_string(y) << " must be " << plantune::to_string(out)
                  << " for x " << to_string(x) << " with kernel " << attrs.kernel_h << "x"
                  << attrs.kernel_w << ", stride " << attrs.stride_h << "x" << attrs.stride_w
                  << ", padding " << attrs.pad_h << "x" << attrs.pad_w
                  << (attrs.ceil_mode ? ", ceil_mode" : ""));
  PT_REQUIRE(!overlap(x, y), invalid_argument, name << ": x and y overlap");

  PoolArgs a{x.data,        y.data,        x.n,           x.c,          x.h,
             x.w,           y.h,           y.w,           attrs.kernel_h, attrs.kernel_w,
             attrs.stride_h, attrs.stride_w, attrs.pad_h, attrs.pad_w,  0};
  dispatch(x.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    constexpr int kV = static_cast<int>(16 / sizeof(T));
    if (x.layout == Layout::nhwc) {
      if (x.c % kV == 0 && aligned16(x.data) && aligned16(y.data)) {
        a.work = numel(y) / kV;
        pool_kernel<T, kV, kMax, true><<<blocks_for(a.work), kThreads, 0, stream>>>(a);
      } else {
        a.work = numel(y);
        pool_kernel<T, 1, kMax, true><<<blocks_for(a.work), kThreads, 0, stream>>>(a);
      }
    } else {
      a.work = numel(y);
      pool_kernel<T, 1, kMax, false><<<blocks_for(a.work), kThreads, 0, stream>>>(a);
    }
  });
  PT_CUDA_CHECK_MSG(cudaGetLastError(), "launching " << name << " on " << to_string(x));
}

}  // namespace

void max_pool(const TensorRef& x, const TensorRef& y, const PoolAttrs& attrs,
              cudaStream_t stream) {
  pool<true>(x, y, attrs, stream);
}

void avg_pool(const TensorRef& x, const TensorRef& y, const PoolAttrs& attrs,
              cudaStream_t stream) {
  pool<false>(x, y, attrs, stream);
}

void global_avg_pool(const TensorRef& x, const TensorRef& y, cudaStream_t stream) {
  validate(x, "global_avg_pool: x");
  validate(y, "global_avg_pool: y");
  PT_REQUIRE(y.n == x.n && y.c == x.c && y.h == 1 && y.w == 1 && y.dtype == x.dtype,
             invalid_argument,
             "global_avg_pool: y " << to_string(y) << " must be [" << x.n << ", " << x.c
                                   << ", 1, 1] of x's dtype (x is " << to_string(x) << ")");
  PT_REQUIRE(!overlap(x, y), invalid_argument, "global_avg_pool: x and y overlap");
  PT_REQUIRE(x.n <= 65535, invalid_argument,
             "global_avg_pool: batch " << x.n << " exceeds the 65535 images of one launch");
  const std::int64_t hw = x.h * x.w;
  dispatch(x.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* xp = static_cast<const T*>(x.data);
    T* yp = static_cast<T*>(y.data);
    if (x.layout == Layout::nchw || hw == 1) {
      const std::int64_t planes = x.n * x.c;
      gap_nchw_kernel<T><<<blocks_for(planes * 32), kThreads, 0, stream>>>(xp, yp, planes, hw);
      return;
    }
    constexpr int kV = static_cast<int>(16 / sizeof(T));
    const dim3 block(32, kRows);
    if (x.c % kV == 0 && aligned16(x.data) && aligned16(y.data)) {
      const dim3 grid(static_cast<unsigned>((x.c / kV + 31) / 32), static_cast<unsigned>(x.n));
      gap_nhwc_kernel<T, kV><<<grid, block, 0, stream>>>(xp, yp, x.c, hw);
    } else {
      const dim3 grid(static_cast<unsigned>((x.c + 31) / 32), static_cast<unsigned>(x.n));
      gap_nhwc_kernel<T, 1><<<grid, block, 0, stream>>>(xp, yp, x.c, hw);
    }
  });
  PT_CUDA_CHECK_MSG(cudaGetLastError(), "launching global_avg_pool on " << to_string(x));
}

}  // namespace plantune::runtime::kernels
