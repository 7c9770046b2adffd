// The tuner's fp64 reference kernel against an independent CPU reference, and check_output on
// outputs that are right, perturbed, unwritten or written out of bounds.
#include "plantune/tuner/reference.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/conv_reference.h"
#include "plantune/core/device_buffer.h"
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

// A workload whose slot-0 output is the reference itself (fp32 NCHW stores exactly NKPQ).
struct Fixture {
  Stream s;
  ConvWorkload wl;
  ConvReference ref;
  explicit Fixture(const ConvProblem& p)
      : wl(p, Variant{Layout::nchw, Precision::fp32, 0, 0}, WorkloadOptions{}, s.get()),
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

}  // namespace
