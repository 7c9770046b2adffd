#include "plantune/tuner/tactic_db.h"

#include <gtest/gtest.h>

#include <limits>
#include <optional>

#include "plantune/core/error.h"
#include "plantune/core/graph_builder.h"
#include "plantune/tuner/tactic_db_json.h"
#include "tuner/sample_db.h"

namespace plantune::tuner {
namespace {

using testing::failed_candidate;
using testing::graph_tactic;
using testing::h200_env;
using testing::ok_candidate;

const Variant kNhwcFp16{Layout::nhwc, Precision::fp16, 0, 0};
const Variant kNchwFp16{Layout::nchw, Precision::fp16, 0, 0};
const Variant kNhwcTf32{Layout::nhwc, Precision::tf32, 0, 0};

VariantResult result(Variant v, std::vector<Candidate> c,
                     const std::string& date = "2026-11-22T04:12:25Z") {
  VariantResult r;
  r.variant = v;
  r.candidates = std::move(c);
  r.provenance = testing::provenance(date);
  rank_candidates(r.candidates);
  return r;
}

TEST(TacticDb, InsertRanksAndLookupReturnsTheWinner) {
  TacticDb db(h200_env());
  ConvProblem p = testing::conv_problem(0);
  db.insert(p, result(kNhwcFp16, {failed_candidate(graph_tactic(9), Outcome::not_supported, ""),
                                  ok_candidate(graph_tactic(2), 0.050),
                                  ok_candidate(graph_tactic(1), 0.034)}));
  db.insert(p, result(kNchwFp16, {ok_candidate(graph_tactic(4), 0.090)}));
  db.insert(p, result(kNhwcTf32, {failed_candidate(graph_tactic(5), Outcome::failed, "x")}));
  ASSERT_EQ(db.size(), 1u);
  EXPECT_EQ(db.variant_count(), 3u);
  const std::string key = problem_key(p);
  const Entry* e = db.find(key);
  ASSERT_NE(e, nullptr);
  ASSERT_EQ(e->variants.size(), 3u);
  // sorted by layout, then precision in enum order (fp32, tf32, fp16, ...)
  EXPECT_EQ(e->variants[0].variant, kNchwFp16);
  EXPECT_EQ(e->variants[1].variant, kNhwcTf32);
  EXPECT_EQ(tactic_id(e->variants[2].candidates[0].tactic), "graph/eng1/SPLIT_K=1,TILE_SIZE=5");
  EXPECT_EQ(e->variants[2].candidates[2].outcome, Outcome::not_supported);

  auto c = db.lookup(key, kNhwcFp16);
  ASSERT_TRUE(c.has_value());
  EXPECT_DOUBLE_EQ(c->median_ms(), 0.034);
  EXPECT_EQ(c->tactic(), (Tactic{kNhwcFp16, graph_tactic(1)}));
  EXPECT_FALSE(db.lookup(key, kNhwcTf32).has_value());  // nothing ok
  EXPECT_FALSE(db.lookup(key, Variant{Layout::nchw, Precision::bf16, 0, 0}).has_value());
  EXPECT_FALSE(db.lookup("conv2d nope", kNhwcFp16).has_value());

  auto best = db.best(key);
  ASSERT_TRUE(best.has_value());
  EXPECT_EQ(best->variant, kNhwcFp16);
  auto best_nchw = db.best(key, [](const Variant& v) { return v.layout == Layout::nchw; });
  ASSERT_TRUE(best_nchw.has_value());
  EXPECT_DOUBLE_EQ(best_nchw->median_ms(), 0.090);

  // replacing one variant keeps the others
  db.insert(p, result(kNhwcFp16, {ok_candidate(graph_tactic(7), 0.020)}));
  EXPECT_DOUBLE_EQ(db.lookup(key, kNhwcFp16)->median_ms(), 0.020);
  EXPECT_EQ(db.find(key)->variants.size(), 3u);
}

TEST(TacticDb, InsertRejectsBrokenEntries) {
  TacticDb db(h200_env());
  Entry e = Entry::for_problem(testing::conv_problem(1));
  e.variants.push_back(result(kNhwcFp16, {ok_candidate(graph_tactic(1), 0.1)}));
  e.variants.push_back(result(kNhwcFp16, {ok_candidate(graph_tactic(2), 0.1)}));
  EXPECT_THROW(db.insert(e), Error);  // variant twice
  e.variants.pop_back();
  e.variants[0].candidates.push_back(ok_candidate(graph_tactic(1), 0.2));
  try {
    db.insert(e);
    FAIL() << "duplicate tactic accepted";
  } catch (const Error& err) {
    EXPECT_NE(std::string(err.what()).find("is listed twice"), std::string::npos) << err.what();
  }
  e.variants[0].candidates.pop_back();
  e.key = "conv2d wrong";
  EXPECT_THROW(db.insert(e), Error);
  e.key = problem_key(e.problem);
  e.variants[0].provenance.date = "yesterday";
  EXPECT_THROW(db.insert(e), Error);
  e.variants[0].provenance.date = "2026-11-22T04:12:25Z";
  e.variants[0].needs_reverify = true;  // without a reason
  EXPECT_THROW(db.insert(e), Error);
  e.variants[0].reverify_reason = "cuDNN changed";
  EXPECT_NO_THROW(db.insert(e));
  EXPECT_EQ(db.size(), 1u);
}

TEST(TacticDb, TrimKeepsTheFastestTheIncorrectAndTheChosen) {
  VariantResult r =
      result(kNhwcFp16, {ok_candidate(graph_tactic(1), 0.1), ok_candidate(graph_tactic(2), 0.2),
                         ok_candidate(graph_tactic(3), 0.3), ok_candidate(graph_tactic(4), 0.4),
                         failed_candidate(graph_tactic(5), Outcome::not_supported, ""),
                         failed_candidate(graph_tactic(6), Outcome::incorrect, ""),
                         failed_candidate(graph_tactic(7), Outcome::timeout, "")});
  trim_candidates(r, 2, [](const Candidate& c) {
    return std::get<GraphEngineTactic>(c.tactic).engine_id == 4;  // e.g. a heuristic's pick
  });
  std::vector<std::int64_t> engines;
  for (const auto& c : r.candidates)
    engines.push_back(std::get<GraphEngineTactic>(c.tactic).engine_id);
  EXPECT_EQ(engines, (std::vector<std::int64_t>{1, 2, 4, 6}));
  EXPECT_NO_THROW(r.validate());
  trim_candidates(r, 0);
  ASSERT_EQ(r.candidates.size(), 1u);
  EXPECT_EQ(r.candidates[0].outcome, Outcome::incorrect);
}

TEST(TacticDb, UnverifiedVariantsAreSkippedUnlessAsked) {
  TacticDb db = testing::database(3);
  std::string key = problem_key(testing::conv_problem(1));
  ASSERT_TRUE(db.lookup(key, kNhwcFp16).has_value());
  EXPECT_EQ(db.mark_needs_reverify("cuDNN 9.14.0 -> 9.19.0"), 6u);
  EXPECT_EQ(db.mark_needs_reverify("again"), 0u);
  EXPECT_FALSE(db.lookup(key, kNhwcFp16).has_value());
  EXPECT_FALSE(db.best(key).has_value());
  auto c = db.lookup(key, kNhwcFp16, true);
  ASSERT_TRUE(c.has_value());
  EXPECT_TRUE(c->needs_reverify);
  EXPECT_EQ(db.find(key)->variants[0].reverify_reason, "cuDNN 9.14.0 -> 9.19.0");
}

// Two databases measured the same variant; see TacticDb::merge for the rules.
TEST(TacticDb, MergeKeepsTighterStatisticsAndReportsConflicts) {
  ConvProblem p = testing::conv_problem(0);
  std::string key = problem_key(p);
  TacticDb ours(h200_env()), theirs(h200_env());
  // engine 1: ours noisy (spread 0.20, n 20), theirs tight (0.02, n 50) -> theirs kept
  // engine 2: ours tight (0.01, n 100), theirs noisy -> ours kept
  // engine 3: only theirs; engine 4: only ours
  // engine 5: ok in ours, incorrect in theirs -> incorrect kept, conflict of kind outcome
  ours.insert(p,
              result(kNhwcFp16,
                     {ok_candidate(graph_tactic(1), 0.040, 20, 0.20),
                      ok_candidate(graph_tactic(2), 0.036, 100, 0.01),
                      ok_candidate(graph_tactic(4), 0.060), ok_candidate(graph_tactic(5), 0.030)},
                     "2026-11-20T10:00:00Z"));
  theirs.insert(p, result(kNhwcFp16,
                          {ok_candidate(graph_tactic(1), 0.033, 50, 0.02),
                           ok_candidate(graph_tactic(2), 0.031, 30, 0.30),
                           ok_candidate(graph_tactic(3), 0.045),
                           failed_candidate(graph_tactic(5), Outcome::incorrect, "")},
                          "2026-11-21T10:00:00Z"));
  // a variant only theirs has, and an entry only theirs has
  theirs.insert(p, result(kNhwcTf32, {ok_candidate(graph_tactic(8), 0.070)}));
  theirs.insert(testing::conv_problem(1), result(kNhwcFp16, {ok_candidate(graph_tactic(1), 0.1)}));

  MergeReport r = ours.merge(theirs);
  EXPECT_EQ(r.environment.verdict, EnvVerdict::same);
  EXPECT_EQ(r.added_entries, 1u);
  EXPECT_EQ(r.added_variants, 1u);
  EXPECT_EQ(r.merged_variants, 1u);
  EXPECT_EQ(ours.size(), 2u);

  const VariantResult* v = ours.find(key)->find(kNhwcFp16);
  ASSERT_NE(v, nullptr);
  std::vector<std::string> order;
  for (const auto& c : v->candidates) order.push_back(tactic_id(c.tactic).substr(0, 10));
  // ranked: eng1 0.033 (theirs), eng2 0.036 (ours), eng3 0.045, eng4 0.060, eng5 incorrect
  EXPECT_EQ(order, (std::vector<std::string>{"graph/eng1", "graph/eng2", "graph/eng3", "graph/eng4",
                                             "graph/eng5"}));
  EXPECT_EQ(v->candidates[0].timing->n, 50);
  EXPECT_EQ(v->candidates[1].timing->n, 100);
  EXPECT_EQ(v->candidates[4].outcome, Outcome::incorrect);
  EXPECT_EQ(v->provenance.date, "2026-11-21T10:00:00Z");  // the later one

  ASSERT_EQ(r.conflicts.size(), 2u);
  const Conflict& outcome = r.conflicts[0];
  EXPECT_EQ(outcome.kind, Conflict::Kind::outcome);
  EXPECT_EQ(outcome.ours_outcome, Outcome::ok);
  EXPECT_EQ(outcome.theirs_outcome, Outcome::incorrect);
  const Conflict& winner = r.conflicts[1];
  EXPECT_EQ(winner.kind, Conflict::Kind::winner);
  EXPECT_EQ(winner.key, key);
  EXPECT_EQ(winner.variant, kNhwcFp16);
  EXPECT_EQ(winner.ours_id, "graph/eng5/SPLIT_K=1,TILE_SIZE=5");
  EXPECT_DOUBLE_EQ(winner.ours_ms, 0.030);
  EXPECT_EQ(winner.theirs_id, "graph/eng2/SPLIT_K=1,TILE_SIZE=5");
  EXPECT_DOUBLE_EQ(winner.theirs_ms, 0.031);
  EXPECT_EQ(winner.kept_id, "graph/eng1/SPLIT_K=1,TILE_SIZE=5");
  EXPECT_EQ(winner.describe(),
            key +
                " [nhwc/fp16]: different winners: ours graph/eng5/SPLIT_K=1,TILE_SIZE=5 "
                "(0.0300 ms), theirs graph/eng2/SPLIT_K=1,TILE_SIZE=5 (0.0310 ms); kept "
                "graph/eng1/SPLIT_K=1,TILE_SIZE=5");
  EXPECT_EQ(outcome.kept_id, winner.kept_id);
}

TEST(TacticDb, ErrorVsFp32NeedsAWinnerAndSaneValues) {
  VariantResult r = result(kNhwcFp16, {ok_candidate(graph_tactic(1), 0.1)});
  r.error_vs_fp32 = testing::error_metrics(4e-4);
  EXPECT_NO_THROW(r.validate());
  VariantResult copy = r;
  EXPECT_EQ(copy, r);
  copy.error_vs_fp32->rel_l2 = 5e-4;
  EXPECT_NE(copy, r);  // equality sees the error
  copy.error_vs_fp32.reset();
  EXPECT_NE(copy, r);
  // exact outputs: sqnr +inf is a value the database holds
  r.error_vs_fp32->sqnr_db = std::numeric_limits<double>::infinity();
  EXPECT_NO_THROW(r.validate());

  auto rejects = [&](VariantResult bad, const std::string& what) {
    try {
      bad.validate();
      ADD_FAILURE() << "accepted: " << what;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  VariantResult b = r;
  b.candidates = {failed_candidate(graph_tactic(9), Outcome::not_supported, "")};
  rejects(b, "error_vs_fp32 is stored without a winner");
  b = r;
  b.error_vs_fp32->count = 0;
  rejects(b, "need count >= 1");
  b = r;
  b.error_vs_fp32->nonfinite = b.error_vs_fp32->count + 1;
  rejects(b, "0 <= nonfinite <= count");
  b = r;
  b.error_vs_fp32->rel_l2 = std::numeric_limits<double>::quiet_NaN();
  rejects(b, "rel_l2 nan must be >= 0");
  b = r;
  b.error_vs_fp32->max_abs = -1;
  rejects(b, "max_abs -1 must be >= 0");
  b = r;
  b.error_vs_fp32->sqnr_db = std::numeric_limits<double>::quiet_NaN();
  rejects(b, "sqnr_db is NaN");
  b = r;
  b.error_vs_fp32->cosine = 1.5;
  rejects(b, "cosine 1.5 is outside -1..1");
}

// error_vs_fp32 was measured on one winner: a merge keeps it only with that winner.
TEST(TacticDb, MergeKeepsTheErrorOfTheWinnerItWasMeasuredOn) {
  const ConvProblem p = testing::conv_problem(0);
  const std::string key = problem_key(p);
  auto with_error = [](VariantResult r, std::optional<double> rel_l2) {
    if (rel_l2) r.error_vs_fp32 = testing::error_metrics(*rel_l2);
    return r;
  };
  auto merged = [&](const VariantResult& a, const VariantResult& b) {
    TacticDb ours(h200_env()), theirs(h200_env());
    ours.insert(p, a);
    theirs.insert(p, b);
    ours.merge(theirs);
    return *ours.find(key)->find(a.variant);
  };
  // ours' winner (engine 1) stays: ours' error
  VariantResult m =
      merged(with_error(result(kNhwcFp16, {ok_candidate(graph_tactic(1), 0.03)}), 1e-4),
             with_error(result(kNhwcFp16, {ok_candidate(graph_tactic(2), 0.05)}), 2e-4));
  ASSERT_TRUE(m.error_vs_fp32.has_value());
  EXPECT_EQ(m.error_vs_fp32->rel_l2, 1e-4);
  // theirs' winner (engine 2) wins: theirs' error
  m = merged(with_error(result(kNhwcFp16, {ok_candidate(graph_tactic(1), 0.05)}), 1e-4),
             with_error(result(kNhwcFp16, {ok_candidate(graph_tactic(2), 0.03)}), 2e-4));
  EXPECT_EQ(tactic_id(m.winner()->tactic), "graph/eng2/SPLIT_K=1,TILE_SIZE=5");
  ASSERT_TRUE(m.error_vs_fp32.has_value());
  EXPECT_EQ(m.error_vs_fp32->rel_l2, 2e-4);
  // the same winner on both sides, only theirs measured its error: theirs'
  m = merged(with_error(result(kNhwcFp16, {ok_candidate(graph_tactic(1), 0.03)}), std::nullopt),
             with_error(result(kNhwcFp16, {ok_candidate(graph_tactic(1), 0.031)}), 2e-4));
  ASSERT_TRUE(m.error_vs_fp32.has_value());
  EXPECT_EQ(m.error_vs_fp32->rel_l2, 2e-4);
  // ours' winner is incorrect on their side: the new winner (engine 3) was nobody's, no error
  m = merged(with_error(result(kNhwcFp16, {ok_candidate(graph_tactic(1), 0.03),
                                           ok_candidate(graph_tactic(3), 0.04)}),
                        1e-4),
             with_error(result(kNhwcFp16,
                               {failed_candidate(graph_tactic(1), Outcome::incorrect, "")}),
                        std::nullopt));
  EXPECT_EQ(tactic_id(m.winner()->tactic), "graph/eng3/SPLIT_K=1,TILE_SIZE=5");
  EXPECT_FALSE(m.error_vs_fp32.has_value());
  EXPECT_NO_THROW(m.validate());
  // a verified variant replaces an unverified one with its error
  VariantResult unverified =
      with_error(result(kNhwcFp16, {ok_candidate(graph_tactic(1), 0.03)}), 1e-4);
  unverified.needs_reverify = true;
  unverified.reverify_reason = "cuDNN changed";
  m = merged(unverified,
             with_error(result(kNhwcFp16, {ok_candidate(graph_tactic(2), 0.05)}), 3e-4));
  ASSERT_TRUE(m.error_vs_fp32.has_value());
  EXPECT_EQ(m.error_vs_fp32->rel_l2, 3e-4);
}

TEST(TacticDb, MergeIsIdempotentAndTiesKeepOurs) {
  TacticDb a = testing::database(20);
  TacticDb copy = a;
  MergeReport r = a.merge(copy);
  EXPECT_TRUE(r.conflicts.empty());
  EXPECT_EQ(r.merged_variants, 40u);
  EXPECT_EQ(r.added_entries, 0u);
  for (const Entry* e : copy.sorted_entries()) EXPECT_EQ(*a.find(e->key), *e);
}

TEST(TacticDb, MergeAppliesTheEnvironmentCheck) {
  TacticDb ours = testing::database(2);
  Environment other_gpu = h200_env();
  other_gpu.gpu_name = "NVIDIA H100";
  TacticDb h100(other_gpu);
  h100.insert(testing::entry(5));
  MergeReport r = ours.merge(h100);
  EXPECT_EQ(r.environment.verdict, EnvVerdict::reject);
  EXPECT_EQ(r.rejected_entries, 1u);
  EXPECT_EQ(ours.size(), 2u);

  Environment newer = h200_env();
  newer.cudnn_version = "9.19.0";
  TacticDb upgraded(newer);
  upgraded.insert(testing::entry(5));
  upgraded.insert(testing::entry(0));
  r = ours.merge(upgraded);
  EXPECT_EQ(r.environment.verdict, EnvVerdict::reverify);
  EXPECT_EQ(ours.size(), 3u);
  const Entry* e5 = ours.find(testing::entry(5).key);
  ASSERT_NE(e5, nullptr);
  EXPECT_TRUE(e5->variants[0].needs_reverify);
  EXPECT_EQ(e5->variants[0].reverify_reason,
            "measured in another environment: cuDNN version differs: measured with '9.19.0', "
            "now '9.14.0'");
  // entry 0 is verified on our side: their unverified copy does not replace it
  EXPECT_FALSE(ours.find(testing::entry(0).key)->variants[0].needs_reverify);

  // and a verified variant replaces an unverified one
  TacticDb stale = testing::database(1);
  stale.mark_needs_reverify("old cuDNN");
  TacticDb fresh = testing::database(1);
  r = stale.merge(fresh);
  EXPECT_EQ(r.replaced_unverified, 2u);
  EXPECT_FALSE(stale.sorted_entries()[0]->variants[0].needs_reverify);

  // an empty database adopts the other's environment
  TacticDb empty;
  r = empty.merge(upgraded);
  EXPECT_EQ(empty.environment(), newer);
  EXPECT_EQ(empty.size(), 2u);
}

// Transform costs: one record per (desc, provider), the tighter one kept; merged unless the
// other database's environment is rejected; kept by subsets.
TEST(TacticDb, TransformCostsKeepTheTighterRecordAndFollowMergesAndSubsets) {
  using layouts::make_transform_cost;
  const layouts::TransformDesc d{{8, 64, 56, 56}, layouts::kNCHW, DType::fp16, layouts::kNHWC,
                                 DType::fp16};
  TacticDb db = testing::database(1);
  EXPECT_TRUE(db.put_transform(make_transform_cost(d, "plantune", std::vector<double>{0.01, 0.02})));
  // Fewer repetitions: not tighter. Same count, smaller spread: tighter.
  EXPECT_FALSE(db.put_transform(make_transform_cost(d, "plantune", std::vector<double>{0.005})));
  EXPECT_TRUE(db.put_transform(make_transform_cost(d, "plantune", std::vector<double>{0.012, 0.013})));
  ASSERT_EQ(db.transforms().size(), 1u);
  EXPECT_DOUBLE_EQ(db.transforms()[0].median_ms, 0.0125);
  EXPECT_TRUE(db.put_transform(make_transform_cost(d, "cudnnTransformTensor", std::vector<double>{0.02})));
  EXPECT_EQ(db.transforms().size(), 2u);
  layouts::TransformCost broken = db.transforms()[0];
  broken.median_ms = 0.0;
  EXPECT_THROW(db.put_transform(broken), Error);

  TacticDb other = testing::database(2);
  layouts::TransformDesc big = d;
  big.dims.n = 32;
  other.put_transform(make_transform_cost(big, "plantune", std::vector<double>{0.04}));
  db.merge(other);
  EXPECT_EQ(db.transforms().size(), 3u);
  Environment elsewhere = h200_env();
  elsewhere.gpu_name = "NVIDIA H100";
  TacticDb foreign(elsewhere);
  big.dims.n = 64;
  foreign.put_transform(make_transform_cost(big, "plantune", std::vector<double>{0.08}));
  EXPECT_EQ(db.merge(foreign).environment.verdict, EnvVerdict::reject);
  EXPECT_EQ(db.transforms().size(), 3u);

  const std::vector<std::string> none;
  EXPECT_EQ(db.subset(none).transforms(), db.transforms());
}

// A winners-only copy keeps each variant's winner (and nothing of a variant without one), the
// lookups, the environment and the transform costs, and survives the JSON round trip.
TEST(TacticDb, WinnersOnlyKeepsTheWinnersAndWhatLookupsNeed) {
  TacticDb db(h200_env());
  const ConvProblem p = testing::conv_problem(0);
  db.insert(p, result(kNhwcFp16, {ok_candidate(graph_tactic(2), 0.050),
                                  ok_candidate(graph_tactic(1), 0.034),
                                  failed_candidate(graph_tactic(6), Outcome::incorrect, "x"),
                                  failed_candidate(graph_tactic(9), Outcome::not_supported, "")}));
  db.insert(p, result(kNhwcTf32, {failed_candidate(graph_tactic(5), Outcome::failed, "x")}));
  db.insert(testing::conv_problem(1), result(kNchwFp16, {ok_candidate(graph_tactic(4), 0.09),
                                                         ok_candidate(graph_tactic(3), 0.07)}));
  const layouts::TransformDesc d{{8, 64, 56, 56}, layouts::kNCHW, DType::fp16, layouts::kNHWC,
                                 DType::fp16};
  ASSERT_TRUE(
      db.put_transform(layouts::make_transform_cost(d, "plantune", std::vector<double>{0.01})));

  const TacticDb lean = tactic_db_from_json(tactic_db_to_json(db.winners_only()), "lean");
  EXPECT_EQ(lean.environment(), db.environment());
  EXPECT_EQ(lean.transforms(), db.transforms());
  ASSERT_EQ(lean.size(), 2u);
  EXPECT_EQ(lean.variant_count(), 3u);
  const Entry* e = lean.find(problem_key(p));
  ASSERT_NE(e, nullptr);
  ASSERT_EQ(e->find(kNhwcFp16)->candidates.size(), 1u);
  EXPECT_EQ(e->find(kNhwcFp16)->candidates[0].tactic, TacticConfig{graph_tactic(1)});
  EXPECT_TRUE(e->find(kNhwcTf32)->candidates.empty());
  for (const Entry* orig : db.sorted_entries()) {
    for (const VariantResult& v : orig->variants) {
      const auto want = db.lookup(orig->key, v.variant);
      const auto got = lean.lookup(orig->key, v.variant);
      ASSERT_EQ(got.has_value(), want.has_value()) << orig->key;
      if (got) {
        EXPECT_EQ(got->tactic(), want->tactic());
      }
    }
  }
  EXPECT_EQ(db.find(problem_key(p))->find(kNhwcFp16)->candidates.size(), 4u) << "copy only";
}

TEST(TacticDb, SubsetsByKeysAndByGraph) {
  TacticDb db = testing::database(10);
  std::vector<std::string> keys = {testing::entry(3).key, testing::entry(7).key, "conv2d missing"};
  std::vector<std::string> missing;
  TacticDb sub = db.subset(keys, &missing);
  EXPECT_EQ(sub.size(), 2u);
  EXPECT_EQ(sub.environment(), db.environment());
  EXPECT_EQ(missing, std::vector<std::string>{"conv2d missing"});
  EXPECT_EQ(*sub.find(keys[0]), *db.find(keys[0]));

  // A graph whose conv has the geometry of sample entry 2 (any dtype matches).
  ConvProblem p = testing::conv_problem(2);
  Graph g("one_conv");
  GraphBuilder b(g);
  auto x = b.input("x", {p.n, p.c, p.h, p.w}, DType::fp32);
  b.output(b.conv("c", x, p.k, 3));
  TacticDb for_graph = db.subset_for_graph(g);
  ASSERT_EQ(for_graph.size(), 1u);
  EXPECT_NE(for_graph.find(problem_key(p)), nullptr);
  EXPECT_EQ(db.subset_for_graph(g, 64).size(), 0u);  // other batch: other geometry
}

}  // namespace
}  // namespace plantune::tuner
