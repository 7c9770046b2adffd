// The tuner's fp64 reference kernel against an independent CPU reference (with and without an
// epilogue), and check_output on outputs that are right, perturbed, unwritten, written out of
// bounds or missing their epilogue.
#include "plantune/tuner/reference.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/conv_reference.h"
#include "plantune/core/device_buffer.h"
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
  GTEST_SKIP() << "no CUDA device: the reference convolution is a GPU kernel"

plantune::testing::ConvShape cpu_shape(const ConvProblem& p) {
  plantune::testing::ConvShape s;
  s.n = p.n, s.c = p.c, s.h = p.h, s.w = p.w, s.k = p.k, s.r = p.r, s.s = p.s;
  s.stride_h = p.stride_h, s.stride_w = p.stride_w, s.pad_h = p.pad_h, s.pad_w = p.pad_w;
  s.dil_h = p.dilation_h, s.dil_w = p.dilation_w, s.groups = p.groups;
  return s;
}

TEST(Reference, DefaultTolerancesPerPrecision) {
  EXPECT_EQ(default_tolerance(Precision::fp32), 5e-5);
  EXPECT_EQ(default_tolerance(Precision::tf32), 2e-3);
  EXPECT_EQ(default_tolerance(Precision::fp16), 1e-2);
  EXPECT_EQ(default_tolerance(Precision::bf16), 1e-2);
  // int8 sums are exact: tighter than fp32 (Note [validation tolerances]).
  EXPECT_EQ(default_tolerance(Precision::int8), 1e-5);
}

TEST(Reference, MatchesTheCpuReferenceOnEveryTestShape) {
  NEED_GPU();
  Stream s;
  std::uint32_t seed = 11;
  for (const auto& [name, p] : plantune::tuner::testing::test_shapes()) {
    const auto sh = cpu_shape(p);
    const auto x = plantune::testing::random_uniform(sh.x_count(), seed++);
    const auto w = plantune::testing::random_uniform(sh.w_count(), seed++);
    const auto cpu = plantune::testing::conv2d_reference(sh, x, w);
    DeviceBuffer<float> dx(x.size()), dw(w.size()), dy(sh.y_count()), da(sh.y_count());
    dx.upload(x);
    dw.upload(w);
    reference_conv2d(p, dx.data(), dw.data(), dy.data(), da.data(), s.get());
    s.synchronize();
    const auto y = dy.to_host();
    const auto a = da.to_host();
    ASSERT_EQ(y.size(), cpu.y.size()) << name;
    for (std::size_t i = 0; i < y.size(); ++i) {
      // Both accumulate in fp64; the GPU result is rounded once to float.
      ASSERT_NEAR(y[i], cpu.y[i], 1e-6 * cpu.abs_sum[i] + 1e-30) << name << " output " << i;
      ASSERT_NEAR(a[i], cpu.abs_sum[i], 1e-6 * cpu.abs_sum[i] + 1e-30) << name << " output " << i;
    }
  }
}

// The epilogue on top of the CPU convolution, in double (Note [epilogue reference]).
double cpu_activate(Activation a, double v) {
  switch (a) {
    case Activation::none: return v;
    case Activation::relu: return std::max(v, 0.0);
    case Activation::relu6: return std::min(std::max(v, 0.0), 6.0);
    case Activation::sigmoid: return 1.0 / (1.0 + std::exp(-v));
    case Activation::silu: return v / (1.0 + std::exp(-v));
    case Activation::gelu: return 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)));
    case Activation::hard_swish: return v * std::min(std::max(v + 3.0, 0.0), 6.0) / 6.0;
  }
  return v;
}

TEST(Reference, AppliesEveryEpilogueLikeTheCpu) {
  NEED_GPU();
  Stream s;
  const ConvProblem base = conv(2, 6, 7, 5, 3, 1, 2);
  const auto sh = cpu_shape(base);
  const auto x = plantune::testing::random_uniform(sh.x_count(), 101);
  const auto w = plantune::testing::random_uniform(sh.w_count(), 102);
  // Large bias and z (|v| < 4) so that every activation's curved part is exercised.
  auto bias = plantune::testing::random_uniform(static_cast<std::size_t>(sh.k), 103);
  auto z = plantune::testing::random_uniform(sh.y_count(), 104);
  for (float& v : bias) v *= 4.0f;
  for (float& v : z) v *= 4.0f;
  const auto cpu = plantune::testing::conv2d_reference(sh, x, w);
  DeviceBuffer<float> dx(x.size()), dw(w.size()), db(bias.size()), dz(z.size()), dy(sh.y_count()),
      da(sh.y_count());
  dx.upload(x);
  dw.upload(w);
  db.upload(bias);
  dz.upload(z);
  const std::size_t per_k = static_cast<std::size_t>(sh.p() * sh.q());
  for (int b = 0; b < 2; ++b) {
    for (int add = 0; add < 2; ++add) {
      for (int a = 0; a <= static_cast<int>(Activation::hard_swish); ++a) {
        ConvProblem p = base;
        p.epilogue = ConvEpilogue{b == 1, add == 1, static_cast<Activation>(a)};
        reference_conv2d(p, dx.data(), dw.data(), db.data(), dz.data(), dy.data(), da.data(),
                         s.get());
        s.synchronize();
        const auto y = dy.to_host();
        const auto abs = da.to_host();
        for (std::size_t i = 0; i < y.size(); ++i) {
          const std::size_t k = (i / per_k) % static_cast<std::size_t>(sh.k);
          double pre = cpu.y[i], scale = cpu.abs_sum[i];
          if (b == 1) pre += bias[k], scale += std::fabs(bias[k]);
          if (add == 1) pre += z[i], scale += std::fabs(z[i]);
          const double want = cpu_activate(p.epilogue.activation, pre);
          scale = std::max(scale, std::fabs(want));
          ASSERT_NEAR(y[i], want, 1e-6 * scale + 1e-30) << problem_key(p) << " output " << i;
          ASSERT_NEAR(abs[i], scale, 1e-6 * scale) << problem_key(p) << " output " << i;
        }
      }
    }
  }
}

TEST(Reference, AnEpilogueNeedsItsInputs) {
  // Refused before anything is enqueued: no GPU needed.
  ConvProblem p = conv(1, 4, 6, 8, 3, 1, 1);
  p.epilogue = ConvEpilogue{true, true, Activation::relu};
  float dummy = 0.0f;
  EXPECT_THROW(reference_conv2d(p, &dummy, &dummy, nullptr, &dummy, &dummy, &dummy, nullptr), Error);
  EXPECT_THROW(reference_conv2d(p, &dummy, &dummy, &dummy, nullptr, &dummy, &dummy, nullptr), Error);
  EXPECT_THROW(reference_conv2d(p, &dummy, &dummy, &dummy, &dummy, nullptr), Error);
}

// A workload whose slot-0 output is the reference itself (fp32 NCHW stores exactly NKPQ).
struct Fixture {
  Stream s;
  ConvWorkload wl;
  ConvReference ref;
  explicit Fixture(const ConvProblem& p, Precision precision = Precision::fp32)
      : wl(p, Variant{Layout::nchw, precision, 0, 0}, WorkloadOptions{}, s.get()),
        ref(wl, s.get()) {
    wl.poison_output(s.get());
    EXPECT_EQ(cudaMemcpyAsync(wl.operands(0).y, ref.y(), static_cast<std::size_t>(wl.y_bytes()),
                              cudaMemcpyDeviceToDevice, s.get()),
              cudaSuccess);
  }
};

TEST(Reference, CheckOutputPassesTheReferenceItself) {
  NEED_GPU();
  Fixture f(conv(2, 8, 9, 16, 3, 1, 1));
  const Validation v = check_output(f.wl, f.ref, 1e-5, f.s.get());
  EXPECT_TRUE(v.passed());
  EXPECT_EQ(v.reference, "direct_fp64");
  EXPECT_EQ(v.max_rel_error, 0.0);
  EXPECT_EQ(v.tolerance, 1e-5);
  EXPECT_TRUE(v.output_finite);
  EXPECT_TRUE(v.redzones_intact);
}

TEST(Reference, CheckOutputCatchesOneWrongElement) {
  NEED_GPU();
  Fixture f(conv(2, 8, 9, 16, 3, 1, 1));
  // 0.05 on one output whose sum |x*w| is at most 72: a relative error of at least 7e-4.
  plantune::tuner::testing::enqueue_perturb(f.wl.operands(0).y, DType::fp32, 37, 0.05f, f.s.get());
  const Validation v = check_output(f.wl, f.ref, 1e-5, f.s.get());
  EXPECT_FALSE(v.passed());
  EXPECT_GT(v.max_rel_error, 5e-4);
  EXPECT_TRUE(v.output_finite);
  EXPECT_TRUE(v.redzones_intact);
  // The same error passes a looser tolerance: the check is relative, not exact.
  EXPECT_TRUE(check_output(f.wl, f.ref, 1.0, f.s.get()).passed());
}

TEST(Reference, CheckOutputCatchesAMissingEpilogue) {
  NEED_GPU();
  ConvProblem p = conv(2, 8, 9, 16, 3, 1, 1);
  p.epilogue = ConvEpilogue{true, true, Activation::relu};
  Fixture f(p);
  const Validation right = check_output(f.wl, f.ref, 5e-5, f.s.get());
  EXPECT_TRUE(right.passed());
  EXPECT_EQ(right.max_rel_error, 0.0);
  // The plain convolution (what a kernel that forgot the epilogue writes) is caught.
  ConvProblem plain = p;
  plain.epilogue = ConvEpilogue{};
  DeviceBuffer<float> abs(static_cast<std::size_t>(f.wl.y_bytes() / 4));
  reference_conv2d(plain, f.wl.x_ref(), f.wl.w_ref(), static_cast<float*>(f.wl.operands(0).y),
                   abs.data(), f.s.get());
  const Validation wrong = check_output(f.wl, f.ref, 5e-5, f.s.get());
  EXPECT_FALSE(wrong.passed());
  EXPECT_GT(wrong.max_rel_error, 1e-3);
}

TEST(Reference, CheckOutputCatchesUnwrittenOutputs) {
  NEED_GPU();
  Fixture f(conv(1, 4, 6, 8, 3, 1, 1));
  f.wl.poison_output(f.s.get());  // as if the tactic wrote nothing
  const Validation v = check_output(f.wl, f.ref, 1e-2, f.s.get());
  EXPECT_FALSE(v.passed());
  EXPECT_FALSE(v.output_finite);
}

TEST(Reference, CheckOutputCatchesAWriteIntoTheGuardBytes) {
  NEED_GPU();
  Fixture f(conv(1, 4, 6, 8, 3, 1, 1));
  plantune::tuner::testing::enqueue_stray_write(f.wl.operands(0).y, f.wl.y_bytes() + 7, f.s.get());
  const Validation v = check_output(f.wl, f.ref, 1e-2, f.s.get());
  EXPECT_FALSE(v.passed());
  EXPECT_FALSE(v.redzones_intact);
  EXPECT_EQ(v.max_rel_error, 0.0);  // the output itself is right
}

// The exact reference runs on the unrounded inputs: an fp16 workload's equals the reference of
// the fp32 workload with the same seed (the same u), bit for bit; its rounded one does not.
TEST(Reference, ExactInputsGiveTheFp32Reference) {
  NEED_GPU();
  Stream s;
  ConvProblem p = conv(2, 16, 9, 8, 3, 1, 1);
  p.epilogue = ConvEpilogue{true, true, Activation::none};
  WorkloadOptions o;
  o.seed = 77;
  o.cold_l2 = false;
  const ConvWorkload f32(p, Variant{Layout::nhwc, Precision::fp32, 0, 0}, o, s.get());
  const ConvWorkload f16(p, Variant{Layout::nhwc, Precision::fp16, 0, 0}, o, s.get());
  const auto want = ConvReference(f32, s.get()).y_host();
  EXPECT_EQ(ConvReference(f32, s.get(), ReferenceInputs::exact).y_host(), want);
  EXPECT_EQ(ConvReference(f16, s.get(), ReferenceInputs::exact).y_host(), want);
  const auto rounded = ConvReference(f16, s.get()).y_host();
  std::size_t differ = 0;
  for (std::size_t i = 0; i < want.size(); ++i) differ += rounded[i] != want[i] ? 1 : 0;
  EXPECT_GT(differ, want.size() / 2) << "fp16 rounding changes most outputs";
}

// output_error reads y in its executed layout (NHWC, K padded 12 -> 16: the pad channels are
// never compared) and compares every logical output.
TEST(Reference, OutputErrorComparesEveryOutputInTheExecutedLayout) {
  NEED_GPU();
  Stream s;
  const ConvProblem p = conv(2, 8, 7, 12, 3, 1, 1);
  WorkloadOptions o;
  o.seed = 5;
  o.cold_l2 = false;
  const ConvWorkload wl(p, Variant{Layout::nhwc, Precision::fp32, 0, 16}, o, s.get());
  const ConvReference ref(wl, s.get());
  const std::vector<float> r = ref.y_host();  // NKPQ
  const std::int64_t P = p.out_h(), Q = p.out_w(), K = 16;
  std::vector<float> y(static_cast<std::size_t>(p.n * K * P * Q), 1e30f);  // pad channels
  auto at = [&](std::int64_t n, std::int64_t k, std::int64_t h, std::int64_t w) {
    return static_cast<std::size_t>(((n * P + h) * Q + w) * K + k);
  };
  auto logical = [&](std::int64_t n, std::int64_t k, std::int64_t h, std::int64_t w) {
    return static_cast<std::size_t>(((n * p.k + k) * P + h) * Q + w);
  };
  for (std::int64_t n = 0; n < p.n; ++n)
    for (std::int64_t k = 0; k < p.k; ++k)
      for (std::int64_t h = 0; h < P; ++h)
        for (std::int64_t w = 0; w < Q; ++w) y[at(n, k, h, w)] = r[logical(n, k, h, w)];
  auto upload = [&] {
    ASSERT_EQ(cudaMemcpy(wl.operands(0).y, y.data(), y.size() * sizeof(float),
                         cudaMemcpyHostToDevice),
              cudaSuccess);
  };
  upload();
  EXPECT_EQ(output_nkpq(wl, s.get()), r);
  precision::ErrorMetrics m = output_error(wl, ref, s.get());
  EXPECT_EQ(m.count, p.n * p.k * P * Q);
  EXPECT_EQ(m.nonfinite, 0);
  EXPECT_EQ(m.rel_l2, 0.0);
  // One output off by 0.25: rel_l2 = 0.25 / ||ref||.
  y[at(1, 11, 3, 4)] += 0.25f;
  upload();
  double norm = 0;
  for (float v : r) norm += static_cast<double>(v) * v;
  m = output_error(wl, ref, s.get());
  const double got_delta = static_cast<double>(y[at(1, 11, 3, 4)]) - r[logical(1, 11, 3, 4)];
  EXPECT_NEAR(m.rel_l2, std::abs(got_delta) / std::sqrt(norm), 1e-9);
  EXPECT_NEAR(m.max_abs, 0.25, 1e-5);
  // A NaN output is counted.
  y[at(0, 2, 0, 0)] = std::nanf("");
  upload();
  m = output_error(wl, ref, s.get());
  EXPECT_EQ(m.nonfinite, 1);
}

}  // namespace
