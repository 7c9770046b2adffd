// The legacy cuDNN source: every algorithm x math type is an outcome; the sound ones validate
// and time on every test shape, in both layouts and in fp32 and fp16.
#include "plantune/tuner/legacy_source.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "plantune/tuner/reference.h"
#include "plantune/tuner/tuner.h"
#include "support/gpu_skip.h"
#include "tuner/conv_shapes.h"

namespace {

using namespace plantune;
using namespace plantune::tuner;
using plantune::tuner::testing::conv;

#define NEED_GPU()                                        \
  if (!plantune::testing::has_cuda_device())              \
  GTEST_SKIP() << "no CUDA device: legacy cuDNN convolutions run on the GPU"

TEST(LegacySource, MathTypesFollowThePrecision) {
  EXPECT_EQ(legacy_math_types(Precision::fp32), std::vector<MathType>{MathType::fma});
  EXPECT_EQ(legacy_math_types(Precision::tf32),
            (std::vector<MathType>{MathType::default_math, MathType::tensor_op,
                                   MathType::tensor_op_allow_conversion}));
  EXPECT_EQ(legacy_math_types(Precision::fp16).size(), 4u);
  EXPECT_EQ(legacy_math_types(Precision::bf16).size(), 4u);
}

TEST(LegacySource, EveryShapeRunsAndValidates) {
  NEED_GPU();
  ConvTuner tuner;
  TuneOptions o = plantune::tuner::testing::quick_options();
  o.graph = false;
  const std::vector<Variant> variants = {{Layout::nchw, Precision::fp32, 0, 0},
                                         {Layout::nhwc, Precision::fp16, 0, 0}};
  for (const auto& [name, p] : plantune::tuner::testing::test_shapes()) {
    TacticDb db;
    const TuneResult r = tuner.tune(p, variants, o, db);
    ASSERT_EQ(r.variants.size(), 2u) << name;
    for (const VariantTuning& vt : r.variants) {
      const std::string where = name + " " + to_string(vt.variant);
      std::map<Outcome, int> outcomes;
      for (const Candidate& c : vt.result.candidates) {
        ++outcomes[c.outcome];
        ASSERT_EQ(api_of(c.tactic), Api::cudnn_legacy) << where;
        EXPECT_NE(c.outcome, Outcome::failed) << where << " " << tactic_id(c.tactic) << ": " << c.detail;
        EXPECT_NE(c.outcome, Outcome::incorrect) << where << " " << tactic_id(c.tactic) << ": " << c.detail;
        if (c.outcome == Outcome::ok) {
          ASSERT_TRUE(c.validation.has_value());
          EXPECT_TRUE(c.validation->passed());
          EXPECT_LE(c.validation->max_rel_error, default_tolerance(vt.variant.precision));
          ASSERT_TRUE(c.timing.has_value());
          EXPECT_GT(c.timing->median_ms, 0.0);
          EXPECT_LE(c.timing->p10_ms, c.timing->median_ms);
          EXPECT_LE(c.timing->median_ms, c.timing->p90_ms);
        }
      }
      const std::size_t expected =
          8 * legacy_math_types(vt.variant.precision).size();
      EXPECT_EQ(vt.result.candidates.size(), expected) << where;
      ASSERT_NE(vt.winner(), nullptr) << where;
      EXPECT_GT(outcomes[Outcome::ok], 0) << where;
      EXPECT_GT(outcomes[Outcome::not_supported], 0) << where << ": some algorithm declines";
      ASSERT_TRUE(vt.legacy_heuristic.has_value()) << where;
      EXPECT_EQ(vt.legacy_heuristic->outcome, Outcome::ok) << where;
      EXPECT_GE(vt.legacy_heuristic->timing->median_ms, vt.winner()->timing->median_ms) << where;
    }
  }
}

TEST(LegacySource, WorkspaceOverTheLimitIsAnOutcomeAndNeverRuns) {
  NEED_GPU();
  ConvTuner tuner;
  TuneOptions o = plantune::tuner::testing::quick_options();
  o.graph = false;
  o.workspace_limit = 0;
  const std::vector<Variant> variants = {{Layout::nchw, Precision::fp32, 0, 0}};
  TacticDb db;
  const TuneResult r = tuner.tune(conv(2, 32, 16, 32, 3, 1, 1), variants, o, db);
  int over = 0;
  for (const Candidate& c : r.variants[0].result.candidates) {
    if (c.outcome == Outcome::over_workspace_limit) {
      ++over;
      EXPECT_GT(c.workspace_bytes, 0);
      EXPECT_FALSE(c.timing.has_value());
      EXPECT_FALSE(c.validation.has_value());
    }
    if (c.outcome == Outcome::ok) {
      EXPECT_EQ(c.workspace_bytes, 0);
    }
  }
  EXPECT_GT(over, 0);
  EXPECT_NE(r.variants[0].winner(), nullptr) << "implicit GEMM needs no workspace";
}

TEST(LegacySource, PreparedTacticsOfAVariantAreEightPerMathType) {
  NEED_GPU();
  ConvTuner tuner;
  const TuneOptions o;
  const ConvSourceContext ctx =
      tuner.context(conv(1, 16, 8, 16, 3, 1, 1), Variant{Layout::nhwc, Precision::tf32, 0, 0}, o);
  const auto tactics = legacy_tactics(ctx);
  ASSERT_EQ(tactics.size(), 24u);
  for (const PreparedTactic& t : tactics) {
    EXPECT_EQ(t.outcome == Outcome::ok, t.runner != nullptr) << tactic_id(t.config);
    if (t.outcome != Outcome::ok) {
      EXPECT_FALSE(t.detail.empty());
    }
  }
  const auto pick = legacy_heuristic_pick(ctx);
  ASSERT_TRUE(pick.has_value());
  EXPECT_NE(pick->math, MathType::fma);
}

}  // namespace
