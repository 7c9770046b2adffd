// GPU casts against the host reference (host_cast.h), bit for bit, on fresh random data:
// every pair of fp32/fp16/bf16/int8, odd lengths (vector tail), misaligned pointers (scalar
// path), special values, and per-channel int8 scales.
#include "plantune/precision/cast.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "plantune/core/device_buffer.h"
#include "plantune/core/error.h"
#include "plantune/precision/host_cast.h"
#include "support/gpu_skip.h"

namespace plantune::precision {
namespace {

constexpr DType kTypes[] = {DType::fp32, DType::fp16, DType::bf16, DType::int8};

// n random elements of `type` as raw bytes: fp values in [-4, 4] with some large and tiny
// magnitudes mixed in; int8 anywhere in [-128, 127].
std::vector<std::byte> random_elements(DType type, std::int64_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-4.0f, 4.0f);
  std::uniform_int_distribution<int> pick(0, 99);
  std::vector<std::byte> out(static_cast<std::size_t>(n * dtype_size(type)));
  for (std::int64_t i = 0; i < n; ++i) {
    float v = u(rng);
    const int p = pick(rng);
    if (p == 0) v *= 30000.0f;  // beyond fp16's range sometimes
    if (p == 1) v *= 1e-6f;     // fp16 subnormals
    if (type == DType::int8) {
      static_cast<std::int8_t*>(static_cast<void*>(out.data()))[i] =
          static_cast<std::int8_t>(std::uniform_int_distribution<int>(-128, 127)(rng));
    } else {
      store_from_float(out.data(), type, i, v);
    }
  }
  return out;
}

std::vector<std::byte> run_cast(const std::vector<std::byte>& src, DType st, DType dt,
                                std::int64_t n, float s_in, float s_out, std::size_t offset) {
  // `offset` elements into each buffer, to exercise unaligned (scalar) paths
  const auto sb = static_cast<std::size_t>(dtype_size(st));
  const auto db = static_cast<std::size_t>(dtype_size(dt));
  DeviceBuffer<std::byte> d_src(src.size() + offset * sb);
  DeviceBuffer<std::byte> d_dst(static_cast<std::size_t>(n) * db + offset * db);
  PT_CUDA_CHECK(cudaMemcpy(d_src.data() + offset * sb, src.data(), src.size(),
                           cudaMemcpyHostToDevice));
  cast(d_src.data() + offset * sb, st, d_dst.data() + offset * db, dt, n, nullptr, s_in, s_out);
  PT_CUDA_CHECK(cudaDeviceSynchronize());
  std::vector<std::byte> out(static_cast<std::size_t>(n) * db);
  PT_CUDA_CHECK(cudaMemcpy(out.data(), d_dst.data() + offset * db, out.size(),
                           cudaMemcpyDeviceToHost));
  return out;
}

void expect_same_elements(const std::vector<std::byte>& got, const std::vector<std::byte>& want,
                          DType t, const std::string& what) {
  ASSERT_EQ(got.size(), want.size());
  const auto n = static_cast<std::int64_t>(got.size()) / dtype_size(t);
  std::int64_t bad = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const float g = load_as_float(got.data(), t, i);
    const float w = load_as_float(want.data(), t, i);
    const bool same = (std::isnan(g) && std::isnan(w)) ||
                      std::memcmp(got.data() + i * dtype_size(t), want.data() + i * dtype_size(t),
                                  static_cast<std::size_t>(dtype_size(t))) == 0;
    if (!same && bad++ < 5) ADD_FAILURE() << what << ": element " << i << " got " << g << " want " << w;
  }
  EXPECT_EQ(bad, 0) << what;
}

TEST(Cast, EveryTypePairMatchesHostReference) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: GPU casts";
  const std::int64_t n = 1'000'003;  // not a multiple of any vector width
  std::uint32_t seed = 1;
  for (DType st : kTypes) {
    for (DType dt : kTypes) {
      for (std::size_t offset : {std::size_t{0}, std::size_t{1}}) {
        const float s_in = 0.037f, s_out = 0.021f;
        const auto src = random_elements(st, n, seed++);
        std::vector<std::byte> want(static_cast<std::size_t>(n * dtype_size(dt)));
        cast_host(src.data(), st, want.data(), dt, n, s_in, s_out);
        const auto got = run_cast(src, st, dt, n, s_in, s_out, offset);
        expect_same_elements(got, want, dt,
                             std::string(to_string(st)) + " -> " + std::string(to_string(dt)) +
                                 " offset " + std::to_string(offset));
      }
    }
  }
}

TEST(Cast, SpecialValues) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: GPU casts";
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> x = {0.0f,   -0.0f,     65504.0f, 65520.0f, -65520.0f, 1e-8f,
                          0x1p-24f, 0x1p-25f, 3 * 0x1p-25f, inf, -inf, std::nanf(""),
                          1.0f + 0x1p-11f, std::numeric_limits<float>::max(), 127.5f, -128.5f,
                          2.5f, -2.5f, 3.5f};
  std::vector<std::byte> src(x.size() * 4);
  std::memcpy(src.data(), x.data(), src.size());
  for (DType dt : {DType::fp16, DType::bf16, DType::int8}) {
    const auto n = static_cast<std::int64_t>(x.size());
    std::vector<std::byte> want(static_cast<std::size_t>(n * dtype_size(dt)));
    cast_host(src.data(), DType::fp32, want.data(), dt, n, 1.0f, 1.0f);
    const auto got = run_cast(src, DType::fp32, dt, n, 1.0f, 1.0f, 0);
    expect_same_elements(got, want, dt, "specials fp32 -> " + std::string(to_string(dt)));
  }
}

TEST(Cast, PerChannelInt8MatchesHostReference) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: GPU int8 casts";
  std::mt19937 rng(7);
  std::normal_distribution<float> g(0.0f, 2.0f);
  // (channels, inner): KCRS-like (inner 13, not a vector multiple), NHWC-like (inner 1), and
  // inner a multiple of the vector width
  const ScaleLayout layouts[] = {{7, 13}, {5, 1}, {3, 64}};
  for (const ScaleLayout& layout : layouts) {
    const std::int64_t n = layout.channels * layout.inner * 1001 + 3;  // ragged last channel
    std::vector<float> x(static_cast<std::size_t>(n));
    for (auto& v : x) v = g(rng);
    std::vector<float> scales(static_cast<std::size_t>(layout.channels));
    for (std::size_t c = 0; c < scales.size(); ++c) scales[c] = 0.01f * static_cast<float>(c + 1);
    std::vector<std::int8_t> want(x.size());
    quantize_int8_host(x, want, scales, layout);

    DeviceBuffer<float> d_x(x.size()), d_scales(scales.size()), d_back(x.size());
    DeviceBuffer<std::int8_t> d_q(x.size());
    d_x.upload(x);
    d_scales.upload(scales);
    const DeviceScales ds{1.0f, d_scales.data(), layout};
    quantize_int8(d_x.data(), d_q.data(), n, ds, nullptr);
    const auto got = d_q.to_host();
    EXPECT_EQ(got, want) << "channels " << layout.channels << " inner " << layout.inner;

    std::vector<float> back_want(x.size());
    dequantize_int8_host(want, back_want, scales, layout);
    dequantize_int8(d_q.data(), d_back.data(), n, ds, nullptr);
    EXPECT_EQ(d_back.to_host(), back_want) << "channels " << layout.channels;
  }
}

TEST(Cast, RejectsBadArguments) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: GPU casts";
  DeviceBuffer<float> a(16), b(16);
  EXPECT_THROW(cast(a.data(), DType::fp32, b.data(), DType::int32, 16, nullptr), Error);
  EXPECT_THROW(cast(a.data(), DType::fp32, b.data(), DType::int8, 16, nullptr, 1.0f, 0.0f), Error);
  EXPECT_THROW(cast(nullptr, DType::fp32, b.data(), DType::fp16, 16, nullptr), Error);
  EXPECT_NO_THROW(cast(nullptr, DType::fp32, nullptr, DType::fp16, 0, nullptr));
}

}  // namespace
}  // namespace plantune::precision
