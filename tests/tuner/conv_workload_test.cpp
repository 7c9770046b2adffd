// ConvWorkload: executed problem, data in both layouts and dtypes, channel padding, slot
// rotation, poisoned outputs and guard bytes, the epilogue's bias and z. GPU tests skip without
// a device.
#include "plantune/tuner/conv_workload.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <set>
#include <vector>

#include "plantune/core/error.h"
#include "plantune/core/stream.h"
#include "support/gpu_skip.h"
#include "tuner/conv_shapes.h"
#include "tuner/tuner_test_kernels.h"

namespace {

using namespace plantune;
using namespace plantune::tuner;
using plantune::tuner::testing::conv;

#define NEED_GPU()                                        \
  if (!plantune::testing::has_cuda_device())              \
  GTEST_SKIP() << "no CUDA device: conv workloads live in device memory"

template <typename T>
std::vector<T> download(const void* p, std::int64_t bytes) {
  std::vector<T> out(static_cast<std::size_t>(bytes) / sizeof(T));
  EXPECT_EQ(cudaMemcpy(out.data(), p, out.size() * sizeof(T), cudaMemcpyDeviceToHost), cudaSuccess);
  return out;
}

std::vector<float> download_f(const float* p, std::size_t n) {
  std::vector<float> out(n);
  EXPECT_EQ(cudaMemcpy(out.data(), p, n * sizeof(float), cudaMemcpyDeviceToHost), cudaSuccess);
  return out;
}

std::size_t nchw(std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w, std::int64_t C,
                 std::int64_t H, std::int64_t W) {
  return static_cast<std::size_t>(((n * C + c) * H + h) * W + w);
}
std::size_t nhwc(std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w, std::int64_t C,
                 std::int64_t H, std::int64_t W) {
  return static_cast<std::size_t>(((n * H + h) * W + w) * C + c);
}

WorkloadOptions seeded(std::uint64_t seed) {
  WorkloadOptions o;
  o.seed = seed;
  o.cold_l2 = false;
  return o;
}

TEST(ConvWorkload, ExecProblemPadsChannelsAndUsesTheStorageDtype) {
  const ConvProblem p = conv(2, 3, 32, 13, 7, 3, 2);
  const ConvProblem e = exec_problem(p, Variant{Layout::nhwc, Precision::fp16, 8, 16});
  EXPECT_EQ(e.c, 8);
  EXPECT_EQ(e.k, 16);
  EXPECT_EQ(e.x_dtype, DType::fp16);
  EXPECT_EQ(e.w_dtype, DType::fp16);
  EXPECT_EQ(e.y_dtype, DType::fp16);
  EXPECT_EQ(e.compute, DType::fp32);
  EXPECT_EQ(e.out_h(), 16);
  const ConvProblem t = exec_problem(p, Variant{Layout::nchw, Precision::tf32, 0, 0});
  EXPECT_EQ(t.c, 3);
  EXPECT_EQ(t.x_dtype, DType::fp32);  // tf32 is a math mode over fp32 storage
}

TEST(ConvWorkload, ExecProblemRejectsPaddingThatCannotWork) {
  const ConvProblem grouped = conv(1, 12, 8, 12, 3, 1, 1, 4);
  EXPECT_THROW(exec_problem(grouped, Variant{Layout::nhwc, Precision::fp16, 16, 0}), Error);
  const ConvProblem p = conv(1, 12, 8, 12, 3, 1, 1);
  EXPECT_THROW(exec_problem(p, Variant{Layout::nhwc, Precision::fp16, 8, 0}), Error);
}

// The Error exec_problem throws for `v` of `p`; fails the test when it does not throw.
Error exec_error(const ConvProblem& p, const Variant& v) {
  try {
    exec_problem(p, v);
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "exec_problem accepted " << problem_key(p) << " as " << to_string(v);
  return Error(ErrorCode::internal, "no error");
}

bool mentions(const Error& e, const std::string& what) {
  return std::string(e.what()).find(what) != std::string::npos;
}

TEST(ConvWorkload, Int8ExecutesInt8InputsIntoFp32WithInt32Accumulation) {
  const ConvProblem p = conv(2, 64, 14, 64, 3, 1, 1);
  const ConvProblem e = exec_problem(p, Variant{Layout::nhwc, Precision::int8, 0, 0});
  EXPECT_EQ(e.x_dtype, DType::int8);
  EXPECT_EQ(e.w_dtype, DType::int8);
  EXPECT_EQ(e.y_dtype, DType::fp32);
  EXPECT_EQ(e.compute, DType::int32);
  EXPECT_EQ(e.c, 64);
  EXPECT_EQ(e.k, 64);
  // C = 12 and K = 20 are multiples of 4 (not of 8): enough for int8.
  EXPECT_NO_THROW(exec_problem(conv(1, 12, 8, 20, 3, 1, 1), Variant{Layout::nhwc, Precision::int8, 0, 0}));
  // Grouped: C per group (16 / 4 = 4) counts.
  EXPECT_NO_THROW(exec_problem(conv(1, 16, 8, 16, 3, 1, 1, 4), Variant{Layout::nhwc, Precision::int8, 0, 0}));
  EXPECT_EQ(conv_output_scale(Precision::int8), (1.0f / 127.0f) * (1.0f / 127.0f));
  for (Precision pr : {Precision::fp32, Precision::tf32, Precision::fp16, Precision::bf16}) {
    EXPECT_EQ(conv_output_scale(pr), 1.0f) << to_string(pr);
  }
}

TEST(ConvWorkload, Int8RunsInNhwcOnly) {
  const ConvProblem p = conv(2, 64, 14, 64, 3, 1, 1);
  const Error e = exec_error(p, Variant{Layout::nchw, Precision::int8, 0, 0});
  EXPECT_EQ(e.code(), ErrorCode::not_supported);
  EXPECT_TRUE(mentions(e, problem_key(p))) << e.what();
  EXPECT_TRUE(mentions(e, "NHWC")) << e.what();
  EXPECT_TRUE(mentions(e, "nhwc/int8")) << e.what();
}

TEST(ConvWorkload, Int8NeedsChannelsInMultiplesOfFourAndNamesThePadding) {
  const ConvProblem first = conv(2, 3, 32, 64, 7, 3, 2);  // an RGB input layer
  const Error c3 = exec_error(first, Variant{Layout::nhwc, Precision::int8, 0, 0});
  EXPECT_EQ(c3.code(), ErrorCode::not_supported);
  EXPECT_TRUE(mentions(c3, problem_key(first))) << c3.what();
  EXPECT_TRUE(mentions(c3, "multiples of 4")) << c3.what();
  EXPECT_TRUE(mentions(c3, "nhwc/int8/pad_c4_k0")) << c3.what();
  EXPECT_TRUE(mentions(c3, "nhwc/int8/pad_c8_k0")) << c3.what();
  // Padded, it runs: the executed C is what counts.
  for (std::int64_t pc : {4, 8}) {
    const ConvProblem e = exec_problem(first, Variant{Layout::nhwc, Precision::int8, pc, 0});
    EXPECT_EQ(e.c, pc);
    EXPECT_EQ(e.x_dtype, DType::int8);
    EXPECT_EQ(e.y_dtype, DType::fp32);
  }
  // Padding that still leaves C unaligned is refused the same way.
  EXPECT_EQ(exec_error(first, Variant{Layout::nhwc, Precision::int8, 6, 0}).code(),
            ErrorCode::not_supported);
  // K alone unaligned: the suggestion pads K only.
  const ConvProblem k10 = conv(1, 64, 8, 10, 1, 0, 1);
  const Error k = exec_error(k10, Variant{Layout::nhwc, Precision::int8, 0, 0});
  EXPECT_EQ(k.code(), ErrorCode::not_supported);
  EXPECT_TRUE(mentions(k, "nhwc/int8/pad_c0_k12")) << k.what();
  EXPECT_TRUE(mentions(k, "nhwc/int8/pad_c0_k16")) << k.what();
  // Grouped with 3 channels per group: no padding exists for it, and the message says so.
  const ConvProblem grouped = conv(1, 12, 8, 12, 3, 1, 1, 4);
  const Error g = exec_error(grouped, Variant{Layout::nhwc, Precision::int8, 0, 0});
  EXPECT_EQ(g.code(), ErrorCode::not_supported);
  EXPECT_TRUE(mentions(g, "groups = 1")) << g.what();
}

TEST(ConvWorkload, Int8HasNoFusedEpilogue) {
  ConvProblem p = conv(2, 64, 14, 64, 3, 1, 1);
  for (const ConvEpilogue& epi : {ConvEpilogue{true, false, Activation::none},
                                  ConvEpilogue{false, true, Activation::none},
                                  ConvEpilogue{false, false, Activation::relu}}) {
    p.epilogue = epi;
    const Error e = exec_error(p, Variant{Layout::nhwc, Precision::int8, 0, 0});
    EXPECT_EQ(e.code(), ErrorCode::not_supported) << problem_key(p);
    EXPECT_TRUE(mentions(e, "epilogue")) << e.what();
    // The float precisions keep it.
    EXPECT_EQ(exec_problem(p, Variant{Layout::nhwc, Precision::fp16, 0, 0}).epilogue, epi);
  }
}

TEST(ConvWorkload, ExecProblemKeepsTheEpilogue) {
  ConvProblem p = conv(2, 3, 32, 13, 7, 3, 2);
  p.epilogue = ConvEpilogue{true, true, Activation::relu};
  const ConvProblem e = exec_problem(p, Variant{Layout::nhwc, Precision::fp16, 8, 16});
  EXPECT_EQ(e.epilogue, p.epilogue);
  EXPECT_EQ(e.k, 16);
}

TEST(ConvWorkload, EpilogueInputsExistOnlyWhenAsked) {
  NEED_GPU();
  Stream s;
  const ConvProblem plain = conv(2, 5, 6, 7, 3, 1, 1);
  ConvWorkload a(plain, Variant{Layout::nhwc, Precision::fp32, 0, 0}, seeded(3), s.get());
  EXPECT_EQ(a.operands(0).bias, nullptr);
  EXPECT_EQ(a.operands(0).z, nullptr);
  EXPECT_EQ(a.bias_ref(), nullptr);
  EXPECT_EQ(a.z_ref(), nullptr);
  ConvProblem p = plain;
  p.epilogue = ConvEpilogue{true, false, Activation::relu};
  ConvWorkload b(p, Variant{Layout::nhwc, Precision::fp32, 0, 0}, seeded(3), s.get());
  EXPECT_NE(b.operands(0).bias, nullptr);
  EXPECT_EQ(b.operands(0).z, nullptr);
  EXPECT_NE(b.bias_ref(), nullptr);
  EXPECT_EQ(b.z_ref(), nullptr);
  // x and w are the same data with or without an epilogue (same seed).
  EXPECT_EQ(download<float>(a.operands(0).x, a.x_bytes()),
            download<float>(b.operands(0).x, b.x_bytes()));
}

TEST(ConvWorkload, BiasAndZHoldTheReferenceValuesInEverySlot) {
  NEED_GPU();
  Stream s;
  ConvProblem p = conv(2, 4, 6, 7, 3, 1, 1);
  p.epilogue = ConvEpilogue{true, true, Activation::none};
  WorkloadOptions o = seeded(21);
  o.cold_l2 = true;
  o.l2_bytes = 64 << 10;  // pretend 64 KiB of L2: several slots
  ConvWorkload wl(p, Variant{Layout::nhwc, Precision::fp16, 0, 0}, o, s.get());
  ASSERT_GE(wl.slot_count(), 2);
  const std::int64_t P = p.out_h(), Q = p.out_w();
  const auto bias_ref = download_f(wl.bias_ref(), static_cast<std::size_t>(p.k));
  const auto z_ref = download_f(wl.z_ref(), static_cast<std::size_t>(p.n * p.k * P * Q));
  const auto y_ref_size = static_cast<std::size_t>(wl.y_bytes() / 2);
  std::set<float> distinct(z_ref.begin(), z_ref.end());
  EXPECT_GT(distinct.size(), z_ref.size() / 2) << "fresh random data, not a constant";
  for (int slot : {0, wl.slot_count() - 1}) {
    const ConvOperands op = wl.operands(slot);
    ASSERT_NE(op.bias, nullptr);
    ASSERT_NE(op.z, nullptr);
    EXPECT_NE(op.z, op.y);
    const auto bias = download<__half>(op.bias, p.k * 2);
    for (std::int64_t k = 0; k < p.k; ++k) {
      ASSERT_EQ(__half2float(bias[static_cast<std::size_t>(k)]), bias_ref[static_cast<std::size_t>(k)]);
    }
    const auto z = download<__half>(op.z, wl.y_bytes());
    ASSERT_EQ(z.size(), y_ref_size);
    for (std::int64_t n = 0; n < p.n; ++n)
      for (std::int64_t k = 0; k < p.k; ++k)
        for (std::int64_t h = 0; h < P; ++h)
          for (std::int64_t w = 0; w < Q; ++w) {
            ASSERT_EQ(__half2float(z[nhwc(n, k, h, w, p.k, P, Q)]), z_ref[nchw(n, k, h, w, p.k, P, Q)]);
          }
  }
  // Poisoning y leaves z alone.
  wl.poison_output(s.get());
  s.synchronize();
  const auto z_after = download<__half>(wl.operands(0).z, wl.y_bytes());
  EXPECT_EQ(__half2float(z_after[0]), z_ref[0]);
}

TEST(ConvWorkload, PaddedKZeroPadsTheBiasAndThePadCopyRebuildsZ) {
  NEED_GPU();
  Stream s;
  ConvProblem p = conv(1, 8, 5, 13, 3, 1, 1);
  p.epilogue = ConvEpilogue{true, true, Activation::relu};
  ConvWorkload wl(p, Variant{Layout::nchw, Precision::fp16, 0, 16}, seeded(4), s.get());
  ASSERT_EQ(wl.exec().k, 16);
  const std::int64_t P = p.out_h(), Q = p.out_w();
  const auto bias_ref = download_f(wl.bias_ref(), static_cast<std::size_t>(p.k));
  const auto z_ref = download_f(wl.z_ref(), static_cast<std::size_t>(p.n * p.k * P * Q));
  const auto bias = download<__half>(wl.operands(0).bias, 16 * 2);
  for (std::int64_t k = 0; k < 16; ++k) {
    const float v = __half2float(bias[static_cast<std::size_t>(k)]);
    if (k < p.k) {
      ASSERT_EQ(v, bias_ref[static_cast<std::size_t>(k)]);
    } else {
      ASSERT_EQ(v, 0.0f) << "padding channel " << k;
    }
  }
  auto check_z = [&]() {
    const auto z = download<__half>(wl.operands(0).z, wl.y_bytes());
    ASSERT_EQ(static_cast<std::int64_t>(z.size()), p.n * 16 * P * Q);
    for (std::int64_t k = 0; k < 16; ++k)
      for (std::int64_t h = 0; h < P; ++h)
        for (std::int64_t w = 0; w < Q; ++w) {
          const float v = __half2float(z[nchw(0, k, h, w, 16, P, Q)]);
          ASSERT_EQ(v, k < p.k ? z_ref[nchw(0, k, h, w, p.k, P, Q)] : 0.0f) << k << " " << h << " " << w;
        }
  };
  check_z();
  // The pad copy (part of the tactic's time) rebuilds the padded z from the unpadded one.
  ASSERT_EQ(cudaMemset(const_cast<void*>(wl.operands(0).z), 0x7B, wl.y_bytes()), cudaSuccess);
  wl.enqueue_pad_input(0, s.get());
  s.synchronize();
  check_z();
}

TEST(ConvWorkload, SameLogicalDataInBothLayoutsAndInTheReferenceCopies) {
  NEED_GPU();
  Stream s;
  const ConvProblem p = conv(2, 5, 6, 7, 3, 1, 1);
  ConvWorkload a(p, Variant{Layout::nchw, Precision::fp32, 0, 0}, seeded(42), s.get());
  ConvWorkload b(p, Variant{Layout::nhwc, Precision::fp32, 0, 0}, seeded(42), s.get());
  auto xa = download<float>(a.operands(0).x, a.x_bytes());
  auto xb = download<float>(b.operands(0).x, b.x_bytes());
  auto xr = download_f(a.x_ref(), xa.size());
  std::set<float> distinct;
  for (std::int64_t n = 0; n < p.n; ++n)
    for (std::int64_t c = 0; c < p.c; ++c)
      for (std::int64_t h = 0; h < p.h; ++h)
        for (std::int64_t w = 0; w < p.w; ++w) {
          const float v = xa[nchw(n, c, h, w, p.c, p.h, p.w)];
          ASSERT_EQ(v, xb[nhwc(n, c, h, w, p.c, p.h, p.w)]);
          ASSERT_EQ(v, xr[nchw(n, c, h, w, p.c, p.h, p.w)]);
          ASSERT_GE(v, -1.0f);
          ASSERT_LT(v, 1.0f);
          distinct.insert(v);
        }
  EXPECT_GT(distinct.size(), xa.size() * 9 / 10) << "fresh random data, not a constant";
  // Filters: KCRS in NCHW, KRSC in NHWC.
  auto wa = download<float>(a.operands(0).w, a.w_bytes());
  auto wb = download<float>(b.operands(0).w, b.w_bytes());
  auto wr = download_f(a.w_ref(), wa.size());
  for (std::int64_t k = 0; k < p.k; ++k)
    for (std::int64_t c = 0; c < p.c; ++c)
      for (std::int64_t r = 0; r < p.r; ++r)
        for (std::int64_t t = 0; t < p.s; ++t) {
          ASSERT_EQ(wa[nchw(k, c, r, t, p.c, p.r, p.s)], wb[nhwc(k, c, r, t, p.c, p.r, p.s)]);
          ASSERT_EQ(wa[nchw(k, c, r, t, p.c, p.r, p.s)], wr[nchw(k, c, r, t, p.c, p.r, p.s)]);
        }
  // Another seed gives other data.
  ConvWorkload c2(p, Variant{Layout::nchw, Precision::fp32, 0, 0}, seeded(43), s.get());
  EXPECT_NE(download<float>(c2.operands(0).x, c2.x_bytes()), xa);
}

TEST(ConvWorkload, Fp16StorageAndItsReferenceCopyHoldTheSameRoundedValues) {
  NEED_GPU();
  Stream s;
  const ConvProblem p = conv(1, 8, 5, 8, 3, 1, 1);
  ConvWorkload wl(p, Variant{Layout::nchw, Precision::fp16, 0, 0}, seeded(7), s.get());
  EXPECT_EQ(wl.x_bytes(), p.n * p.c * p.h * p.w * 2);
  auto bits = download<__half>(wl.operands(0).x, wl.x_bytes());
  auto ref = download_f(wl.x_ref(), bits.size());
  int inexact_in_fp16 = 0;
  for (std::size_t i = 0; i < bits.size(); ++i) {
    ASSERT_EQ(__half2float(bits[i]), ref[i]) << "element " << i;
    // The values really are rounded to fp16: converting back loses nothing.
    ASSERT_EQ(__half2float(__float2half_rn(ref[i])), ref[i]);
    inexact_in_fp16 += (ref[i] * 4096.0f != std::floor(ref[i] * 4096.0f)) ? 1 : 0;
  }
  EXPECT_GT(inexact_in_fp16, 0) << "values use more than 12 fractional bits";
}

// Exact copies: the hash values u before rounding, kept only for tensors stored in other than
// fp32; the rounded copies are those values rounded the storage dtype's way.
TEST(ConvWorkload, ExactCopiesHoldTheUnroundedValuesWhereStorageRounds) {
  NEED_GPU();
  Stream s;
  ConvProblem p = conv(2, 8, 6, 12, 3, 1, 1);
  ConvProblem fused = p;
  fused.epilogue = ConvEpilogue{true, true, Activation::relu};
  const std::int64_t P = p.out_h(), Q = p.out_w();
  const auto xn = static_cast<std::size_t>(p.n * p.c * p.h * p.w);
  const auto wn = static_cast<std::size_t>(p.k * p.c * p.r * p.s);
  const auto zn = static_cast<std::size_t>(p.n * p.k * P * Q);
  // fp32 storage rounds nothing: no second copy.
  const ConvWorkload f32(fused, Variant{Layout::nhwc, Precision::fp32, 0, 0}, seeded(41), s.get());
  EXPECT_EQ(f32.x_exact(), f32.x_ref());
  EXPECT_EQ(f32.w_exact(), f32.w_ref());
  EXPECT_EQ(f32.bias_exact(), f32.bias_ref());
  EXPECT_EQ(f32.z_exact(), f32.z_ref());
  const auto u_x = download_f(f32.x_ref(), xn);
  const auto u_w = download_f(f32.w_ref(), wn);
  const auto u_b = download_f(f32.bias_ref(), static_cast<std::size_t>(p.k));
  const auto u_z = download_f(f32.z_ref(), zn);
  // A tensor's exact copy is the fp32 variant's values (same seed); its rounded copy is them
  // rounded by `round`; rounding changes most of them.
  auto check = [&](const float* exact, const float* ref, const std::vector<float>& u,
                   auto round, const char* what) {
    SCOPED_TRACE(what);
    EXPECT_NE(exact, ref);
    const auto e = download_f(exact, u.size());
    const auto r = download_f(ref, u.size());
    EXPECT_EQ(e, u);
    std::size_t rounded = 0;
    for (std::size_t i = 0; i < u.size(); ++i) {
      ASSERT_EQ(r[i], round(u[i])) << i;
      rounded += r[i] != u[i] ? 1 : 0;
    }
    EXPECT_GT(rounded, u.size() / 2);
  };
  auto to_fp16 = [](float v) { return __half2float(__float2half_rn(v)); };
  auto to_bf16 = [](float v) { return __bfloat162float(__float2bfloat16_rn(v)); };
  auto to_int8 = [](float v) { return std::nearbyint(v * 127.0f) / 127.0f; };
  const ConvWorkload f16(fused, Variant{Layout::nhwc, Precision::fp16, 0, 0}, seeded(41), s.get());
  check(f16.x_exact(), f16.x_ref(), u_x, to_fp16, "fp16 x");
  check(f16.w_exact(), f16.w_ref(), u_w, to_fp16, "fp16 w");
  check(f16.bias_exact(), f16.bias_ref(), u_b, to_fp16, "fp16 bias");
  check(f16.z_exact(), f16.z_ref(), u_z, to_fp16, "fp16 z");
  const ConvWorkload b16(fused, Variant{Layout::nchw, Precision::bf16, 0, 0}, seeded(41), s.get());
  check(b16.x_exact(), b16.x_ref(), u_x, to_bf16, "bf16 x");
  check(b16.z_exact(), b16.z_ref(), u_z, to_bf16, "bf16 z");
  const ConvWorkload i8(p, Variant{Layout::nhwc, Precision::int8, 0, 0}, seeded(41), s.get());
  check(i8.x_exact(), i8.x_ref(), u_x, to_int8, "int8 x");
  check(i8.w_exact(), i8.w_ref(), u_w, to_int8, "int8 w");
  EXPECT_EQ(i8.bias_exact(), nullptr);  // no epilogue, no copies
}

TEST(ConvWorkload, PaddedChannelsAreZeroAndThePadCopyRebuildsThem) {
  NEED_GPU();
  Stream s;
  const ConvProblem p = conv(2, 3, 6, 13, 3, 1, 1);
  ConvWorkload wl(p, Variant{Layout::nhwc, Precision::fp16, 8, 16}, seeded(9), s.get());
  ASSERT_TRUE(wl.padded());
  EXPECT_EQ(wl.exec().c, 8);
  EXPECT_EQ(wl.exec().k, 16);
  auto check = [&]() {
    auto x = download<__half>(wl.operands(0).x, wl.x_bytes());
    auto ref = download_f(wl.x_ref(), static_cast<std::size_t>(p.n * p.c * p.h * p.w));
    for (std::int64_t n = 0; n < p.n; ++n)
      for (std::int64_t c = 0; c < 8; ++c)
        for (std::int64_t h = 0; h < p.h; ++h)
          for (std::int64_t w = 0; w < p.w; ++w) {
            const float v = __half2float(x[nhwc(n, c, h, w, 8, p.h, p.w)]);
            if (c < p.c) {
              ASSERT_EQ(v, ref[nchw(n, c, h, w, p.c, p.h, p.w)]);
            } else {
              ASSERT_EQ(v, 0.0f) << "padding channel " << c;
            }
          }
  };
  check();
  auto w = download<__half>(wl.operands(0).w, wl.w_bytes());
  EXPECT_EQ(static_cast<std::int64_t>(w.size()), 16 * 8 * 3 * 3);
  for (std::int64_t k = 0; k < 16; ++k)
    for (std::int64_t c = 0; c < 8; ++c)
      if (k >= p.k || c >= p.c) {
        ASSERT_EQ(__half2float(w[nhwc(k, c, 1, 1, 8, 3, 3)]), 0.0f);
      }
  // The pad copy (part of a padded tactic's time) rebuilds x from the unpadded copy.
  ASSERT_EQ(cudaMemset(const_cast<void*>(wl.operands(0).x), 0x7B, wl.x_bytes()), cudaSuccess);
  wl.enqueue_pad_input(0, s.get());
  s.synchronize();
  check();
}

TEST(ConvWorkload, Int8StoresQuantizedCodesAndTheReferenceHoldsTheirValues) {
  NEED_GPU();
  Stream s;
  // C 3 -> 8: padded, as an int8 first layer must be.
  const ConvProblem p = conv(2, 3, 9, 16, 3, 1, 2);
  ConvWorkload q(p, Variant{Layout::nhwc, Precision::int8, 8, 0}, seeded(31), s.get());
  ConvWorkload f(p, Variant{Layout::nhwc, Precision::fp32, 0, 0}, seeded(31), s.get());
  EXPECT_EQ(q.storage(), DType::int8);
  EXPECT_EQ(q.exec().y_dtype, DType::fp32);
  EXPECT_EQ(q.output_scale(), conv_output_scale(Precision::int8));
  EXPECT_EQ(q.operands(0).alpha, q.output_scale());
  EXPECT_EQ(f.operands(0).alpha, 1.0f);
  const std::int64_t P = p.out_h(), Q = p.out_w();
  EXPECT_EQ(q.x_bytes(), p.n * 8 * p.h * p.w);         // 1 byte per element
  EXPECT_EQ(q.w_bytes(), p.k * 8 * p.r * p.s);
  EXPECT_EQ(q.y_bytes(), p.n * p.k * P * Q * 4);        // y is fp32
  const auto x = download<std::int8_t>(q.operands(0).x, q.x_bytes());
  const auto xr = download_f(q.x_ref(), static_cast<std::size_t>(p.n * p.c * p.h * p.w));
  const auto xf = download_f(f.x_ref(), xr.size());
  std::set<int> codes;
  for (std::int64_t n = 0; n < p.n; ++n)
    for (std::int64_t c = 0; c < 8; ++c)
      for (std::int64_t h = 0; h < p.h; ++h)
        for (std::int64_t w = 0; w < p.w; ++w) {
          const int code = x[nhwc(n, c, h, w, 8, p.h, p.w)];
          if (c >= p.c) {
            ASSERT_EQ(code, 0) << "padding channel " << c;
            continue;
          }
          const std::size_t i = nchw(n, c, h, w, p.c, p.h, p.w);
          ASSERT_GE(code, -127);
          ASSERT_LE(code, 127);
          ASSERT_EQ(xr[i], static_cast<float>(code) / 127.0f) << "the reference is q / 127";
          // The same logical value as the fp32 variant's, up to quantization: q = rn(127 u).
          ASSERT_EQ(code, static_cast<int>(std::nearbyint(xf[i] * 127.0f))) << i;
          codes.insert(code);
        }
  EXPECT_GT(codes.size(), 100u) << "fresh random data over the whole int8 range";
  // The pad copy rebuilds the padded int8 x from the unpadded one (1-byte elements).
  ASSERT_EQ(cudaMemset(const_cast<void*>(q.operands(0).x), 0x7B, q.x_bytes()), cudaSuccess);
  q.enqueue_pad_input(0, s.get());
  s.synchronize();
  EXPECT_EQ(download<std::int8_t>(q.operands(0).x, q.x_bytes()), x);
  // Poisoning the fp32 y makes every output NaN; the guards sit around y's fp32 bytes.
  q.poison_output(s.get());
  s.synchronize();
  for (float v : download<float>(q.operands(0).y, q.y_bytes())) ASSERT_TRUE(std::isnan(v));
  EXPECT_TRUE(q.output_guards_intact(s.get()));
  plantune::tuner::testing::enqueue_stray_write(q.operands(0).y, q.y_bytes(), s.get());
  EXPECT_FALSE(q.output_guards_intact(s.get()));
}

TEST(ConvWorkload, SlotsSpanMoreThanTwiceTheL2AndHoldTheSameData) {
  NEED_GPU();
  Stream s;
  WorkloadOptions o = seeded(5);
  o.cold_l2 = true;
  o.l2_bytes = 1 << 20;  // pretend 1 MiB of L2
  const ConvProblem p = conv(2, 16, 16, 16, 3, 1, 1);
  ConvWorkload wl(p, Variant{Layout::nchw, Precision::fp32, 0, 0}, o, s.get());
  EXPECT_TRUE(wl.spans_cold_l2());
  const std::int64_t per_slot = wl.x_bytes() + wl.w_bytes() + wl.y_bytes();
  EXPECT_GE(wl.slot_count(), 2);
  // One slot is x, w, y plus guards and alignment; together they must exceed 2 MiB.
  EXPECT_GE(wl.slot_count(), (2 << 20) / (per_slot + 2 * kGuardBytes + 3 * 256));
  auto x0 = download<float>(wl.operands(0).x, wl.x_bytes());
  auto xl = download<float>(wl.operands(wl.slot_count() - 1).x, wl.x_bytes());
  EXPECT_EQ(x0, xl);
  EXPECT_NE(wl.operands(0).y, wl.operands(1).y);
  EXPECT_THROW(wl.operands(wl.slot_count()), Error);
  // Warm mode: one slot, not cold.
  ConvWorkload warm(p, Variant{Layout::nchw, Precision::fp32, 0, 0}, seeded(5), s.get());
  EXPECT_EQ(warm.slot_count(), 1);
  EXPECT_FALSE(warm.spans_cold_l2());
}

TEST(ConvWorkload, PoisonMakesEveryOutputNaN) {
  NEED_GPU();
  Stream s;
  ConvWorkload wl(conv(1, 4, 5, 6, 3, 1, 1), Variant{Layout::nhwc, Precision::fp32, 0, 0},
                  seeded(1), s.get());
  wl.poison_output(s.get());
  s.synchronize();
  for (float v : download<float>(wl.operands(0).y, wl.y_bytes())) ASSERT_TRUE(std::isnan(v));
  EXPECT_TRUE(wl.output_guards_intact(s.get()));
}

TEST(ConvWorkload, GuardsCatchWritesJustOutsideY) {
  NEED_GPU();
  Stream s;
  ConvWorkload wl(conv(1, 4, 5, 6, 3, 1, 1), Variant{Layout::nchw, Precision::fp16, 0, 0},
                  seeded(1), s.get());
  void* y = wl.operands(0).y;
  wl.poison_output(s.get());
  EXPECT_TRUE(wl.output_guards_intact(s.get()));
  plantune::tuner::testing::enqueue_stray_write(y, wl.y_bytes(), s.get());  // first byte after
  EXPECT_FALSE(wl.output_guards_intact(s.get()));
  wl.poison_output(s.get());
  EXPECT_TRUE(wl.output_guards_intact(s.get()));
  plantune::tuner::testing::enqueue_stray_write(y, -1, s.get());  // last byte before
  EXPECT_FALSE(wl.output_guards_intact(s.get()));
  wl.poison_output(s.get());
  plantune::tuner::testing::enqueue_stray_write(y, wl.y_bytes() + kGuardBytes - 1, s.get());
  EXPECT_FALSE(wl.output_guards_intact(s.get()));
}

TEST(ConvWorkload, WorkspaceGuardsCatchWritesPastTheRequestedSize) {
  NEED_GPU();
  Stream s;
  ConvWorkload wl(conv(1, 4, 5, 6, 3, 1, 1), Variant{Layout::nchw, Precision::fp32, 0, 0},
                  seeded(1), s.get());
  EXPECT_EQ(wl.workspace(0, s.get()), nullptr);
  EXPECT_TRUE(wl.workspace_guards_intact(s.get()));
  void* ws = wl.workspace(1000, s.get());
  ASSERT_NE(ws, nullptr);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(ws) % 256, 0u);
  ASSERT_EQ(cudaMemset(ws, 0x11, 1000), cudaSuccess);  // inside: fine
  EXPECT_TRUE(wl.workspace_guards_intact(s.get()));
  plantune::tuner::testing::enqueue_stray_write(ws, 1000, s.get());
  EXPECT_FALSE(wl.workspace_guards_intact(s.get()));
  // A smaller request rewrites the guards right after its end.
  void* ws2 = wl.workspace(10, s.get());
  EXPECT_TRUE(wl.workspace_guards_intact(s.get()));
  plantune::tuner::testing::enqueue_stray_write(ws2, 10, s.get());
  EXPECT_FALSE(wl.workspace_guards_intact(s.get()));
}

}  // namespace
