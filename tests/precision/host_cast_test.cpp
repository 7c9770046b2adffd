// Host reference conversions: exact bit patterns at the rounding boundaries, exhaustive
// round trips, and agreement with independent oracles (the compiler's _Float16 where it has
// one; a nearest-of-two-neighbours computation in fp64 for bf16).
#include "plantune/precision/host_cast.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "plantune/core/error.h"

namespace plantune::precision {
namespace {

TEST(FloatToHalf, ExactPatternsAtBoundaries) {
  EXPECT_EQ(float_to_half_bits(1.0f), 0x3c00);
  EXPECT_EQ(float_to_half_bits(-2.0f), 0xc000);
  EXPECT_EQ(float_to_half_bits(0.0f), 0x0000);
  EXPECT_EQ(float_to_half_bits(-0.0f), 0x8000);
  EXPECT_EQ(float_to_half_bits(65504.0f), 0x7bff);      // largest finite half
  EXPECT_EQ(float_to_half_bits(65519.996f), 0x7bff);    // just below the halfway point
  EXPECT_EQ(float_to_half_bits(65520.0f), 0x7c00);      // halfway: ties to even = inf
  EXPECT_EQ(float_to_half_bits(1e10f), 0x7c00);
  EXPECT_EQ(float_to_half_bits(-1e10f), 0xfc00);
  EXPECT_EQ(float_to_half_bits(std::numeric_limits<float>::infinity()), 0x7c00);
  EXPECT_EQ(float_to_half_bits(1.0f + 0x1p-11f), 0x3c00);      // tie -> even (down)
  EXPECT_EQ(float_to_half_bits(1.0f + 3 * 0x1p-11f), 0x3c02);  // tie -> even (up)
  EXPECT_EQ(float_to_half_bits(1.0f + 0x1p-11f + 0x1p-20f), 0x3c01);
  EXPECT_EQ(float_to_half_bits(0x1p-14f), 0x0400);             // smallest normal
  EXPECT_EQ(float_to_half_bits(0x1p-14f - 0x1p-25f), 0x0400);  // 1023.5 units: tie -> 1024
  EXPECT_EQ(float_to_half_bits(0x1p-24f), 0x0001);             // smallest subnormal
  EXPECT_EQ(float_to_half_bits(0x1p-25f), 0x0000);             // half a unit: tie -> 0
  EXPECT_EQ(float_to_half_bits(1.5f * 0x1p-25f), 0x0001);
  EXPECT_EQ(float_to_half_bits(3 * 0x1p-25f), 0x0002);         // 1.5 units: tie -> 2
  EXPECT_EQ(float_to_half_bits(0x1p-30f), 0x0000);
  EXPECT_EQ(float_to_half_bits(-0x1p-24f), 0x8001);
  EXPECT_EQ(float_to_half_bits(std::numeric_limits<float>::denorm_min()), 0x0000);
  const std::uint16_t nan = float_to_half_bits(std::numeric_limits<float>::quiet_NaN());
  EXPECT_EQ(nan & 0x7c00, 0x7c00);
  EXPECT_NE(nan & 0x03ff, 0);
}

TEST(FloatToHalf, EveryHalfRoundTripsExactly) {
  for (std::uint32_t h = 0; h < 0x10000; ++h) {
    const auto bits = static_cast<std::uint16_t>(h);
    const float f = half_bits_to_float(bits);
    if (std::isnan(f)) {
      EXPECT_TRUE((bits & 0x7c00) == 0x7c00 && (bits & 0x3ff) != 0) << std::hex << h;
      continue;
    }
    ASSERT_EQ(float_to_half_bits(f), bits) << "half 0x" << std::hex << h << " = " << f;
  }
}

TEST(FloatToHalf, HalfToFloatKnownValues) {
  EXPECT_EQ(half_bits_to_float(0x3c00), 1.0f);
  EXPECT_EQ(half_bits_to_float(0x7bff), 65504.0f);
  EXPECT_EQ(half_bits_to_float(0x0001), 0x1p-24f);
  EXPECT_EQ(half_bits_to_float(0x8400), -0x1p-14f);
  EXPECT_TRUE(std::isinf(half_bits_to_float(0xfc00)));
  EXPECT_TRUE(std::signbit(half_bits_to_float(0x8000)));
}

#ifdef __FLT16_MAX__
TEST(FloatToHalf, MatchesCompilerFloat16OnRandomBitPatterns) {
  std::mt19937 rng(1234);
  std::uniform_int_distribution<std::uint32_t> bits;
  int checked = 0;
  for (int i = 0; i < 2'000'000; ++i) {
    // half of them in the half range (exponents 100..145), the rest anywhere
    std::uint32_t b = bits(rng);
    if (i % 2 == 0) b = (b & 0x807fffffu) | ((100u + b % 46u) << 23);
    const float f = std::bit_cast<float>(b);
    if (std::isnan(f)) continue;
    const _Float16 h = static_cast<_Float16>(f);
    std::uint16_t expect;
    std::memcpy(&expect, &h, 2);
    ASSERT_EQ(float_to_half_bits(f), expect) << std::hexfloat << f;
    ++checked;
  }
  EXPECT_GT(checked, 1'900'000);
}
#endif

// bf16 oracle: the two bf16 neighbours of f (truncation and one ulp up), picked by fp64
// distance, ties to the even mantissa.
std::uint16_t bf16_oracle(float f) {
  const std::uint32_t b = std::bit_cast<std::uint32_t>(f);
  const auto lo = static_cast<std::uint16_t>(b >> 16);
  const auto hi = static_cast<std::uint16_t>(lo + 1);
  const double dl = std::abs(static_cast<double>(f) - bf16_bits_to_float(lo));
  // the neighbour past the largest finite is +-inf; measure it as 2^128 away
  const float fh = bf16_bits_to_float(hi);
  const double vh = std::isinf(fh) ? std::copysign(0x1p128, f) : static_cast<double>(fh);
  const double dh = std::abs(static_cast<double>(f) - vh);
  if (dl < dh) return lo;
  if (dh < dl) return hi;
  return (lo & 1) ? hi : lo;
}

TEST(FloatToBf16, MatchesNearestNeighbourOracle) {
  std::mt19937 rng(99);
  std::uniform_int_distribution<std::uint32_t> bits;
  for (int i = 0; i < 2'000'000; ++i) {
    const float f = std::bit_cast<float>(bits(rng));
    if (!std::isfinite(f)) continue;
    ASSERT_EQ(float_to_bf16_bits(f), bf16_oracle(f)) << std::hexfloat << f;
  }
}

TEST(FloatToBf16, ExactPatterns) {
  EXPECT_EQ(float_to_bf16_bits(1.0f), 0x3f80);
  EXPECT_EQ(float_to_bf16_bits(std::bit_cast<float>(0x3f808000u)), 0x3f80);  // tie -> even
  EXPECT_EQ(float_to_bf16_bits(std::bit_cast<float>(0x3f818000u)), 0x3f82);  // tie -> even
  EXPECT_EQ(float_to_bf16_bits(std::bit_cast<float>(0x3f808001u)), 0x3f81);
  EXPECT_EQ(float_to_bf16_bits(std::numeric_limits<float>::max()), 0x7f80);  // rounds to inf
  EXPECT_EQ(float_to_bf16_bits(-std::numeric_limits<float>::infinity()), 0xff80);
  EXPECT_TRUE(std::isnan(bf16_bits_to_float(float_to_bf16_bits(std::nanf("")))));
  // a NaN whose payload sits in the low 16 bits only must not become inf
  EXPECT_TRUE(std::isnan(bf16_bits_to_float(float_to_bf16_bits(std::bit_cast<float>(0x7f800001u)))));
  for (std::uint32_t h = 0; h < 0x10000; ++h) {
    const float f = bf16_bits_to_float(static_cast<std::uint16_t>(h));
    if (!std::isnan(f)) {
      ASSERT_EQ(float_to_bf16_bits(f), h);
    }
  }
}

TEST(QuantizeInt8, RoundsToNearestEvenAndSaturates) {
  EXPECT_EQ(quantize_int8(2.5f, 1.0f), 2);
  EXPECT_EQ(quantize_int8(3.5f, 1.0f), 4);
  EXPECT_EQ(quantize_int8(-2.5f, 1.0f), -2);
  EXPECT_EQ(quantize_int8(-3.5f, 1.0f), -4);
  EXPECT_EQ(quantize_int8(2.4999f, 1.0f), 2);
  EXPECT_EQ(quantize_int8(0.75f, 0.5f), 2);  // 1.5 -> 2
  EXPECT_EQ(quantize_int8(0.25f, 0.5f), 0);  // 0.5 -> 0
  EXPECT_EQ(quantize_int8(126.5f, 1.0f), 126);
  EXPECT_EQ(quantize_int8(127.5f, 1.0f), 127);  // 128 saturates
  EXPECT_EQ(quantize_int8(-128.5f, 1.0f), -128);
  EXPECT_EQ(quantize_int8(-129.0f, 1.0f), -128);
  EXPECT_EQ(quantize_int8(1e30f, 1e-30f), 127);  // x / scale overflows to inf
  EXPECT_EQ(quantize_int8(-std::numeric_limits<float>::infinity(), 1.0f), -128);
  EXPECT_EQ(quantize_int8(std::numeric_limits<float>::quiet_NaN(), 1.0f), 0);
  EXPECT_EQ(dequantize_int8(-128, 0.25f), -32.0f);
  EXPECT_EQ(dequantize_int8(7, 0.5f), 3.5f);
}

TEST(QuantizeInt8, PerChannelUsesChannelOfEachElement) {
  // 2 channels x 3 inner elements, repeated twice (outer dimension 2): channel = (i / 3) % 2
  const std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  const std::vector<float> scales = {1.0f, 2.0f};
  std::vector<std::int8_t> q(x.size());
  quantize_int8_host(x, q, scales, {2, 3});
  const std::vector<std::int8_t> expect = {1, 2, 3, 2, 2, 3, 7, 8, 9, 5, 6, 6};  // 2.5->2, 5.5->6
  EXPECT_EQ(q, expect);
  std::vector<float> back(x.size());
  dequantize_int8_host(q, back, scales, {2, 3});
  EXPECT_EQ(back[3], 4.0f);
  EXPECT_EQ(back[4], 4.0f);
  EXPECT_EQ(back[11], 12.0f);
}

TEST(QuantizeInt8, RejectsBadScales) {
  const std::vector<float> x = {1, 2};
  std::vector<std::int8_t> q(2);
  const std::vector<float> zero = {0.0f};
  EXPECT_THROW(quantize_int8_host(x, q, zero, {}), Error);
  const std::vector<float> two = {1.0f, 1.0f};
  EXPECT_THROW(quantize_int8_host(x, q, two, {}), Error);  // 2 scales, 1 channel
  std::vector<std::int8_t> short_q(1);
  const std::vector<float> one = {1.0f};
  EXPECT_THROW(quantize_int8_host(x, short_q, one, {}), Error);
  try {
    quantize_int8_host(x, q, zero, {});
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("scale 0 is 0"), std::string::npos) << e.what();
  }
}

TEST(CastHost, ConvertsBetweenAllStorageTypes) {
  const std::vector<float> x = {0.1f, -1.5f, 3.0f, 70000.0f};
  std::vector<std::uint16_t> h(4);
  cast_host(x.data(), DType::fp32, h.data(), DType::fp16, 4);
  EXPECT_EQ(h[0], float_to_half_bits(0.1f));
  EXPECT_EQ(h[3], 0x7c00);
  std::vector<std::uint16_t> b(4);
  cast_host(h.data(), DType::fp16, b.data(), DType::bf16, 4);
  EXPECT_EQ(b[1], float_to_bf16_bits(-1.5f));
  std::vector<std::int8_t> q(4);
  cast_host(x.data(), DType::fp32, q.data(), DType::int8, 4, 1.0f, 0.05f);
  EXPECT_EQ(q[0], 2);
  EXPECT_EQ(q[1], -30);
  EXPECT_EQ(q[2], 60);
  EXPECT_EQ(q[3], 127);
  std::vector<float> back(4);
  cast_host(q.data(), DType::int8, back.data(), DType::fp32, 4, 0.05f);
  EXPECT_FLOAT_EQ(back[2], 3.0f);
  EXPECT_THROW(cast_host(x.data(), DType::fp32, q.data(), DType::int32, 4), Error);
  EXPECT_THROW(cast_host(x.data(), DType::fp32, q.data(), DType::int8, 4, 1.0f, -1.0f), Error);
}

}  // namespace
}  // namespace plantune::precision
