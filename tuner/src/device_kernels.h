#pragma once
// Small device helpers shared by the tuner's .cu files (internal header).
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdint>

#include "plantune/core/cuda_check.h"

namespace plantune::tuner::detail {

// Grid for a grid-stride loop over `count` elements.
inline unsigned grid_for(std::int64_t count, int block = 256) {
  const std::int64_t blocks = (count + block - 1) / block;
  return static_cast<unsigned>(std::clamp<std::int64_t>(blocks, 1, 65535LL * 16));
}

// Storage conversions, specialised for the three float storage types.
template <typename T>
__device__ inline float to_float(T v);
template <>
__device__ inline float to_float<float>(float v) { return v; }
template <>
__device__ inline float to_float<__half>(__half v) { return __half2float(v); }
template <>
__device__ inline float to_float<__nv_bfloat16>(__nv_bfloat16 v) { return __bfloat162float(v); }

template <typename T>
__device__ inline T from_float(float v);
template <>
__device__ inline float from_float<float>(float v) { return v; }
template <>
__device__ inline __half from_float<__half>(float v) { return __float2half_rn(v); }
template <>
__device__ inline __nv_bfloat16 from_float<__nv_bfloat16>(float v) {
  return __float2bfloat16_rn(v);
}

// Element offset of logical (d0, d1, d2, d3) in a packed 4-D tensor of dims (D0, D1, D2, D3),
// row-major over (d0, d1, d2, d3), or over (d0, d2, d3, d1) when channels_last (NHWC / KRSC).
__host__ __device__ inline std::int64_t offset4(std::int64_t d0, std::int64_t d1, std::int64_t d2,
                                                std::int64_t d3, std::int64_t D1, std::int64_t D2,
                                                std::int64_t D3, bool channels_last) {
  return channels_last ? ((d0 * D2 + d2) * D3 + d3) * D1 + d1 : ((d0 * D1 + d1) * D2 + d2) * D3 + d3;
}

}  // namespace plantune::tuner::detail

// Checks the launch that was just made.
#define PT_CHECK_LAUNCH(what) PT_CUDA_CHECK_MSG(cudaGetLastError(), "launching " << what)
