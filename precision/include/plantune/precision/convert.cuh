#pragma once
// Device-side element conversions and vector memory access shared by plantune's CUDA kernels
// (precision casts, layout transforms with a fused cast). For .cu files only. The conversions
// follow host_cast.h exactly (the tests compare bit for bit):
//   to_float(x, scale)        fp32/fp16/bf16 widen exactly; int8 gives q * scale
//   from_float<T>(v, scale)   fp16/bf16 round to nearest even (overflow -> inf); int8 gives
//                             rne(v / scale) saturated to [-128, 127], NaN -> 0
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>
#include <cstring>

namespace plantune::precision::device {

__device__ __forceinline__ float to_float(float x, float) { return x; }
__device__ __forceinline__ float to_float(__half x, float) { return __half2float(x); }
__device__ __forceinline__ float to_float(__nv_bfloat16 x, float) { return __bfloat162float(x); }
__device__ __forceinline__ float to_float(std::int8_t q, float scale) {
  return static_cast<float>(q) * scale;
}

template <typename T>
__device__ __forceinline__ T from_float(float v, float scale);

template <>
__device__ __forceinline__ float from_float<float>(float v, float) {
  return v;
}
template <>
__device__ __forceinline__ __half from_float<__half>(float v, float) {
  return __float2half_rn(v);
}
template <>
__device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16>(float v, float) {
  return __float2bfloat16_rn(v);
}
template <>
__device__ __forceinline__ std::int8_t from_float<std::int8_t>(float v, float scale) {
  const float q = rintf(__fdiv_rn(v, scale));  // IEEE division even under fast-math flags
  if (q != q) return 0;                         // NaN
  return static_cast<std::int8_t>(static_cast<int>(fminf(fmaxf(q, -128.0f), 127.0f)));
}

// A value of T equal to zero (all bits clear for every supported T).
template <typename T>
__device__ __forceinline__ T zero_value() {
  T z;
  std::memset(&z, 0, sizeof(T));
  return z;
}

// Loads/stores N consecutive elements. The address must be aligned to min(16, N * sizeof(T))
// bytes; the access is split into 16-byte (or one smaller power-of-two) transactions.
template <typename T, int N>
__device__ __forceinline__ void load_vec(const T* p, T (&out)[N]) {
  constexpr int kBytes = N * static_cast<int>(sizeof(T));
  static_assert(kBytes <= 16 || kBytes % 16 == 0, "vector of 16-byte chunks");
  if constexpr (kBytes >= 16) {
    uint4 chunk[kBytes / 16];
#pragma unroll
    for (int k = 0; k < kBytes / 16; ++k) chunk[k] = __ldg(reinterpret_cast<const uint4*>(p) + k);
    std::memcpy(out, chunk, kBytes);
  } else if constexpr (kBytes == 8) {
    const uint2 chunk = __ldg(reinterpret_cast<const uint2*>(p));
    std::memcpy(out, &chunk, kBytes);
  } else if constexpr (kBytes == 4) {
    const unsigned chunk = __ldg(reinterpret_cast<const unsigned*>(p));
    std::memcpy(out, &chunk, kBytes);
  } else {
#pragma unroll
    for (int k = 0; k < N; ++k) out[k] = p[k];
  }
}

template <typename T, int N>
__device__ __forceinline__ void store_vec(T* p, const T (&in)[N]) {
  constexpr int kBytes = N * static_cast<int>(sizeof(T));
  static_assert(kBytes <= 16 || kBytes % 16 == 0, "vector of 16-byte chunks");
  if constexpr (kBytes >= 16) {
    uint4 chunk[kBytes / 16];
    std::memcpy(chunk, in, kBytes);
#pragma unroll
    for (int k = 0; k < kBytes / 16; ++k) reinterpret_cast<uint4*>(p)[k] = chunk[k];
  } else if constexpr (kBytes == 8) {
    uint2 chunk;
    std::memcpy(&chunk, in, kBytes);
    *reinterpret_cast<uint2*>(p) = chunk;
  } else if constexpr (kBytes == 4) {
    unsigned chunk;
    std::memcpy(&chunk, in, kBytes);
    *reinterpret_cast<unsigned*>(p) = chunk;
  } else {
#pragma unroll
    for (int k = 0; k < N; ++k) p[k] = in[k];
  }
}

}  // namespace plantune::precision::device

#include "plantune/core/dtype.h"

namespace plantune::precision::device {

// Host-side dispatch from a DType to its device storage type: calls f(TypeTag<T>{}) with T one of
// float (fp32), __half (fp16), __nv_bfloat16 (bf16), std::int8_t (int8); returns false (and
// calls nothing) for any other type.
template <typename T>
struct TypeTag {
  using type = T;
};

template <typename F>
bool dispatch_storage_type(DType t, F&& f) {
  switch (t) {
    case DType::fp32: f(TypeTag<float>{}); return true;
    case DType::fp16: f(TypeTag<__half>{}); return true;
    case DType::bf16: f(TypeTag<__nv_bfloat16>{}); return true;
    case DType::int8: f(TypeTag<std::int8_t>{}); return true;
    default: return false;
  }
}

}  // namespace plantune::precision::device
