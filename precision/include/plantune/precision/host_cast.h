#pragma once
// Host (CPU) element conversions, written from the IEEE-754 bit layouts without CUDA headers.
// They are the independent reference the GPU casts are tested against, and what host code uses
// to prepare fp16/bf16/int8 data. Semantics, shared with the device side (convert.cuh):
//   fp32 -> fp16/bf16   round to nearest even; overflow gives +-inf; NaN stays a (quiet) NaN
//   fp32 -> int8        q = round_to_nearest_even(x / scale), saturated to [-128, 127]; NaN -> 0
//   int8 -> fp32        x = q * scale
#include <cstdint>
#include <span>
#include <vector>

#include "plantune/core/dtype.h"

namespace plantune::precision {

std::uint16_t float_to_half_bits(float x);
float half_bits_to_float(std::uint16_t h);
std::uint16_t float_to_bf16_bits(float x);
float bf16_bits_to_float(std::uint16_t b);
// x / scale (fp32 division), rounded to nearest even and saturated to [-128, 127]; NaN gives 0.
std::int8_t quantize_int8(float x, float scale);
float dequantize_int8(std::int8_t q, float scale);

// Element i of a tensor uses scale[(i / inner) % channels]: channels == 1 is per-tensor; for a
// KCRS filter scaled per output channel, channels = K and inner = C*R*S; for NHWC, inner = 1.
struct ScaleLayout {
  std::int64_t channels = 1;
  std::int64_t inner = 1;
};

// Element `i` of an array of `type` (fp32, fp16, bf16, int8) as fp32; int8 is multiplied by
// `int8_scale`. tf32 reads as fp32. Throws invalid_argument for int32.
float load_as_float(const void* data, DType type, std::int64_t i, float int8_scale = 1.0f);
// Stores `v` as element `i` of an array of `type`, with the conversions above.
void store_from_float(void* data, DType type, std::int64_t i, float v, float int8_scale = 1.0f);

// n elements of `src_type` converted to `dst_type` (any of fp32, fp16, bf16, int8): an int8
// source is dequantized with src_scale, an int8 destination quantized with dst_scale.
void cast_host(const void* src, DType src_type, void* dst, DType dst_type, std::int64_t n,
               float src_scale = 1.0f, float dst_scale = 1.0f);

// Per-tensor or per-channel int8 quantization: scales.size() == layout.channels; every scale
// must be > 0 and finite. dst.size() must equal src.size().
void quantize_int8_host(std::span<const float> src, std::span<std::int8_t> dst,
                        std::span<const float> scales, ScaleLayout layout);
void dequantize_int8_host(std::span<const std::int8_t> src, std::span<float> dst,
                          std::span<const float> scales, ScaleLayout layout);

// Throws invalid_argument naming `what` unless every scale is finite and > 0 and there are
// exactly layout.channels of them (layout.channels, layout.inner >= 1).
void validate_scales(std::span<const float> scales, ScaleLayout layout, const char* what);

}  // namespace plantune::precision
