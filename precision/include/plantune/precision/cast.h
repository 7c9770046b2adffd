#pragma once
// Element-wise precision casts on the GPU, stream-ordered, at memory speed (16-byte accesses).
// Conversions follow host_cast.h bit for bit: fp16/bf16 round to nearest even, int8 is
// rne(x / scale) saturated to [-128, 127] and dequantizes as q * scale.
#include <cuda_runtime_api.h>

#include <cstdint>

#include "plantune/core/dtype.h"
#include "plantune/precision/host_cast.h"

namespace plantune::precision {

// Converts n elements from src_type to dst_type, each one of fp32, fp16, bf16, int8 (any pair;
// same types copy). An int8 source is dequantized with src_scale, an int8 destination is
// quantized with dst_scale (per tensor; see quantize_int8 below for per channel). src and dst
// are device pointers that must not overlap. Throws invalid_argument for other types, a bad
// scale or null pointers; launch failures throw cuda_error.
void cast(const void* src, DType src_type, void* dst, DType dst_type, std::int64_t n,
          cudaStream_t stream, float src_scale = 1.0f, float dst_scale = 1.0f);

// int8 scales on the device: per tensor (`channel_scales` null: every element uses `scale`) or
// per channel (`channel_scales` holds layout.channels device floats; element i uses
// channel_scales[(i / layout.inner) % layout.channels]). The caller keeps them valid (> 0).
struct DeviceScales {
  float scale = 1.0f;
  const float* channel_scales = nullptr;
  ScaleLayout layout{};
};

// fp32 -> int8 and back with per-tensor or per-channel scales, n elements, on `stream`.
void quantize_int8(const float* src, std::int8_t* dst, std::int64_t n, const DeviceScales& scales,
                   cudaStream_t stream);
void dequantize_int8(const std::int8_t* src, float* dst, std::int64_t n,
                     const DeviceScales& scales, cudaStream_t stream);

}  // namespace plantune::precision
