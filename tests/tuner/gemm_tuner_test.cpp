// tune_gemm(): database first (a warm run times nothing), ranked candidates stored like conv
// entries, wrong tactics and out-of-bounds writers injected through the test hook end up
// `incorrect`, activations without an epilogue refused.
#include "plantune/tuner/gemm_tuner.h"

#include <gtest/gtest.h>

#include <iostream>
#include <vector>

#include "plantune/core/error.h"
#include "plantune/tuner/reference.h"
#include "support/gpu_skip.h"
#include "tuner/gemm_shapes.h"

namespace {

using namespace plantune;
using namespace plantune::tuner;
using plantune::tuner::testing::fc;
using plantune::tuner::testing::quick_gemm_options;

#define NEED_GPU()                           \
  if (!plantune::testing::has_cuda_device()) \
  GTEST_SKIP() << "no CUDA device: tuning runs cuBLASLt on the GPU"

const Candidate* find(const GemmVariantTuning& vt, const TacticConfig& t) {
  for (const Candidate& c : vt.result.candidates) {
    if (same_tactic(c.tactic, t)) return &c;
  }
  return nullptr;
}

TEST(GemmTuner, VariantsAreOnePerPrecisionUnderTheNchwPlaceholder) {
  const Precision ps[] = {Precision::fp16, Precision::fp32, Precision::fp16};
  const std::vector<Variant> expect = {{Layout::nchw, Precision::fp32, 0, 0},
                                       {Layout::nchw, Precision::fp16, 0, 0}};
  EXPECT_EQ(gemm_variants(ps), expect);
  EXPECT_EQ(gemm_variant(Precision::bf16), (Variant{Layout::nchw, Precision::bf16, 0, 0}));
}

TEST(GemmTuner, StoresRankedResultsAndAWarmRunTimesNothing) {
  NEED_GPU();
  GemmTuner tuner;
  GemmTuneOptions o = quick_gemm_options();
  o.command = "gemm_tuner_test";
  int progress_calls = 0;
  o.progress = [&](const TuneProgress& p) {
    ++progress_calls;
    EXPECT_LE(p.tactics_tried, p.tactics_total);
    EXPECT_LT(p.variant_index, p.variant_count);
  };
  const GemmProblem p = fc(32, 1000, 2048, true, Activation::relu);
  const std::vector<Precision> precisions = {Precision::fp32, Precision::fp16};
  TacticDb db;
  const GemmTuneResult cold = tuner.tune(p, precisions, o, db);
  EXPECT_GT(progress_calls, 2);
  EXPECT_FALSE(db.environment().empty());
  ASSERT_EQ(db.size(), 1u);
  const Entry* e = db.find(problem_key(p));
  ASSERT_NE(e, nullptr);
  ASSERT_EQ(e->variants.size(), 2u);
  for (const GemmVariantTuning& vt : cold.variants) {
    EXPECT_FALSE(vt.from_db);
    EXPECT_EQ(vt.variant.layout, Layout::nchw);
    ASSERT_NE(vt.winner(), nullptr) << to_string(vt.variant);
    EXPECT_GT(vt.samples, 0);
    EXPECT_GT(vt.tactics_validated, 0);
    EXPECT_GT(vt.heuristic_tactics, 0);
    EXPECT_NO_THROW(vt.result.validate());
    EXPECT_EQ(vt.result.provenance.command, "gemm_tuner_test");
    EXPECT_EQ(api_of(vt.winner()->tactic), Api::cublaslt);
    ASSERT_TRUE(vt.winner()->validation.has_value());
    EXPECT_EQ(vt.winner()->validation->reference, kGemmReferenceName);
    EXPECT_EQ(vt.winner()->validation->tolerance, default_tolerance(vt.variant.precision));
    ASSERT_TRUE(vt.heuristic.has_value());
    ASSERT_TRUE(vt.heuristic->timing.has_value());
    EXPECT_GE(vt.heuristic->timing->n, o.measure.min_runs) << "pinned: timed in full";
    EXPECT_LE(vt.winner()->timing->median_ms, vt.heuristic->timing->median_ms);
    bool enumerated = false;
    for (const Candidate& c : vt.result.candidates) {
      const auto& t = std::get<CublasLtTactic>(c.tactic);
      enumerated |= t.source == CublasLtSource::enumerated && c.outcome == Outcome::ok;
    }
    EXPECT_TRUE(enumerated) << "enumerated configurations were validated and timed too";
    // Found by the key and the nchw placeholder variant, as a runtime looks it up.
    const auto choice = db.lookup(problem_key(p), gemm_variant(vt.variant.precision));
    ASSERT_TRUE(choice.has_value());
    EXPECT_TRUE(same_tactic(choice->winner.tactic, vt.winner()->tactic));
    std::cout << "[ facts ] " << problem_key(p) << " " << to_string(vt.variant.precision)
              << ": winner " << tactic_id(vt.winner()->tactic) << " "
              << vt.winner()->timing->median_ms << " ms, heuristic first "
              << vt.heuristic->timing->median_ms << " ms; " << vt.tactics_validated << "/"
              << vt.tactics_total << " validated, " << vt.tactics_timed << " timed, " << vt.seconds
              << " s\n";
  }

  const std::int64_t before = tuner.samples_taken();
  const GemmTuneResult warm = tuner.tune(p, precisions, o, db);
  EXPECT_EQ(tuner.samples_taken(), before) << "a warm run takes no timings";
  for (std::size_t i = 0; i < warm.variants.size(); ++i) {
    const GemmVariantTuning& vt = warm.variants[i];
    EXPECT_TRUE(vt.from_db);
    EXPECT_EQ(vt.samples, 0);
    ASSERT_NE(vt.winner(), nullptr);
    EXPECT_TRUE(same_tactic(vt.winner()->tactic, cold.variants[i].winner()->tactic));
    ASSERT_TRUE(vt.heuristic.has_value()) << "found again among the stored candidates";
    EXPECT_EQ(vt.heuristic->timing, cold.variants[i].heuristic->timing);
  }
  // use_db = false tunes again; evaluate() re-times a stored winner.
  o.use_db = false;
  const GemmTuneResult again = tuner.tune(p, std::vector<Precision>{Precision::fp16}, o, db);
  EXPECT_FALSE(again.variants[0].from_db);
  EXPECT_GT(tuner.samples_taken(), before);
  const CublasLtTactic w = std::get<CublasLtTactic>(again.variants[0].winner()->tactic);
  const auto ev = tuner.evaluate(p, Precision::fp16, std::vector<CublasLtTactic>{w}, o);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].outcome, Outcome::ok) << ev[0].detail;
  EXPECT_TRUE(ev[0].timing.has_value());
}

// Replaces the runner of the first runnable tactic by `wrap(context, tactic)`; records it.
template <typename Wrap>
std::function<void(const GemmSourceContext&, std::vector<PreparedGemmTactic>&)> inject(
    TacticConfig* victim, Wrap wrap) {
  return [victim, wrap](const GemmSourceContext& ctx, std::vector<PreparedGemmTactic>& ts) {
    for (PreparedGemmTactic& t : ts) {
      if (t.outcome == Outcome::ok) {
        *victim = t.config;
        t.runner = wrap(ctx, t);
        return;
      }
    }
  };
}

TEST(GemmTuner, AWrongTacticIsCaughtAsIncorrect) {
  NEED_GPU();
  GemmTuner tuner;
  for (Precision pr : {Precision::fp32, Precision::fp16}) {
    for (const auto& shape : plantune::tuner::testing::gemm_test_shapes()) {
      // A real cuBLASLt configuration, built for the problem without its bias: a tactic that
      // drops the epilogue's bias.
      GemmTuneOptions o = quick_gemm_options();
      TacticConfig victim;
      o.tactic_hook = inject(&victim, [](const GemmSourceContext& ctx, PreparedGemmTactic& t) {
        GemmProblem no_bias = ctx.exec;
        no_bias.bias = false;
        return make_gemm_runner(ctx.handle, no_bias, ctx.precision, t.config);
      });
      TacticDb db;
      const GemmTuneResult r = tuner.tune(shape.problem, std::vector<Precision>{pr}, o, db);
      const GemmVariantTuning& vt = r.variants[0];
      const Candidate* c = find(vt, victim);
      ASSERT_NE(c, nullptr) << shape.name;
      EXPECT_EQ(c->outcome, Outcome::incorrect) << shape.name << " " << c->detail;
      ASSERT_TRUE(c->validation.has_value());
      EXPECT_GT(c->validation->max_rel_error, 10 * c->validation->tolerance) << shape.name;
      EXPECT_TRUE(c->validation->redzones_intact);
      EXPECT_FALSE(c->timing.has_value()) << "an incorrect tactic is never timed";
      ASSERT_NE(vt.winner(), nullptr);
      EXPECT_FALSE(same_tactic(vt.winner()->tactic, victim));
      // The database keeps the incorrect one, so that it is never trusted later.
      const VariantResult* stored = db.find(problem_key(shape.problem))->find(gemm_variant(pr));
      ASSERT_NE(stored, nullptr);
      bool kept = false;
      for (const Candidate& s : stored->candidates) {
        kept |= same_tactic(s.tactic, victim) && s.outcome == Outcome::incorrect;
      }
      EXPECT_TRUE(kept);
    }
    // One wrong row.
    GemmTuneOptions o = quick_gemm_options();
    TacticConfig victim;
    const std::int64_t row_bytes = 1000 * static_cast<std::int64_t>(dtype_size(storage_dtype(pr)));
    o.tactic_hook = inject(&victim, [row_bytes](const GemmSourceContext&, PreparedGemmTactic& t) {
      return std::make_unique<plantune::tuner::testing::ZeroRowRunner>(std::move(t.runner), 5,
                                                                       row_bytes);
    });
    TacticDb db;
    const GemmTuneResult r = tuner.tune(fc(32, 1000, 2048), std::vector<Precision>{pr}, o, db);
    const Candidate* c = find(r.variants[0], victim);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->outcome, Outcome::incorrect) << c->detail;
  }
}

TEST(GemmTuner, AnOutOfBoundsWriteIsCaughtByTheGuardBytes) {
  NEED_GPU();
  GemmTuner tuner;
  GemmTuneOptions o = quick_gemm_options();
  const GemmProblem p = fc(32, 1000, 2048);
  const std::int64_t d_bytes = 32 * 1000 * 2;
  TacticConfig victim;
  o.tactic_hook = inject(&victim, [d_bytes](const GemmSourceContext&, PreparedGemmTactic& t) {
    return std::make_unique<plantune::tuner::testing::StrayWriteRunner>(std::move(t.runner),
                                                                        d_bytes, 64);
  });
  TacticDb db;
  const GemmTuneResult r = tuner.tune(p, std::vector<Precision>{Precision::fp16}, o, db);
  const Candidate* c = find(r.variants[0], victim);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->outcome, Outcome::incorrect) << c->detail;
  ASSERT_TRUE(c->validation.has_value());
  EXPECT_FALSE(c->validation->redzones_intact);
  EXPECT_NE(c->detail.find("guard"), std::string::npos) << c->detail;
  ASSERT_NE(r.variants[0].winner(), nullptr);
}

TEST(GemmTuner, RefusesWhatCannotBeOneGemm) {
  NEED_GPU();
  GemmTuner tuner;
  TacticDb db;
  const GemmTuneOptions o = quick_gemm_options();
  try {
    tuner.tune(fc(4, 8, 16, true, Activation::silu), std::vector<Precision>{Precision::fp16}, o,
               db);
    ADD_FAILURE() << "silu has no cuBLASLt epilogue";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::not_supported);
    EXPECT_NE(std::string(e.what()).find("silu"), std::string::npos) << e.what();
  }
  EXPECT_THROW(tuner.tune(fc(4, 8, 16), std::vector<Precision>{Precision::int8}, o, db), Error);
  EXPECT_TRUE(db.empty());
}

TEST(GemmTuner, ABudgetStopsValidationAndMarksTheRestTimeout) {
  NEED_GPU();
  GemmTuner tuner;
  GemmTuneOptions o = quick_gemm_options();
  o.source.max_enumerated = 32;
  o.budget_seconds = 1e-6;
  TacticDb db;
  const GemmTuneResult r =
      tuner.tune(fc(32, 1000, 2048), std::vector<Precision>{Precision::fp16}, o, db);
  int timeouts = 0;
  for (const Candidate& c : r.variants[0].result.candidates) {
    timeouts += c.outcome == Outcome::timeout ? 1 : 0;
  }
  EXPECT_GT(timeouts, 0);
  EXPECT_NE(r.variants[0].winner(), nullptr) << "the first 8 runnable tactics are always validated";
}

}  // namespace
