// GemmWorkload and the fp64 reference GEMM: executed problems, data layout of A and B against
// their float copies, the reference against a host fp64 GEMM for every transpose and
// epilogue, slots for cold-L2 timing, and what check_gemm_output catches.
#include "plantune/tuner/gemm_workload.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <vector>

#include "plantune/core/device_buffer.h"
#include "plantune/core/error.h"
#include "plantune/core/stream.h"
#include "plantune/tuner/reference.h"
#include "support/gpu_skip.h"
#include "tuner/gemm_shapes.h"

namespace {

using namespace plantune;
using namespace plantune::tuner;
using plantune::tuner::testing::fc;

#define NEED_GPU()                           \
  if (!plantune::testing::has_cuda_device()) \
  GTEST_SKIP() << "no CUDA device: the GEMM workload and reference live on the GPU"

template <typename F>
ErrorCode code_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "expected an Error";
  return ErrorCode::internal;
}

GemmProblem general(std::int64_t m, std::int64_t n, std::int64_t k, bool ta, bool tb, bool bias,
                    Activation act) {
  GemmProblem p;
  p.m = m, p.n = n, p.k = k, p.transa = ta, p.transb = tb, p.bias = bias, p.activation = act;
  return p;
}

std::vector<float> download(const float* d, std::size_t n) {
  std::vector<float> h(n);
  EXPECT_EQ(cudaMemcpy(h.data(), d, n * sizeof(float), cudaMemcpyDeviceToHost), cudaSuccess);
  return h;
}

TEST(GemmWorkload, ExecutedProblemTakesThePrecisionsStorage) {
  GemmProblem p = fc(32, 1000, 2048);
  p.compute = DType::fp16;
  const GemmProblem e = gemm_exec_problem(p, Precision::fp16);
  EXPECT_EQ(e.a_dtype, DType::fp16);
  EXPECT_EQ(e.b_dtype, DType::fp16);
  EXPECT_EQ(e.d_dtype, DType::fp16);
  EXPECT_EQ(e.compute, DType::fp32);
  EXPECT_EQ(e.m, 32);
  EXPECT_TRUE(e.transb);
  EXPECT_EQ(gemm_exec_problem(p, Precision::tf32).a_dtype, DType::fp32);
  EXPECT_EQ(gemm_exec_problem(p, Precision::bf16).d_dtype, DType::bf16);
  EXPECT_EQ(code_of([&] { gemm_exec_problem(p, Precision::int8); }), ErrorCode::not_supported);
  GemmProblem bad = p;
  bad.k = 0;
  EXPECT_EQ(code_of([&] { gemm_exec_problem(bad, Precision::fp32); }), ErrorCode::invalid_argument);
}

TEST(GemmWorkload, BiasScaleGrowsWithKWithinBounds) {
  EXPECT_EQ(gemm_bias_scale(1), 1.0f);
  EXPECT_EQ(gemm_bias_scale(45), 5.0f);
  EXPECT_EQ(gemm_bias_scale(2048), 256.0f);
  EXPECT_EQ(gemm_bias_scale(25088), 1024.0f);
}

TEST(GemmWorkload, StoredMatricesMatchTheirFloatCopiesForEveryTranspose) {
  NEED_GPU();
  Stream s;
  WorkloadOptions o;
  o.cold_l2 = false;
  o.seed = 42;
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      const GemmProblem p = general(5, 7, 19, ta, tb, true, Activation::none);
      GemmWorkload wl(p, Precision::fp32, o, s.get());
      const auto M = p.m, N = p.n, K = p.k;
      const auto a = download(static_cast<const float*>(wl.operands(0).a), M * K);
      const auto b = download(static_cast<const float*>(wl.operands(0).b), K * N);
      const auto bias = download(static_cast<const float*>(wl.operands(0).bias), N);
      const auto a_ref = download(wl.a_ref(), M * K);
      const auto bt_ref = download(wl.bt_ref(), N * K);
      const auto bias_ref = download(wl.bias_ref(), N);
      for (std::int64_t m = 0; m < M; ++m) {
        for (std::int64_t k = 0; k < K; ++k) {
          const float stored = ta ? a[k * M + m] : a[m * K + k];
          ASSERT_EQ(stored, a_ref[m * K + k]) << "ta=" << ta << " m=" << m << " k=" << k;
        }
      }
      for (std::int64_t k = 0; k < K; ++k) {
        for (std::int64_t n = 0; n < N; ++n) {
          const float stored = tb ? b[n * K + k] : b[k * N + n];
          ASSERT_EQ(stored, bt_ref[n * K + k]) << "tb=" << tb << " k=" << k << " n=" << n;
        }
      }
      EXPECT_EQ(bias, bias_ref);
    }
  }
}

TEST(GemmWorkload, DataIsFreshRandomNotZeros) {
  NEED_GPU();
  Stream s;
  WorkloadOptions o;
  o.cold_l2 = false;
  const GemmProblem p = fc(16, 64, 256);
  GemmWorkload w1(p, Precision::fp16, o, s.get());
  GemmWorkload w2(p, Precision::fp16, o, s.get());
  EXPECT_NE(w1.seed(), w2.seed());
  const auto a1 = download(w1.a_ref(), 16 * 256), a2 = download(w2.a_ref(), 16 * 256);
  EXPECT_NE(a1, a2);
  double sum = 0, sq = 0;
  std::set<float> distinct(a1.begin(), a1.end());
  for (float v : a1) {
    EXPECT_GE(v, -1.0f);
    EXPECT_LE(v, 1.0f);
    sum += v;
    sq += static_cast<double>(v) * v;
  }
  EXPECT_GT(distinct.size(), a1.size() / 2);
  EXPECT_NEAR(sum / static_cast<double>(a1.size()), 0.0, 0.05);
  EXPECT_NEAR(sq / static_cast<double>(a1.size()), 1.0 / 3.0, 0.05);  // uniform in [-1, 1)
  const auto bias = download(w1.bias_ref(), 64);
  float max_abs = 0;
  for (float v : bias) max_abs = std::max(max_abs, std::fabs(v));
  EXPECT_LE(max_abs, gemm_bias_scale(256));
  EXPECT_GT(max_abs, gemm_bias_scale(256) / 2) << "the bias spans [-K/8, K/8)";
  // The same seed gives the same data.
  o.seed = w1.seed();
  GemmWorkload w3(p, Precision::fp16, o, s.get());
  EXPECT_EQ(download(w3.a_ref(), 16 * 256), a1);
}

double gelu_tanh(double x) {
  return 0.5 * x * (1.0 + std::tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
}

TEST(GemmWorkload, ReferenceMatchesAHostFp64GemmForEveryTransposeAndEpilogue) {
  NEED_GPU();
  Stream s;
  WorkloadOptions o;
  o.cold_l2 = false;
  struct Epi {
    bool bias;
    Activation act;
  };
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      for (Epi e :
           {Epi{false, Activation::none}, Epi{true, Activation::none}, Epi{true, Activation::relu},
            Epi{true, Activation::gelu}, Epi{false, Activation::gelu}}) {
        // 37 x 21 outputs (partial 16 x 16 tiles), K = 50 (a partial k tile).
        const GemmProblem p = general(37, 21, 50, ta, tb, e.bias, e.act);
        GemmWorkload wl(p, Precision::fp32, o, s.get());
        const GemmReference ref(wl, s.get());
        const auto M = p.m, N = p.n, K = p.k;
        const auto a = download(wl.a_ref(), M * K);
        const auto bt = download(wl.bt_ref(), N * K);
        const auto bias = e.bias ? download(wl.bias_ref(), N) : std::vector<float>(N, 0.0f);
        const auto d = ref.d_host();
        const auto scale = download(ref.scale(), M * N);
        int negatives = 0;
        for (std::int64_t m = 0; m < M; ++m) {
          for (std::int64_t n = 0; n < N; ++n) {
            double acc = 0, abs_acc = 0;
            for (std::int64_t k = 0; k < K; ++k) {
              const double prod = static_cast<double>(a[m * K + k]) * bt[n * K + k];
              acc += prod;
              abs_acc += std::fabs(prod);
            }
            acc += bias[n];
            abs_acc += std::fabs(bias[n]);
            negatives += acc < 0 ? 1 : 0;
            if (e.act == Activation::relu) acc = std::max(acc, 0.0);
            if (e.act == Activation::gelu) acc = gelu_tanh(acc);
            const auto i = static_cast<std::size_t>(m * N + n);
            ASSERT_NEAR(d[i], acc, 1e-6 * abs_acc + 1e-30)
                << "ta=" << ta << " tb=" << tb << " m=" << m << " n=" << n;
            ASSERT_NEAR(scale[i], abs_acc, 1e-6 * abs_acc);
          }
        }
        EXPECT_GT(negatives, 0) << "the activation must see negative inputs";
      }
    }
  }
}

TEST(GemmWorkload, SlotsRotateOverMoreThanTwiceTheL2) {
  NEED_GPU();
  Stream s;
  WorkloadOptions o;
  o.l2_bytes = 1 << 20;                     // pretend 1 MiB of L2
  const GemmProblem p = fc(32, 1000, 256);  // B alone is 1000 x 256 x 2 bytes in fp16
  GemmWorkload wl(p, Precision::fp16, o, s.get());
  ASSERT_GE(wl.slot_count(), 2);
  EXPECT_TRUE(wl.spans_cold_l2());
  const std::int64_t slot_bytes = wl.a_bytes() + wl.b_bytes() + wl.bias_bytes() + wl.d_bytes();
  EXPECT_GE(static_cast<double>(wl.slot_count() - 1) * static_cast<double>(slot_bytes),
            2.0 * (1 << 20) * 0.9);
  std::set<const void*> seen;
  for (int i = 0; i < wl.slot_count(); ++i) {
    const GemmOperands op = wl.operands(i);
    for (const void* q : {op.a, op.b, op.bias, static_cast<const void*>(op.d)}) {
      EXPECT_EQ(reinterpret_cast<std::uintptr_t>(q) % 256, 0u);
      EXPECT_TRUE(seen.insert(q).second);
    }
  }
  // Every slot holds the same inputs.
  std::vector<std::uint16_t> b0(static_cast<std::size_t>(wl.b_bytes() / 2)), b1(b0.size());
  ASSERT_EQ(cudaMemcpy(b0.data(), wl.operands(0).b, wl.b_bytes(), cudaMemcpyDeviceToHost),
            cudaSuccess);
  ASSERT_EQ(cudaMemcpy(b1.data(), wl.operands(wl.slot_count() - 1).b, wl.b_bytes(),
                       cudaMemcpyDeviceToHost),
            cudaSuccess);
  EXPECT_EQ(b0, b1);
  EXPECT_THROW(wl.operands(wl.slot_count()), Error);
}

TEST(GemmWorkload, CheckPassesTheReferenceAndCatchesErrorsNaNsAndStrayWrites) {
  NEED_GPU();
  Stream s;
  WorkloadOptions o;
  o.cold_l2 = false;
  const GemmProblem p = fc(8, 48, 96, true, Activation::relu);
  GemmWorkload wl(p, Precision::fp32, o, s.get());
  const GemmReference ref(wl, s.get());
  const double tol = default_tolerance(Precision::fp32);
  auto put_reference = [&] {
    wl.poison_output(s.get());
    ASSERT_EQ(cudaMemcpy(wl.operands(0).d, ref.d(), wl.d_bytes(), cudaMemcpyDeviceToDevice),
              cudaSuccess);
  };

  put_reference();
  Validation v = check_gemm_output(wl, ref, tol, s.get());
  EXPECT_TRUE(v.passed());
  EXPECT_EQ(v.max_rel_error, 0.0);
  EXPECT_EQ(v.reference, kGemmReferenceName);

  // One output off by 1% of its scale.
  put_reference();
  auto d = ref.d_host();
  const auto scale = download(ref.scale(), d.size());
  d[17] += 0.01f * scale[17];
  ASSERT_EQ(cudaMemcpy(wl.operands(0).d, d.data(), wl.d_bytes(), cudaMemcpyHostToDevice),
            cudaSuccess);
  v = check_gemm_output(wl, ref, tol, s.get());
  EXPECT_FALSE(v.passed());
  EXPECT_NEAR(v.max_rel_error, 0.01, 1e-3);
  EXPECT_TRUE(v.output_finite);

  // Unwritten output: the NaN poison shows.
  wl.poison_output(s.get());
  v = check_gemm_output(wl, ref, tol, s.get());
  EXPECT_FALSE(v.output_finite);
  EXPECT_FALSE(v.passed());

  // A byte written right after D, or right before the workspace.
  put_reference();
  const unsigned char junk = 0x3C;
  ASSERT_EQ(cudaMemcpy(static_cast<char*>(wl.operands(0).d) + wl.d_bytes(), &junk, 1,
                       cudaMemcpyHostToDevice),
            cudaSuccess);
  v = check_gemm_output(wl, ref, tol, s.get());
  EXPECT_FALSE(v.redzones_intact);
  put_reference();
  void* ws = wl.workspace(1000, s.get());
  ASSERT_NE(ws, nullptr);
  EXPECT_TRUE(check_gemm_output(wl, ref, tol, s.get()).passed());
  ASSERT_EQ(cudaMemcpy(static_cast<char*>(ws) - 1, &junk, 1, cudaMemcpyHostToDevice), cudaSuccess);
  EXPECT_FALSE(check_gemm_output(wl, ref, tol, s.get()).redzones_intact);
  EXPECT_EQ(wl.workspace(0, s.get()), nullptr);
}

TEST(GemmWorkload, ActivationsWithoutAnEpilogueAreRefused) {
  NEED_GPU();
  Stream s;
  WorkloadOptions o;
  o.cold_l2 = false;
  EXPECT_EQ(code_of([&] {
              GemmWorkload(fc(4, 8, 16, true, Activation::silu), Precision::fp32, o, s.get());
            }),
            ErrorCode::not_supported);
  EXPECT_EQ(code_of([&] { GemmWorkload(fc(4, 8, 16), Precision::int8, o, s.get()); }),
            ErrorCode::not_supported);
}

}  // namespace
