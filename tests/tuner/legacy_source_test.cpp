// The legacy cuDNN source: every algorithm x math type is an outcome; the sound ones validate
// and time on every test shape, in both layouts and in fp32 and fp16. Fused problems run
// through cudnnConvolutionBiasActivationForward: its restrictions are outcomes, its results
// match the fp64 reference (also in place), and a kernel that drops the epilogue is caught.
// int8 (INT8_EXT: int8 x and w, fp32 y) runs on its own shapes and through the direct API with
// the workload's alpha.
#include "plantune/tuner/legacy_source.h"

#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <vector>

#include "plantune/core/cuda_check.h"
#include "plantune/tuner/reference.h"
#include "plantune/tuner/tuner.h"
#include "support/gpu_skip.h"
#include "tuner/conv_epilogue.h"
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
  EXPECT_EQ(legacy_math_types(Precision::int8),
            (std::vector<MathType>{MathType::default_math, MathType::tensor_op}));
}

TEST(LegacySource, FusedApiRestrictionsAreKnownWithoutAGpu) {
  const ConvEpilogue plain;
  for (int a = 0; a < kLegacyAlgoCount; ++a) {
    EXPECT_TRUE(legacy_epilogue_supported(plain, static_cast<LegacyAlgo>(a)));
    EXPECT_TRUE(legacy_epilogue_supported(ConvEpilogue{true, true, Activation::relu},
                                          static_cast<LegacyAlgo>(a)));
  }
  std::string why;
  EXPECT_TRUE(legacy_epilogue_supported(ConvEpilogue{true, false, Activation::none},
                                        LegacyAlgo::implicit_precomp_gemm));
  EXPECT_FALSE(legacy_epilogue_supported(ConvEpilogue{true, false, Activation::none},
                                         LegacyAlgo::winograd, &why));
  EXPECT_NE(why.find("identity activation"), std::string::npos) << why;
  EXPECT_NE(why.find("implicit_precomp_gemm"), std::string::npos) << why;
  for (Activation a : {Activation::relu6, Activation::sigmoid, Activation::silu, Activation::gelu,
                       Activation::hard_swish}) {
    why.clear();
    EXPECT_FALSE(legacy_epilogue_supported(ConvEpilogue{true, false, a},
                                           LegacyAlgo::implicit_precomp_gemm, &why));
    EXPECT_NE(why.find(std::string("not ") + std::string(to_string(a))), std::string::npos) << why;
  }
}

TEST(LegacySource, FusedEpiloguesValidateAgainstTheReference) {
  NEED_GPU();
  namespace t = plantune::tuner::testing;
  ConvTuner tuner;
  TuneOptions o = t::quick_options();
  o.graph = false;
  for (const t::EpilogueCase& ec : t::epilogue_shapes()) {
    for (const ConvEpilogue& e : t::test_epilogues()) {
      const ConvProblem p = t::with_epilogue(ec.problem, e);
      const std::string where = ec.name + " " + problem_key(p);
      TacticDb db;
      const TuneResult r = tuner.tune(p, std::vector<Variant>{ec.variant}, o, db);
      ASSERT_EQ(r.variants.size(), 1u);
      const VariantTuning& vt = r.variants[0];
      std::cout << "[fused legacy] " << where << ": " << t::outcome_summary(vt) << "\n";
      int ok = 0;
      for (const Candidate& c : vt.result.candidates) {
        const auto& lt = std::get<LegacyConvTactic>(c.tactic);
        EXPECT_NE(c.outcome, Outcome::incorrect) << where << " " << tactic_id(c.tactic) << ": " << c.detail;
        EXPECT_NE(c.outcome, Outcome::failed) << where << " " << tactic_id(c.tactic) << ": " << c.detail;
        if (e.activation == Activation::none && lt.algo != LegacyAlgo::implicit_precomp_gemm) {
          EXPECT_EQ(c.outcome, Outcome::not_supported) << where << " " << tactic_id(c.tactic);
          EXPECT_NE(c.detail.find("identity activation"), std::string::npos) << c.detail;
        }
        if (c.outcome == Outcome::ok) {
          ++ok;
          ASSERT_TRUE(c.validation.has_value());
          EXPECT_TRUE(c.validation->passed());
          ASSERT_TRUE(c.timing.has_value());
        }
      }
      EXPECT_GT(ok, 0) << where;
      ASSERT_NE(vt.winner(), nullptr) << where;
      if (e.residual) {
        const Validation in_place = t::validate_in_place(tuner, p, ec.variant, vt.winner()->tactic, o);
        EXPECT_TRUE(in_place.passed()) << where << " in place (y == z): max rel err "
                                       << in_place.max_rel_error << ", finite "
                                       << in_place.output_finite;
      }
    }
  }
}

TEST(LegacySource, AFusedKernelThatDropsTheEpilogueIsCaught) {
  NEED_GPU();
  namespace t = plantune::tuner::testing;
  ConvTuner tuner;
  for (const t::EpilogueCase& ec : t::epilogue_shapes()) {
    for (const ConvEpilogue& e : t::test_epilogues()) {
      const ConvProblem p = t::with_epilogue(ec.problem, e);
      const std::string where = ec.name + " " + problem_key(p);
      TuneOptions o = t::quick_options();
      o.graph = false;
      TacticConfig victim;
      o.tactic_hook = t::drop_epilogue_of_first(Api::cudnn_legacy, &victim);
      TacticDb db;
      const TuneResult r = tuner.tune(p, std::vector<Variant>{ec.variant}, o, db);
      const VariantTuning& vt = r.variants[0];
      const Candidate* bad = nullptr;
      for (const Candidate& c : vt.result.candidates) {
        if (same_tactic(c.tactic, victim)) bad = &c;
      }
      ASSERT_NE(bad, nullptr) << where;
      EXPECT_EQ(bad->outcome, Outcome::incorrect) << where << " " << tactic_id(victim) << ": "
                                                  << bad->detail;
      ASSERT_TRUE(bad->validation.has_value()) << where;
      EXPECT_GT(bad->validation->max_rel_error, bad->validation->tolerance) << where;
      EXPECT_FALSE(bad->timing.has_value());
    }
  }
}

TEST(LegacySource, PaddedVariantsOfAFusedProblemValidate) {
  NEED_GPU();
  namespace t = plantune::tuner::testing;
  ConvTuner tuner;
  TuneOptions o = t::quick_options();
  o.max_runtime_compiled = 2;
  o.graph_options.fallback = false;
  // C 3 -> 8 and K 13 -> 16: the bias is zero-padded, z padded by the timed pad copy, y sliced.
  const ConvProblem p =
      t::with_epilogue(conv(2, 3, 12, 13, 3, 1, 1), ConvEpilogue{true, true, Activation::relu});
  const std::vector<Variant> variants = {{Layout::nhwc, Precision::fp16, 8, 16},
                                         {Layout::nchw, Precision::fp32, 0, 0}};
  TacticDb db;
  const TuneResult r = tuner.tune(p, variants, o, db);
  for (const VariantTuning& vt : r.variants) {
    const std::string where = problem_key(p) + " " + to_string(vt.variant);
    std::cout << "[fused padded] " << where << ": " << t::outcome_summary(vt) << "\n";
    ASSERT_NE(vt.winner(), nullptr) << where;
    for (const Candidate& c : vt.result.candidates) {
      EXPECT_NE(c.outcome, Outcome::incorrect) << where << " " << tactic_id(c.tactic) << ": " << c.detail;
    }
  }
  const Entry* e = db.find(problem_key(p));
  ASSERT_NE(e, nullptr) << "stored under the fused key";
  EXPECT_EQ(e->variants.size(), 2u);
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

TEST(LegacySource, Int8TacticsValidateOnEveryInt8Shape) {
  NEED_GPU();
  ConvTuner tuner;
  TuneOptions o = plantune::tuner::testing::quick_options();
  o.graph = false;
  for (const auto& ic : plantune::tuner::testing::int8_shapes()) {
    const std::string where = ic.name + " " + to_string(ic.variant);
    TacticDb db;
    const TuneResult r = tuner.tune(ic.problem, std::vector<Variant>{ic.variant}, o, db);
    ASSERT_EQ(r.variants.size(), 1u) << where;
    const VariantTuning& vt = r.variants[0];
    std::map<Outcome, int> outcomes;
    bool precomp_ok = false;
    for (const Candidate& c : vt.result.candidates) {
      ++outcomes[c.outcome];
      const auto& lt = std::get<LegacyConvTactic>(c.tactic);
      std::cout << "[int8 legacy] " << where << " " << tactic_id(c.tactic) << ": "
                << to_string(c.outcome) << (c.detail.empty() ? "" : " (" + c.detail + ")") << "\n";
      // Declines are not_supported outcomes, never failures; nothing computes a wrong answer.
      EXPECT_NE(c.outcome, Outcome::failed) << where << " " << tactic_id(c.tactic) << ": " << c.detail;
      EXPECT_NE(c.outcome, Outcome::incorrect) << where << " " << tactic_id(c.tactic) << ": " << c.detail;
      if (c.outcome != Outcome::ok) continue;
      ASSERT_TRUE(c.validation.has_value()) << where;
      EXPECT_TRUE(c.validation->passed()) << where;
      EXPECT_LE(c.validation->max_rel_error, default_tolerance(Precision::int8)) << where;
      ASSERT_TRUE(c.timing.has_value()) << where;
      precomp_ok = precomp_ok || lt.algo == LegacyAlgo::implicit_precomp_gemm;
    }
    EXPECT_GE(vt.result.candidates.size(), 8 * legacy_math_types(Precision::int8).size()) << where;
    EXPECT_TRUE(precomp_ok) << where << ": implicit_precomp_gemm runs INT8_EXT";
    ASSERT_NE(vt.winner(), nullptr) << where;
    ASSERT_TRUE(vt.legacy_heuristic.has_value()) << where << ": the legacy heuristic picks for int8";
    EXPECT_EQ(vt.legacy_heuristic->outcome, Outcome::ok) << where << ": " << vt.legacy_heuristic->detail;
  }
}

TEST(LegacySource, Int8ThroughTheDirectApiScalesByAlpha) {
  NEED_GPU();
  // As a caller with its own buffers does: exec_problem's context, the heuristic's pick,
  // prepare_legacy() and ConvRunner::enqueue() with operands whose alpha it sets.
  ConvTuner tuner;
  const TuneOptions o = plantune::tuner::testing::quick_options();
  const ConvProblem p = conv(2, 64, 14, 64, 3, 1, 1);
  const Variant v{Layout::nhwc, Precision::int8, 0, 0};
  cudaStream_t s = tuner.stream();
  ConvWorkload wl(p, v, o.workload, s);
  const ConvReference ref(wl, s);
  const ConvSourceContext ctx = tuner.context(p, v, o);
  EXPECT_EQ(ctx.exec.x_dtype, DType::int8);
  EXPECT_EQ(ctx.exec.y_dtype, DType::fp32);
  EXPECT_EQ(ctx.exec.compute, DType::int32);
  const auto pick = legacy_heuristic_pick(ctx);
  ASSERT_TRUE(pick.has_value());
  PreparedTactic t = prepare_legacy(ctx, *pick);
  ASSERT_EQ(t.outcome, Outcome::ok) << tactic_id(*pick) << ": " << t.detail;
  t.runner->prepare();
  void* ws = wl.workspace(t.runner->workspace_bytes(), s);
  auto run = [&](float alpha) {
    ConvOperands op = wl.operands(0);
    op.alpha = alpha;
    wl.poison_output(s);
    t.runner->enqueue(op, ws, s);
    PT_CUDA_CHECK(cudaStreamSynchronize(s));
    return check_output(wl, ref, default_tolerance(Precision::int8), s);
  };
  const Validation scaled = run(wl.output_scale());
  EXPECT_TRUE(scaled.passed()) << tactic_id(*pick) << ": max rel err " << scaled.max_rel_error;
  // alpha = 1 leaves the raw integer sums, 127^2 times the values: caught.
  const Validation raw = run(1.0f);
  EXPECT_FALSE(raw.passed());
  EXPECT_GT(raw.max_rel_error, 1.0);
}

}  // namespace
