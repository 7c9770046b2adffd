#include "plantune/precision/host_cast.h"

#include <bit>
#include <cmath>
#include <cstring>

#include "plantune/core/error.h"

namespace plantune::precision {

namespace {

// Rounds `value >> shift` to nearest, ties to even (shift in [1, 63]).
std::uint64_t shift_round_even(std::uint64_t value, int shift) {
  const std::uint64_t q = value >> shift;
  const std::uint64_t rem = value & ((std::uint64_t{1} << shift) - 1);
  const std::uint64_t half = std::uint64_t{1} << (shift - 1);
  if (rem > half || (rem == half && (q & 1))) return q + 1;
  return q;
}

}  // namespace

std::uint16_t float_to_half_bits(float x) {
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(x);
  const std::uint16_t sign = static_cast<std::uint16_t>((bits >> 16) & 0x8000u);
  const std::uint32_t abs = bits & 0x7fffffffu;
  if (abs >= 0x7f800000u) {  // inf or NaN
    if (abs == 0x7f800000u) return sign | 0x7c00u;
    return static_cast<std::uint16_t>(sign | 0x7e00u | ((abs >> 13) & 0x3ffu));
  }
  const int exp = static_cast<int>(abs >> 23);  // biased fp32 exponent
  const std::uint32_t mant = abs & 0x7fffffu;
  if (exp >= 143) return sign | 0x7c00u;  // >= 2^16: past the largest finite half
  if (exp >= 113) {                       // a normal half (>= 2^-14)
    // exponent and mantissa side by side: carrying out of the mantissa bumps the exponent,
    // and out of exponent 30 gives the inf pattern 0x7c00, as IEEE rounding wants.
    const std::uint32_t combined = (static_cast<std::uint32_t>(exp - 112) << 23) | mant;
    return static_cast<std::uint16_t>(sign | shift_round_even(combined, 13));
  }
  if (exp == 0) return sign;  // fp32 zero or subnormal (< 2^-126): rounds to zero
  // A half subnormal (unit 2^-24): value * 2^24 = (mant | 2^23) * 2^(exp - 126).
  const int shift = 126 - exp;  // >= 14
  if (shift > 25) return sign;  // < 2^-25: rounds to zero
  const std::uint64_t full = mant | 0x800000u;
  return static_cast<std::uint16_t>(sign | shift_round_even(full, shift));
}

float half_bits_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exp = (h >> 10) & 0x1fu;
  const std::uint32_t mant = h & 0x3ffu;
  std::uint32_t bits = 0;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;
  } else {
    // subnormal half: mant * 2^-24, exact in fp32
    const float v = static_cast<float>(mant) * 0x1p-24f;
    return sign ? -v : v;
  }
  return std::bit_cast<float>(bits);
}

std::uint16_t float_to_bf16_bits(float x) {
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(x);
  if ((bits & 0x7fffffffu) > 0x7f800000u) {  // NaN: keep it a quiet NaN
    return static_cast<std::uint16_t>((bits >> 16) | 0x40u);
  }
  // Finite values near FLT_MAX round up to the inf pattern by the carry, as IEEE wants.
  return static_cast<std::uint16_t>(shift_round_even(bits, 16));
}

float bf16_bits_to_float(std::uint16_t b) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16);
}

std::int8_t quantize_int8(float x, float scale) {
  const float q = std::nearbyint(x / scale);  // the default rounding mode: nearest even
  if (std::isnan(q)) return 0;
  if (q >= 127.0f) return 127;
  if (q <= -128.0f) return -128;
  return static_cast<std::int8_t>(q);
}

float dequantize_int8(std::int8_t q, float scale) { return static_cast<float>(q) * scale; }

float load_as_float(const void* data, DType type, std::int64_t i, float int8_scale) {
  switch (type) {
    case DType::fp32:
    case DType::tf32: return static_cast<const float*>(data)[i];
    case DType::fp16: return half_bits_to_float(static_cast<const std::uint16_t*>(data)[i]);
    case DType::bf16: return bf16_bits_to_float(static_cast<const std::uint16_t*>(data)[i]);
    case DType::int8:
      return dequantize_int8(static_cast<const std::int8_t*>(data)[i], int8_scale);
    case DType::int32: break;
  }
  PT_FAIL(invalid_argument, "load_as_float: unsupported element type " << to_string(type)
                                                                       << " (fp32, fp16, bf16, int8)");
}

void store_from_float(void* data, DType type, std::int64_t i, float v, float int8_scale) {
  switch (type) {
    case DType::fp32:
    case DType::tf32: static_cast<float*>(data)[i] = v; return;
    case DType::fp16: static_cast<std::uint16_t*>(data)[i] = float_to_half_bits(v); return;
    case DType::bf16: static_cast<std::uint16_t*>(data)[i] = float_to_bf16_bits(v); return;
    case DType::int8: static_cast<std::int8_t*>(data)[i] = quantize_int8(v, int8_scale); return;
    case DType::int32: break;
  }
  PT_FAIL(invalid_argument, "store_from_float: unsupported element type "
                                << to_string(type) << " (fp32, fp16, bf16, int8)");
}

void cast_host(const void* src, DType src_type, void* dst, DType dst_type, std::int64_t n,
               float src_scale, float dst_scale) {
  PT_REQUIRE(n >= 0, invalid_argument, "cast_host: negative element count " << n);
  if (src_type == DType::int8) validate_scales({&src_scale, 1}, {}, "cast_host source scale");
  if (dst_type == DType::int8) validate_scales({&dst_scale, 1}, {}, "cast_host destination scale");
  for (std::int64_t i = 0; i < n; ++i) {
    store_from_float(dst, dst_type, i, load_as_float(src, src_type, i, src_scale), dst_scale);
  }
}

void validate_scales(std::span<const float> scales, ScaleLayout layout, const char* what) {
  PT_REQUIRE(layout.channels >= 1 && layout.inner >= 1, invalid_argument,
             what << ": scale layout needs channels >= 1 and inner >= 1, got channels="
                  << layout.channels << " inner=" << layout.inner);
  PT_REQUIRE(static_cast<std::int64_t>(scales.size()) == layout.channels, invalid_argument,
             what << ": " << scales.size() << " scales for " << layout.channels << " channels");
  for (std::size_t i = 0; i < scales.size(); ++i) {
    PT_REQUIRE(std::isfinite(scales[i]) && scales[i] > 0.0f, invalid_argument,
               what << ": scale " << i << " is " << scales[i] << ", must be finite and > 0");
  }
}

void quantize_int8_host(std::span<const float> src, std::span<std::int8_t> dst,
                        std::span<const float> scales, ScaleLayout layout) {
  validate_scales(scales, layout, "quantize_int8_host");
  PT_REQUIRE(src.size() == dst.size(), invalid_argument,
             "quantize_int8_host: " << src.size() << " source elements but " << dst.size()
                                    << " destination elements");
  for (std::size_t i = 0; i < src.size(); ++i) {
    const auto ch = (static_cast<std::int64_t>(i) / layout.inner) % layout.channels;
    dst[i] = quantize_int8(src[i], scales[static_cast<std::size_t>(ch)]);
  }
}

void dequantize_int8_host(std::span<const std::int8_t> src, std::span<float> dst,
                          std::span<const float> scales, ScaleLayout layout) {
  validate_scales(scales, layout, "dequantize_int8_host");
  PT_REQUIRE(src.size() == dst.size(), invalid_argument,
             "dequantize_int8_host: " << src.size() << " source elements but " << dst.size()
                                      << " destination elements");
  for (std::size_t i = 0; i < src.size(); ++i) {
    const auto ch = (static_cast<std::int64_t>(i) / layout.inner) % layout.channels;
    dst[i] = dequantize_int8(src[i], scales[static_cast<std::size_t>(ch)]);
  }
}

}  // namespace plantune::precision
