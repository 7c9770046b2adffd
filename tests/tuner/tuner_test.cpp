// tune(): database first (a warm run times nothing), wrong tactics and out-of-bounds writers
// injected through the test hook end up `incorrect`, padded variants, variant lists, each
// variant's error against fp32 and the policy's pick.
#include "plantune/tuner/tuner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "plantune/tuner/precision_pick.h"
#include "plantune/tuner/reference.h"
#include "plantune/tuner/tactic_db_json.h"
#include "support/gpu_skip.h"
#include "tuner/conv_shapes.h"
#include "tuner/tuner_test_kernels.h"

namespace {

using namespace plantune;
using namespace plantune::tuner;
using plantune::tuner::testing::conv;

#define NEED_GPU()                                        \
  if (!plantune::testing::has_cuda_device())              \
  GTEST_SKIP() << "no CUDA device: tuning runs tactics on the GPU"

const Candidate* find(const VariantTuning& vt, const TacticConfig& t) {
  for (const Candidate& c : vt.result.candidates) {
    if (same_tactic(c.tactic, t)) return &c;
  }
  return nullptr;
}

TEST(Tuner, VariantsCoverLayoutsPrecisionsAndChannelPadding) {
  const Layout layouts[] = {Layout::nchw, Layout::nhwc};
  const Precision precisions[] = {Precision::fp32, Precision::fp16};
  const auto v = conv_variants(conv(1, 3, 32, 64, 7, 3, 2), layouts, precisions);
  // fp32 is never padded; fp16 gets a padded twin (C 3 -> 8, K already a multiple of 8).
  const std::vector<Variant> expect = {{Layout::nchw, Precision::fp32, 0, 0},
                                       {Layout::nchw, Precision::fp16, 0, 0},
                                       {Layout::nchw, Precision::fp16, 8, 0},
                                       {Layout::nhwc, Precision::fp32, 0, 0},
                                       {Layout::nhwc, Precision::fp16, 0, 0},
                                       {Layout::nhwc, Precision::fp16, 8, 0}};
  EXPECT_EQ(v, expect);
  EXPECT_EQ(conv_variants(conv(1, 3, 32, 64, 7, 3, 2), layouts, precisions, false).size(), 4u);
  // Grouped problems are not padded; multiples of 8 need no padding.
  EXPECT_EQ(conv_variants(conv(1, 12, 8, 12, 3, 1, 1, 4), layouts, precisions).size(), 4u);
  EXPECT_EQ(conv_variants(conv(1, 16, 8, 24, 3, 1, 1), layouts, precisions).size(), 4u);
}

TEST(Tuner, Int8VariantsAreNhwcAndPaddedToRun) {
  const Layout layouts[] = {Layout::nchw, Layout::nhwc};
  const Precision precisions[] = {Precision::fp16, Precision::int8};
  // C = 3: int8 runs only padded (C 3 -> 8), in NHWC; there is no unpadded int8 variant.
  const ConvProblem first = conv(1, 3, 32, 64, 7, 3, 2);
  const std::vector<Variant> expect = {{Layout::nchw, Precision::fp16, 0, 0},
                                       {Layout::nchw, Precision::fp16, 8, 0},
                                       {Layout::nhwc, Precision::fp16, 0, 0},
                                       {Layout::nhwc, Precision::fp16, 8, 0},
                                       {Layout::nhwc, Precision::int8, 8, 0}};
  EXPECT_EQ(conv_variants(first, layouts, precisions), expect);
  // Without padding the int8 variant of that problem would be not_supported: none is listed.
  const std::vector<Variant> unpadded = {{Layout::nchw, Precision::fp16, 0, 0},
                                         {Layout::nhwc, Precision::fp16, 0, 0}};
  EXPECT_EQ(conv_variants(first, layouts, precisions, false), unpadded);
  const Precision int8_only[] = {Precision::int8};
  auto int8_variants = [&](const ConvProblem& p, bool pad = true) {
    return conv_variants(p, layouts, int8_only, pad);
  };
  // Multiples of 4 (12, 20) need no padding for int8; K alone unaligned pads K only.
  EXPECT_EQ(int8_variants(conv(1, 12, 8, 20, 3, 1, 1)),
            (std::vector<Variant>{{Layout::nhwc, Precision::int8, 0, 0}}));
  EXPECT_EQ(int8_variants(conv(1, 64, 8, 10, 1, 0, 1)),
            (std::vector<Variant>{{Layout::nhwc, Precision::int8, 0, 16}}));
  // Grouped: 4 channels per group run unpadded; 3 per group cannot be padded, so none.
  EXPECT_EQ(int8_variants(conv(1, 16, 8, 16, 3, 1, 1, 4)),
            (std::vector<Variant>{{Layout::nhwc, Precision::int8, 0, 0}}));
  EXPECT_TRUE(int8_variants(conv(1, 12, 8, 12, 3, 1, 1, 4)).empty());
  // NCHW alone: no int8 variant.
  const Layout nchw_only[] = {Layout::nchw};
  EXPECT_TRUE(conv_variants(conv(1, 64, 8, 64, 3, 1, 1), nchw_only, int8_only).empty());
  // A fused problem has no int8 variant (int8 epilogues are not done).
  ConvProblem fused = conv(1, 64, 8, 64, 3, 1, 1);
  fused.epilogue = ConvEpilogue{true, false, Activation::relu};
  EXPECT_TRUE(int8_variants(fused).empty());
  // Every listed int8 variant is one exec_problem() runs.
  for (const ConvProblem& p : {first, conv(1, 64, 8, 10, 1, 0, 1), conv(1, 5, 8, 7, 3, 1, 1)}) {
    for (const Variant& v : int8_variants(p)) {
      EXPECT_NO_THROW(exec_problem(p, v)) << problem_key(p) << " " << to_string(v);
    }
  }
}

TEST(Tuner, StoresRankedResultsAndAWarmRunTimesNothing) {
  NEED_GPU();
  ConvTuner tuner;
  TuneOptions o = plantune::tuner::testing::quick_options();
  o.command = "tuner_test";
  int progress_calls = 0;
  o.progress = [&](const TuneProgress& p) {
    ++progress_calls;
    EXPECT_LE(p.tactics_tried, p.tactics_total);
    EXPECT_LT(p.variant_index, p.variant_count);
  };
  const ConvProblem p = conv(4, 32, 14, 64, 3, 1, 1);
  const std::vector<Variant> variants = {{Layout::nchw, Precision::fp32, 0, 0},
                                         {Layout::nhwc, Precision::fp16, 0, 0}};
  TacticDb db;
  const TuneResult cold = tuner.tune(p, variants, o, db);
  EXPECT_GT(progress_calls, 2);
  EXPECT_FALSE(db.environment().empty());
  ASSERT_EQ(db.size(), 1u);
  const Entry* e = db.find(problem_key(p));
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->variants.size(), 2u);
  for (const VariantTuning& vt : cold.variants) {
    EXPECT_FALSE(vt.from_db);
    ASSERT_NE(vt.winner(), nullptr);
    EXPECT_GT(vt.samples, 0);
    EXPECT_GT(vt.tactics_validated, 0);
    EXPECT_NO_THROW(vt.result.validate());
    EXPECT_EQ(vt.result.provenance.command, "tuner_test");
    ASSERT_TRUE(vt.legacy_heuristic.has_value());
    ASSERT_TRUE(vt.heuristic_a.has_value());
    ASSERT_TRUE(vt.legacy_heuristic->timing.has_value());
    ASSERT_TRUE(vt.heuristic_a->timing.has_value());
    // Pinned: timed with the full protocol, not stopped early.
    EXPECT_GE(vt.legacy_heuristic->timing->n, o.measure.min_runs);
    EXPECT_GE(vt.heuristic_a->timing->n, o.measure.min_runs);
    EXPECT_LE(vt.winner()->timing->median_ms, vt.legacy_heuristic->timing->median_ms);
    // Both APIs were searched.
    bool legacy = false, graph = false;
    for (const Candidate& c : vt.result.candidates) {
      legacy |= api_of(c.tactic) == Api::cudnn_legacy;
      graph |= api_of(c.tactic) == Api::cudnn_graph;
    }
    EXPECT_TRUE(legacy && graph);
  }

  const std::int64_t before = tuner.samples_taken();
  const TuneResult warm = tuner.tune(p, variants, o, db);
  EXPECT_EQ(tuner.samples_taken(), before) << "a warm run takes no timings";
  for (std::size_t i = 0; i < warm.variants.size(); ++i) {
    const VariantTuning& vt = warm.variants[i];
    EXPECT_TRUE(vt.from_db);
    EXPECT_EQ(vt.samples, 0);
    ASSERT_NE(vt.winner(), nullptr);
    EXPECT_TRUE(same_tactic(vt.winner()->tactic, cold.variants[i].winner()->tactic));
    ASSERT_TRUE(vt.legacy_heuristic.has_value()) << "found again among the stored candidates";
    EXPECT_EQ(vt.legacy_heuristic->timing, cold.variants[i].legacy_heuristic->timing);
  }
  // use_db = false tunes again.
  o.use_db = false;
  const TuneResult again = tuner.tune(p, std::vector<Variant>{variants[1]}, o, db);
  EXPECT_FALSE(again.variants[0].from_db);
  EXPECT_GT(tuner.samples_taken(), before);
}

// Replaces the runner of the first runnable legacy tactic by `wrap(runner)`; returns its id.
template <typename Wrap>
std::function<void(const ConvSourceContext&, std::vector<PreparedTactic>&)> inject(
    TacticConfig* victim, Wrap wrap) {
  return [victim, wrap](const ConvSourceContext&, std::vector<PreparedTactic>& ts) {
    for (PreparedTactic& t : ts) {
      if (t.outcome == Outcome::ok && api_of(t.config) == Api::cudnn_legacy) {
        *victim = t.config;
        t.runner = wrap(std::move(t.runner));
        return;
      }
    }
  };
}

TEST(Tuner, AnInjectedWrongTacticIsCaughtAsIncorrect) {
  NEED_GPU();
  ConvTuner tuner;
  for (const Variant& v : {Variant{Layout::nchw, Precision::fp32, 0, 0},
                           Variant{Layout::nhwc, Precision::fp16, 0, 0}}) {
    TuneOptions o = plantune::tuner::testing::quick_options();
    o.graph = false;
    TacticConfig victim;
    const DType dt = storage_dtype(v.precision);
    o.tactic_hook = inject(&victim, [dt](std::unique_ptr<ConvRunner> r) {
      // One output off by 4: finite, inside the tensor, and at least 4 / 144 = 2.8% of the
      // largest possible sum |x * w| of this problem (16 channels x 3x3 taps, |x|, |w| < 1).
      return plantune::tuner::testing::perturbing_runner(std::move(r), dt, 123, 4.0f);
    });
    TacticDb db;
    const TuneResult r = tuner.tune(conv(2, 16, 12, 32, 3, 1, 1), std::vector<Variant>{v}, o, db);
    const VariantTuning& vt = r.variants[0];
    const Candidate* c = find(vt, victim);
    ASSERT_NE(c, nullptr) << to_string(v);
    EXPECT_EQ(c->outcome, Outcome::incorrect) << to_string(v) << " " << c->detail;
    ASSERT_TRUE(c->validation.has_value());
    EXPECT_GT(c->validation->max_rel_error, c->validation->tolerance);
    EXPECT_TRUE(c->validation->redzones_intact);
    EXPECT_FALSE(c->timing.has_value()) << "an incorrect tactic is never timed";
    ASSERT_NE(vt.winner(), nullptr);
    EXPECT_FALSE(same_tactic(vt.winner()->tactic, victim));
  }
}

TEST(Tuner, AnInjectedOutOfBoundsWriteIsCaughtByTheGuardBytes) {
  NEED_GPU();
  ConvTuner tuner;
  TuneOptions o = plantune::tuner::testing::quick_options();
  o.graph = false;
  const ConvProblem p = conv(2, 16, 12, 32, 3, 1, 1);
  const Variant v{Layout::nhwc, Precision::fp16, 0, 0};
  const std::int64_t y_bytes = p.n * p.k * p.out_h() * p.out_w() * 2;
  TacticConfig victim;
  o.tactic_hook = inject(&victim, [y_bytes](std::unique_ptr<ConvRunner> r) {
    return plantune::tuner::testing::stray_writing_runner(std::move(r), y_bytes, 100);
  });
  TacticDb db;
  const TuneResult r = tuner.tune(p, std::vector<Variant>{v}, o, db);
  const Candidate* c = find(r.variants[0], victim);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->outcome, Outcome::incorrect) << c->detail;
  ASSERT_TRUE(c->validation.has_value());
  EXPECT_FALSE(c->validation->redzones_intact);
  EXPECT_NE(c->detail.find("guard"), std::string::npos) << c->detail;
  ASSERT_NE(r.variants[0].winner(), nullptr);
}

TEST(Tuner, PaddedVariantValidatesAndCountsThePadding) {
  NEED_GPU();
  ConvTuner tuner;
  TuneOptions o = plantune::tuner::testing::quick_options();
  const ConvProblem p = conv(2, 3, 32, 16, 7, 3, 2);
  const std::vector<Variant> variants = {{Layout::nhwc, Precision::fp16, 0, 0},
                                         {Layout::nhwc, Precision::fp16, 8, 0}};
  TacticDb db;
  const TuneResult r = tuner.tune(p, variants, o, db);
  for (const VariantTuning& vt : r.variants) {
    ASSERT_NE(vt.winner(), nullptr) << to_string(vt.variant);
    EXPECT_TRUE(vt.winner()->validation->passed());
    // The error against fp32 covers the logical outputs only, padded or not.
    ASSERT_TRUE(vt.result.error_vs_fp32.has_value()) << to_string(vt.variant);
    EXPECT_EQ(vt.result.error_vs_fp32->count, p.n * p.k * p.out_h() * p.out_w());
    EXPECT_GT(vt.result.error_vs_fp32->rel_l2, 0.0);
    EXPECT_LE(vt.result.error_vs_fp32->rel_l2, 1e-2);
  }
  const auto best = db.best(problem_key(p));
  ASSERT_TRUE(best.has_value());
}

// Each variant's winner measured against the fp64 reference of the unrounded inputs (Note
// [error vs fp32] in tuner.h): fp32 is near exact, fp16 and bf16 pay for their input and output
// rounding (bf16, with 8 significant bits to fp16's 11, more), int8 for its quantization; the
// database keeps the errors, and pick_variant chooses under a policy with them.
TEST(Tuner, MeasuresEachVariantsErrorAgainstFp32) {
  NEED_GPU();
  ConvTuner tuner;
  TuneOptions o = plantune::tuner::testing::quick_options();
  o.budget_seconds = 20;
  const ConvProblem p = conv(2, 64, 14, 64, 3, 1, 1);
  const Variant fp32{Layout::nhwc, Precision::fp32, 0, 0};
  const Variant fp16{Layout::nhwc, Precision::fp16, 0, 0};
  const Variant bf16{Layout::nhwc, Precision::bf16, 0, 0};
  const Variant int8{Layout::nhwc, Precision::int8, 0, 0};
  TacticDb db;
  const TuneResult r = tuner.tune(p, std::vector<Variant>{fp32, fp16, bf16, int8}, o, db);
  std::map<Precision, precision::ErrorMetrics> err;
  for (const VariantTuning& vt : r.variants) {
    SCOPED_TRACE(to_string(vt.variant));
    ASSERT_NE(vt.winner(), nullptr);
    ASSERT_TRUE(vt.result.error_vs_fp32.has_value());
    const precision::ErrorMetrics& m = *vt.result.error_vs_fp32;
    EXPECT_EQ(m.count, p.n * p.k * p.out_h() * p.out_w());
    EXPECT_EQ(m.nonfinite, 0);
    EXPECT_EQ(db.find(r.key)->find(vt.variant)->error_vs_fp32, vt.result.error_vs_fp32);
    err[vt.variant.precision] = m;
  }
  // The policy's fp32 budget: a Winograd or FFT winner rounds a little differently.
  EXPECT_LT(err[Precision::fp32].rel_l2, 1e-4);
  EXPECT_GT(err[Precision::fp16].rel_l2, err[Precision::fp32].rel_l2);
  EXPECT_LE(err[Precision::fp16].rel_l2, 1e-2);
  EXPECT_GT(err[Precision::bf16].rel_l2, err[Precision::fp16].rel_l2);
  EXPECT_LE(err[Precision::bf16].rel_l2, 1e-2);
  EXPECT_GT(err[Precision::int8].rel_l2, err[Precision::fp32].rel_l2);
  EXPECT_LE(err[Precision::int8].rel_l2, 0.1);

  precision::PrecisionPolicy policy = precision::PrecisionPolicy::defaults();
  policy.allow(DType::int8);
  std::string why;
  const VariantResult* pick = pick_variant(*db.find(r.key), policy, std::nullopt, &why);
  ASSERT_NE(pick, nullptr) << why;
  ASSERT_TRUE(pick->error_vs_fp32.has_value()) << why;
  EXPECT_TRUE(policy.fits(policy_dtype(pick->variant.precision), *pick->error_vs_fp32)) << why;
  // fp32 only: the fp32 variant, whatever is faster.
  pick = pick_variant(*db.find(r.key), precision::PrecisionPolicy::fp32_only());
  ASSERT_NE(pick, nullptr);
  EXPECT_EQ(pick->variant, fp32);

  // The errors survive the database's JSON and a warm run.
  const TacticDb back = tactic_db_from_json(tactic_db_to_json(db), "tuned");
  EXPECT_EQ(*back.find(r.key), *db.find(r.key));
  const TuneResult warm = tuner.tune(p, std::vector<Variant>{fp16}, o, db);
  ASSERT_TRUE(warm.variants[0].from_db);
  EXPECT_EQ(warm.variants[0].result.error_vs_fp32, r.variants[1].result.error_vs_fp32);
}

TEST(Tuner, ABudgetStopsValidationAndMarksTheRestTimeout) {
  NEED_GPU();
  ConvTuner tuner;
  TuneOptions o = plantune::tuner::testing::quick_options();
  o.budget_seconds = 1e-6;
  TacticDb db;
  const TuneResult r = tuner.tune(conv(2, 16, 12, 32, 3, 1, 1),
                                  std::vector<Variant>{{Layout::nhwc, Precision::fp16, 0, 0}}, o, db);
  int timeouts = 0;
  for (const Candidate& c : r.variants[0].result.candidates) {
    timeouts += c.outcome == Outcome::timeout ? 1 : 0;
  }
  EXPECT_GT(timeouts, 0);
}

// Graph plans finalized on several host threads give each tactic the outcome (and validation)
// it gets when all are prepared on the calling thread (each run on its own random data).
TEST(Tuner, PreparingOnSeveralThreadsChangesNoOutcome) {
  NEED_GPU();
  ConvTuner tuner;
  TuneOptions o = plantune::tuner::testing::quick_options();
  o.use_db = false;
  const ConvProblem p = conv(4, 64, 14, 64, 3, 1, 1);
  const std::vector<Variant> v = {{Layout::nhwc, Precision::fp16, 0, 0}};
  std::map<std::string, std::pair<Outcome, double>> by_threads[2];
  const int threads[2] = {1, 8};
  for (int i = 0; i < 2; ++i) {
    o.prepare_threads = threads[i];
    TacticDb db;
    const TuneResult r = tuner.tune(p, v, o, db);
    for (const Candidate& c : r.variants[0].result.candidates) {
      const double err = c.validation ? c.validation->max_rel_error : -1;
      by_threads[i][tactic_id(c.tactic)] = {c.outcome, err};
    }
  }
  ASSERT_GT(by_threads[0].size(), 8u);
  ASSERT_EQ(by_threads[0].size(), by_threads[1].size());
  int graph_ok = 0;
  for (const auto& [id, serial] : by_threads[0]) {
    const auto it = by_threads[1].find(id);
    ASSERT_NE(it, by_threads[1].end()) << id;
    EXPECT_EQ(it->second.first, serial.first) << id;
    EXPECT_EQ(it->second.second >= 0, serial.second >= 0) << id << ": validated in one run only";
    graph_ok += id.rfind("graph/", 0) == 0 && serial.first == Outcome::ok ? 1 : 0;
  }
  EXPECT_GT(graph_ok, 2) << "several graph plans were prepared in parallel";
}

// The staged search stores only the knob variations of the engines it refined, says so in a
// note, and finds a validated winner within 15% of the full search's (timing noise included).
TEST(Tuner, StagedSearchRefinesOnlyTheFastestEngines) {
  NEED_GPU();
  ConvTuner tuner;
  TuneOptions o = plantune::tuner::testing::quick_options();
  o.use_db = false;
  o.graph_options.max_configs_per_engine = 6;
  const ConvProblem p = conv(8, 64, 28, 64, 3, 1, 1);
  const std::vector<Variant> v = {{Layout::nhwc, Precision::fp16, 0, 0}};
  TacticDb db;
  const TuneResult full = tuner.tune(p, v, o, db);
  o.search = SearchMode::staged;
  o.staged.max_engines = 2;
  const TuneResult staged = tuner.tune(p, v, o, db);
  const VariantTuning& vt = staged.variants[0];
  ASSERT_NE(vt.winner(), nullptr);
  EXPECT_EQ(vt.winner()->outcome, Outcome::ok);
  EXPECT_LT(vt.result.candidates.size(), full.variants[0].result.candidates.size());
  std::string note;
  for (const std::string& n : vt.notes) {
    if (n.rfind("staged knob search:", 0) == 0) note = n;
  }
  ASSERT_FALSE(note.empty()) << "the note says which engines were searched";
  std::set<std::int64_t> refined;
  for (const Candidate& c : vt.result.candidates) {
    if (!is_knob_variation(c.tactic)) continue;
    refined.insert(std::get<GraphEngineTactic>(c.tactic).engine_id);
  }
  EXPECT_LE(refined.size(), 2u) << note;
  for (std::int64_t id : refined) {
    EXPECT_NE(note.find(std::to_string(id)), std::string::npos) << id << " not in: " << note;
  }
  ASSERT_NE(full.variants[0].winner(), nullptr);
  EXPECT_LE(vt.winner()->timing->median_ms, full.variants[0].winner()->timing->median_ms * 1.15)
      << "the staged winner " << tactic_id(vt.winner()->tactic) << " vs the full search's "
      << tactic_id(full.variants[0].winner()->tactic);
}

// A bounded variant keeps its fastest ok candidates, every incorrect one and the heuristics'
// picks, so a warm run still reports speedups over them; the counts of the search stay.
TEST(Tuner, StoredCandidatesAreBoundedButKeepWhatAWarmRunNeeds) {
  NEED_GPU();
  ConvTuner tuner;
  TuneOptions o = plantune::tuner::testing::quick_options();
  o.keep_ok = 2;
  const ConvProblem p = conv(4, 32, 14, 64, 3, 1, 1);
  const std::vector<Variant> v = {{Layout::nhwc, Precision::fp16, 0, 0}};
  TacticDb db;
  const TuneResult cold = tuner.tune(p, v, o, db);
  const VariantTuning& vt = cold.variants[0];
  ASSERT_NE(vt.winner(), nullptr);
  ASSERT_TRUE(vt.legacy_heuristic && vt.heuristic_a);
  int ok = 0;
  for (const Candidate& c : vt.result.candidates) {
    ok += c.outcome == Outcome::ok;
    const bool pick = same_tactic(c.tactic, vt.legacy_heuristic->tactic) ||
                      same_tactic(c.tactic, vt.heuristic_a->tactic);
    EXPECT_TRUE(pick || c.outcome == Outcome::ok || c.outcome == Outcome::incorrect)
        << tactic_id(c.tactic) << " " << to_string(c.outcome);
  }
  EXPECT_GT(vt.tactics_ok, 4) << "the search found more than it stores";
  EXPECT_LE(ok, 2 + 3) << "the fastest 2, the two heuristic picks, the fastest plain one";
  EXPECT_LT(vt.result.candidates.size(), static_cast<std::size_t>(vt.tactics_total));
  const TuneResult warm = tuner.tune(p, v, o, db);
  ASSERT_TRUE(warm.variants[0].from_db);
  ASSERT_TRUE(warm.variants[0].legacy_heuristic.has_value()) << "stored despite the bound";
  ASSERT_TRUE(warm.variants[0].heuristic_a.has_value()) << "stored despite the bound";
  EXPECT_EQ(warm.variants[0].legacy_heuristic->timing, vt.legacy_heuristic->timing);
  EXPECT_TRUE(same_tactic(warm.variants[0].winner()->tactic, vt.winner()->tactic));
}

}  // namespace
