// GPU layout transforms against the host reference (transform_host + precision::cast_host),
// bit for bit, on fresh random data: every pair of layouts, every pair of fp32/fp16/bf16/int8,
// odd shapes (C = 3, W = 7, sizes off the tile and vector widths), garbage in the source's
// padding (which must be ignored), misaligned pointers, and one tensor past 2^31 elements.
// Shapes are chosen to reach every kernel: the tile kernels, the regather modes, the register
// transposes (same-type 1-/2-byte moves with C, H*W a multiple of 16 / element bytes; int8
// only with equal scales) and the 3-channel stem fold (even W, source lines a multiple of 16
// bytes, whole destination rows staged per block).
#include "plantune/layouts/transform.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "plantune/core/device_buffer.h"
#include "plantune/core/error.h"
#include "plantune/layouts/host_transform.h"
#include "plantune/precision/host_cast.h"
#include "support/gpu_skip.h"

namespace plantune::layouts {
namespace {

using precision::load_as_float;
using precision::store_from_float;

constexpr DType kTypes[] = {DType::fp32, DType::fp16, DType::bf16, DType::int8};
constexpr float kSrcScale = 0.05f, kDstScale = 0.03f;

// A stored tensor full of random values of `t`, padding positions included.
std::vector<std::byte> random_stored(const Dims4& d, TensorLayout l, DType t, std::mt19937& rng) {
  const std::int64_t n = stored_numel(d, l);
  std::vector<std::byte> out(static_cast<std::size_t>(n * dtype_size(t)));
  std::uniform_real_distribution<float> u(-4.0f, 4.0f);
  std::uniform_int_distribution<int> q(-128, 127);
  for (std::int64_t i = 0; i < n; ++i) {
    if (t == DType::int8) {
      reinterpret_cast<std::int8_t*>(out.data())[i] = static_cast<std::int8_t>(q(rng));
    } else {
      store_from_float(out.data(), t, i, u(rng));
    }
  }
  return out;
}

// Host reference: decode the logical elements, move them, encode (padding and fill are 0).
std::vector<std::byte> reference(const TransformDesc& d, const std::vector<std::byte>& src,
                                 TransformOptions o = {kSrcScale, kDstScale}) {
  const std::int64_t ns = stored_numel(d.dims, d.src_layout);
  std::vector<float> fs(static_cast<std::size_t>(ns));
  for (std::int64_t i = 0; i < ns; ++i) fs[i] = load_as_float(src.data(), d.src_dtype, i, o.src_scale);
  const auto fd = transform_host<float>(fs, d.dims, d.src_layout, d.dst_layout);
  std::vector<std::byte> out(fd.size() * static_cast<std::size_t>(dtype_size(d.dst_dtype)));
  for (std::size_t i = 0; i < fd.size(); ++i) {
    store_from_float(out.data(), d.dst_dtype, static_cast<std::int64_t>(i), fd[i], o.dst_scale);
  }
  return out;
}

// Runs the GPU transform with both pointers `offset` elements into their buffers.
std::vector<std::byte> run_gpu(const TransformDesc& d, const std::vector<std::byte>& src,
                               std::size_t offset = 0, TransformOptions o = {kSrcScale, kDstScale}) {
  const auto sb = static_cast<std::size_t>(dtype_size(d.src_dtype));
  const auto db = static_cast<std::size_t>(dtype_size(d.dst_dtype));
  const auto dst_bytes = static_cast<std::size_t>(stored_bytes(d.dims, d.dst_layout, d.dst_dtype));
  DeviceBuffer<std::byte> d_src(src.size() + offset * sb), d_dst(dst_bytes + offset * db);
  PT_CUDA_CHECK(cudaMemcpy(d_src.data() + offset * sb, src.data(), src.size(), cudaMemcpyHostToDevice));
  PT_CUDA_CHECK(cudaMemset(d_dst.data(), 0x7f, d_dst.bytes()));  // stale bytes must be overwritten
  transform(d, d_src.data() + offset * sb, d_dst.data() + offset * db, nullptr, o);
  PT_CUDA_CHECK(cudaDeviceSynchronize());
  std::vector<std::byte> out(dst_bytes);
  PT_CUDA_CHECK(cudaMemcpy(out.data(), d_dst.data() + offset * db, dst_bytes, cudaMemcpyDeviceToHost));
  return out;
}

// Bitwise equality (any NaN equals any NaN); reports the first few mismatches.
int count_mismatches(const TransformDesc& d, const std::vector<std::byte>& got,
                     const std::vector<std::byte>& want, const std::string& what) {
  const auto es = static_cast<std::size_t>(dtype_size(d.dst_dtype));
  int bad = 0;
  for (std::size_t i = 0; i < want.size() / es; ++i) {
    if (std::memcmp(got.data() + i * es, want.data() + i * es, es) == 0) continue;
    const float g = load_as_float(got.data(), d.dst_dtype, static_cast<std::int64_t>(i));
    const float w = load_as_float(want.data(), d.dst_dtype, static_cast<std::int64_t>(i));
    if (std::isnan(g) && std::isnan(w)) continue;
    if (bad++ < 3) ADD_FAILURE() << what << ": stored element " << i << " got " << g << " want " << w;
  }
  return bad;
}

const Dims4 kShapes[] = {
    {2, 3, 7, 9},     // the RGB stem case, odd W
    {1, 5, 13, 7},    // W = 7, odd H
    {3, 64, 10, 6},   // vector paths (C and HW multiples of 8/16)
    {2, 40, 9, 11},   // C pads to 40 (c8) and 64 (c32)
    {1, 130, 5, 7},   // several channel tiles, ragged
    {2, 16, 33, 35},  // several pixel tiles, ragged
    // register transposes (U = 8 for 2-byte, 16 for 1-byte elements; tiles of 4 or 8 channel
    // units x 64 or 32 pixel units)
    {2, 48, 4, 12},   // 6 (2-byte) / 3 (1-byte) channel units, one ragged tile; c32 pads 2 / 1 units
    {1, 48, 3, 16},   // folds with odd H (W % 16 == 0)
    {1, 176, 8, 24},  // 22 / 11 channel units: several channel tiles, ragged; folds for 2-byte
    {2, 32, 20, 40},  // 4 channel units (2-byte): several pixel tiles, ragged
    {1, 64, 36, 32},  // several pixel tiles for both sizes; folds for both
    // stem fold (C = 3; every source type for W % 16 == 0, fp32/fp16 for W = 24)
    {2, 3, 5, 16},    // odd H: the last row's dy = 1 half is zeros
    {3, 3, 6, 24},    // one block stages every row
    {2, 3, 37, 224},  // 2 to 9 staged rows per block, a ragged last block
};
constexpr int kShapeCount = static_cast<int>(sizeof(kShapes) / sizeof(kShapes[0]));

TEST(Transform, EveryLayoutPairAndTypePairMatchesHostReference) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: GPU transforms";
  std::mt19937 rng(2024);
  int cases = 0, bad = 0;
  for (const Dims4& dims : kShapes) {
    for (TensorLayout from : kAllLayouts) {
      for (TensorLayout to : kAllLayouts) {
        for (DType st : kTypes) {
          for (DType dt : kTypes) {
            const TransformDesc d{dims, from, st, to, dt};
            const auto src = random_stored(dims, from, st, rng);
            bad += count_mismatches(d, run_gpu(d, src), reference(d, src), to_string(d));
            ++cases;
            ASSERT_LT(bad, 20) << "stopping after " << cases << " cases";
          }
        }
      }
    }
  }
  EXPECT_EQ(bad, 0);
  EXPECT_EQ(cases, kShapeCount * 7 * 7 * 4 * 4);
}

// Same-type moves with equal scales: the int8 -> int8 raw moves (register transposes, stem
// fold) only run when the scales agree, which the test above never has.
TEST(Transform, SameTypeMovesWithEqualScalesMatchHostReference) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: GPU transforms";
  std::mt19937 rng(99);
  const TransformOptions same{0.05f, 0.05f};
  int cases = 0, bad = 0;
  for (const Dims4& dims : kShapes) {
    for (TensorLayout from : kAllLayouts) {
      for (TensorLayout to : kAllLayouts) {
        for (DType t : kTypes) {
          const TransformDesc d{dims, from, t, to, t};
          const auto src = random_stored(dims, from, t, rng);
          bad += count_mismatches(d, run_gpu(d, src, 0, same), reference(d, src, same), to_string(d));
          ++cases;
          ASSERT_LT(bad, 20) << "stopping after " << cases << " cases";
        }
      }
    }
  }
  EXPECT_EQ(bad, 0);
  EXPECT_EQ(cases, kShapeCount * 7 * 7 * 4);
}

// The benchmarked transforms (benchmarks/layouts_bench.cpp) at batch 2, with the benchmark's
// equal scales.
TEST(Transform, BenchmarkedTransformsAtSmallBatch) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: GPU transforms";
  std::mt19937 rng(11);
  const TransformOptions same{0.05f, 0.05f};
  const Dims4 act{2, 128, 128, 128}, stem{2, 3, 224, 224}, fold{2, 64, 192, 192};
  std::vector<TransformDesc> descs;
  for (DType t : kTypes) {
    descs.push_back({act, kNCHW, t, kNHWC, t});
    descs.push_back({act, kNHWC, t, kNCHW, t});
  }
  descs.push_back({stem, kNCHW, DType::fp32, kNHWC_S2D2_C8, DType::fp16});
  descs.push_back({stem, kNHWC, DType::fp16, kNHWC_S2D2_C8, DType::fp16});
  descs.push_back({stem, kNCHW, DType::fp32, kNHWC_C8, DType::fp16});
  descs.push_back({fold, kNCHW, DType::fp16, kNHWC_S2D2, DType::fp16});
  descs.push_back({fold, kNHWC, DType::fp16, kNHWC_S2D2, DType::fp16});
  descs.push_back({fold, kNHWC_S2D2, DType::fp16, kNCHW, DType::fp16});
  for (const auto& d : descs) {
    const auto src = random_stored(d.dims, d.src_layout, d.src_dtype, rng);
    EXPECT_EQ(count_mismatches(d, run_gpu(d, src, 0, same), reference(d, src, same), to_string(d)), 0);
  }
}

TEST(Transform, MisalignedPointersTakeTheScalarPaths) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: GPU transforms";
  std::mt19937 rng(7);
  const Dims4 dims{2, 64, 8, 8};
  const std::pair<TensorLayout, TensorLayout> pairs[] = {
      {kNCHW, kNHWC}, {kNHWC, kNCHW}, {kNHWC, kNHWC_C32}, {kNHWC_S2D2_C8, kNHWC}, {kNCHW, kNHWC_S2D2}};
  for (auto [from, to] : pairs) {
    for (DType st : {DType::fp32, DType::fp16}) {
      const TransformDesc d{dims, from, st, to, DType::fp16};
      const auto src = random_stored(dims, from, st, rng);
      EXPECT_EQ(count_mismatches(d, run_gpu(d, src, 1), reference(d, src), to_string(d) + " +1"), 0);
    }
  }
}

TEST(Transform, FusedCastToPaddedNhwcForTheStem) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: GPU transforms";
  // fp32 NCHW -> fp16 NHWC padded to 8, ResNet-50's input at batch 4
  std::mt19937 rng(3);
  const TransformDesc d{{4, 3, 224, 224}, kNCHW, DType::fp32, kNHWC_C8, DType::fp16};
  const auto src = random_stored(d.dims, d.src_layout, d.src_dtype, rng);
  EXPECT_EQ(count_mismatches(d, run_gpu(d, src), reference(d, src), to_string(d)), 0);
}

TEST(Transform, PastTwoToThe31Elements) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: GPU transforms";
  std::size_t free_bytes = 0, total = 0;
  PT_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total));
  const Dims4 dims{2, 64, 4100, 4100};  // 2.15e9 int8 elements
  const auto bytes = static_cast<std::size_t>(stored_numel(dims, kNCHW));
  if (free_bytes < 2 * bytes + (1ull << 30)) GTEST_SKIP() << "needs 5 GB of free device memory";
  std::vector<std::int8_t> src(bytes);
  for (std::size_t i = 0; i < bytes; ++i) src[i] = static_cast<std::int8_t>((i * 2654435761ull) >> 24);
  for (auto [from, to] : {std::pair{kNCHW, kNHWC}, std::pair{kNHWC, kNCHW}}) {
    const TransformDesc d{dims, from, DType::int8, to, DType::int8};
    DeviceBuffer<std::int8_t> d_src(bytes), d_dst(bytes);
    d_src.upload(src);
    transform(d, d_src.data(), d_dst.data(), nullptr);
    const auto got = d_dst.to_host();
    std::mt19937_64 rng(5);
    int bad = 0;
    for (int i = 0; i < 4'000'000; ++i) {
      const std::int64_t n = static_cast<std::int64_t>(rng() % dims.n),
                         c = static_cast<std::int64_t>(rng() % dims.c),
                         h = static_cast<std::int64_t>(rng() % dims.h),
                         w = static_cast<std::int64_t>(rng() % dims.w);
      const auto so = static_cast<std::size_t>(element_offset(dims, from, n, c, h, w));
      const auto o = static_cast<std::size_t>(element_offset(dims, to, n, c, h, w));
      if (got[o] != src[so] && bad++ < 3) {
        ADD_FAILURE() << to_string(d) << ": (" << n << ", " << c << ", " << h << ", " << w << ")";
      }
    }
    EXPECT_EQ(bad, 0) << to_string(d);
    // the very last element, past 2^31
    EXPECT_EQ(got[static_cast<std::size_t>(element_offset(dims, to, 1, 63, 4099, 4099))],
              src[static_cast<std::size_t>(element_offset(dims, from, 1, 63, 4099, 4099))]);
  }
}

TEST(Transform, RejectsBadArguments) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: GPU transforms";
  DeviceBuffer<float> a(64), b(64);
  const TransformDesc d{{1, 4, 4, 4}, kNCHW, DType::fp32, kNHWC, DType::int8};
  EXPECT_THROW(transform(d, a.data(), b.data(), nullptr, {1.0f, 0.0f}), Error);
  EXPECT_THROW(transform(d, nullptr, b.data(), nullptr), Error);
  TransformDesc bad = d;
  bad.src_layout = {Layout::nchw, 8, 1};
  EXPECT_THROW(transform(bad, a.data(), b.data(), nullptr), Error);
}

}  // namespace
}  // namespace plantune::layouts
