// compare_conv_layers on a small network that covers what the precisions treat differently: a
// 3-channel first layer (int8 pads C to 8), a plain 3x3, a depthwise (grouped) layer and a 1x1
// with K = 30 (int8 pads K to 32) and a bias with relu. The independent reference is the
// ReferenceExecutor's own direct fp32 convolution; each precision's error has to be what that
// precision can give (fp32 within 1e-4, tf32/fp16/bf16 within 1e-2, int8 >= 12 dB SQNR) and larger
// than fp32's (tf32: on at least one layer), so a row that silently ran fp32 would fail. The
// argument checks run without a GPU.
#include "plantune/runtime/layer_compare.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "plantune/core/error.h"
#include "plantune/core/graph_builder.h"
#include "plantune/runtime/weights.h"
#include "support/gpu_skip.h"

namespace plantune::runtime {
namespace {

using tuner::Precision;

Graph small_net() {
  Graph g("compare_net");
  GraphBuilder b(g);
  TensorId x = b.input("x", {2, 3, 24, 24});
  x = b.conv("stem", x, 16, 7, 2, 3, 1, true, Activation::relu);  // C = 3
  x = b.batch_norm("bn", x);
  x = b.conv("conv3x3", x, 32, 3);
  x = b.act("relu", x, Activation::relu);
  x = b.conv("depthwise", x, 32, 3, 1, 1, 32);
  x = b.conv("project", x, 30, 1, 1, 0, 1, true, Activation::relu);  // K = 30
  b.output(x);
  return g;
}

std::vector<std::vector<float>> uniform_inputs(const Graph& g, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<std::vector<float>> out;
  for (TensorId t : g.inputs()) {
    std::vector<float> v(static_cast<std::size_t>(g.tensor(t).shape.numel()));
    for (auto& e : v) e = u(rng);
    out.push_back(std::move(v));
  }
  return out;
}

TEST(LayerCompareArguments, Int8NeedsCalibrationInputsAndSomePrecisionIsAsked) {
  const Graph g = small_net();
  const WeightStore w = random_weights(g, 3);
  const auto in = uniform_inputs(g, 1);
  CompareOptions o;  // int8 included by default
  try {
    compare_conv_layers(g, w, in, {}, o);
    ADD_FAILURE() << "int8 without calibration inputs was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("calibration"), std::string::npos) << e.what();
  }
  o.precisions.clear();
  EXPECT_THROW(compare_conv_layers(g, w, in, {}, o), Error);
}

TEST(LayerCompare, EachPrecisionErrsAsItShouldAgainstTheFp32Reference) {
  if (!plantune::testing::has_cuda_device()) {
    GTEST_SKIP() << "no CUDA device: runs every conv layer through cuDNN in five precisions";
  }
  const Graph g = small_net();
  const WeightStore w = random_weights(g, 11);
  const auto in = uniform_inputs(g, 21);
  const std::vector<std::vector<std::vector<float>>> calib = {uniform_inputs(g, 22),
                                                              uniform_inputs(g, 23)};
  CompareOptions o;
  int progress_calls = 0;
  const auto rows = compare_conv_layers(g, w, in, calib, o,
                                        [&](const CompareProgress& p) {
                                          ++progress_calls;
                                          EXPECT_EQ(p.layers, 4);
                                          EXPECT_EQ(p.layer, progress_calls);
                                        });
  ASSERT_EQ(rows.size(), 4u * 5u);
  EXPECT_EQ(progress_calls, 4);
  const char* names[] = {"stem", "conv3x3", "depthwise", "project"};
  int tf32_rounded = 0;  // layers where tf32 differs from fp32
  for (std::size_t layer = 0; layer < 4; ++layer) {
    const LayerComparison* by[5];
    for (std::size_t i = 0; i < 5; ++i) {
      by[i] = &rows[layer * 5 + i];
      EXPECT_EQ(by[i]->layer, names[layer]);
      EXPECT_EQ(by[i]->precision, o.precisions[i]);
    }
    const std::string ctx = std::string(names[layer]) + ": ";
    const auto& fp32 = *by[0];
    ASSERT_TRUE(fp32.ran) << ctx << fp32.why_not;
    EXPECT_EQ(fp32.metrics.nonfinite, 0);
    // The policy's fp32 budget: a Winograd or FFT pick rounds a little differently.
    EXPECT_LT(fp32.metrics.rel_l2, 1e-4) << ctx << "fp32 cuDNN vs the fp32 direct reference";
    for (std::size_t i = 1; i <= 3; ++i) {  // tf32, fp16, bf16
      const auto& r = *by[i];
      ASSERT_TRUE(r.ran) << ctx << to_string(r.precision) << ": " << r.why_not;
      EXPECT_LE(r.metrics.rel_l2, 1e-2) << ctx << to_string(r.precision);
      if (r.precision == Precision::tf32) {
        // TF32 is allowed, not imposed: cuDNN runs some small layers with FMA kernels even then
        // (on the H100, this net's stem, conv3x3 and depthwise were bit-identical to fp32), so
        // only "some layer rounds" is required (below).
        EXPECT_GE(r.metrics.rel_l2, fp32.metrics.rel_l2) << ctx << "tf32";
        tf32_rounded += r.metrics.rel_l2 > fp32.metrics.rel_l2 ? 1 : 0;
      } else {
        EXPECT_GT(r.metrics.rel_l2, fp32.metrics.rel_l2) << ctx << to_string(r.precision)
                                                         << " shows no rounding at all";
      }
      EXPECT_GT(r.metrics.cosine, 0.9999) << ctx << to_string(r.precision);
      EXPECT_FALSE(r.tactic.empty());
    }
    const auto& i8 = *by[4];
    ASSERT_TRUE(i8.input_amax.has_value()) << ctx;
    EXPECT_GT(*i8.input_amax, 0.0f) << ctx;
    if (layer == 2 && !i8.ran) {
      // cuDNN may not run a depthwise int8 convolution: then the reason must be there.
      EXPECT_FALSE(i8.why_not.empty());
      continue;
    }
    ASSERT_TRUE(i8.ran) << ctx << "int8: " << i8.why_not;
    // Entropy-calibrated int8 on random weights: 17.3 dB (conv3x3) and above on this net on
    // the H100; a wrong scale or an unquantized row would be far below or far above.
    EXPECT_GE(i8.metrics.sqnr_db, 12.0) << ctx << "int8 rel_l2 " << i8.metrics.rel_l2;
    EXPECT_GT(i8.metrics.cosine, 0.95) << ctx << "int8";
    EXPECT_GT(i8.metrics.rel_l2, by[3]->metrics.rel_l2 * 0.5) << ctx << "int8 vs bf16";
    if (layer == 0) {
      EXPECT_NE(i8.variant.find("pad_c8"), std::string::npos) << i8.variant;
    }
    if (layer == 3) {
      EXPECT_NE(i8.variant.find("k32"), std::string::npos) << i8.variant;
    }
  }
  EXPECT_GE(tf32_rounded, 1) << "tf32 equal to fp32 on every layer: was tf32 ever allowed?";
}

}  // namespace
}  // namespace plantune::runtime
