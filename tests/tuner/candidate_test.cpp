#include "plantune/tuner/candidate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "plantune/core/error.h"
#include "tuner/sample_db.h"

namespace plantune::tuner {
namespace {

using testing::failed_candidate;
using testing::graph_tactic;
using testing::ok_candidate;

TEST(Candidate, OutcomeNamesRoundTrip) {
  const char* names[] = {"ok",     "not_supported", "incorrect", "over_workspace_limit",
                         "failed", "timeout"};
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(to_string(static_cast<Outcome>(i)), names[i]);
    EXPECT_EQ(outcome_from_string(names[i]), static_cast<Outcome>(i));
  }
  EXPECT_FALSE(outcome_from_string("OK").has_value());
}

TEST(Candidate, StatsFromSamplesInterpolateOrderStatistics) {
  // 11 samples 1..11 shuffled: median 6, p10 at position 1.0 -> 2, p90 at position 9 -> 10
  std::vector<double> s = {7, 3, 11, 1, 9, 5, 2, 10, 4, 8, 6};
  auto t = TimingStats::from_samples(s, true);
  EXPECT_DOUBLE_EQ(t.median_ms, 6);
  EXPECT_DOUBLE_EQ(t.p10_ms, 2);
  EXPECT_DOUBLE_EQ(t.p90_ms, 10);
  EXPECT_EQ(t.n, 11);
  EXPECT_TRUE(t.cold_l2);
  EXPECT_DOUBLE_EQ(t.spread(), 8.0 / 6.0);
  EXPECT_DOUBLE_EQ(t.uncertainty(), (8.0 / 6.0) / std::sqrt(11.0));
  // 4 samples: median between 2nd and 3rd; p10 at 0.3 -> 1 + 0.3 * (2 - 1)
  auto u = TimingStats::from_samples(std::vector<double>{4, 1, 3, 2}, false);
  EXPECT_DOUBLE_EQ(u.median_ms, 2.5);
  EXPECT_DOUBLE_EQ(u.p10_ms, 1.3);
  EXPECT_DOUBLE_EQ(u.p90_ms, 3.7);
  EXPECT_FALSE(u.cold_l2);
  auto one = TimingStats::from_samples(std::vector<double>{0.5}, true);
  EXPECT_DOUBLE_EQ(one.p10_ms, 0.5);
  EXPECT_DOUBLE_EQ(one.spread(), 0);
  EXPECT_THROW(TimingStats::from_samples(std::vector<double>{}, true), Error);
  EXPECT_THROW(TimingStats::from_samples(std::vector<double>{1, -1}, true), Error);
  EXPECT_THROW(TimingStats::from_samples(std::vector<double>{1, NAN}, true), Error);
}

TEST(Candidate, TighterMeansSmallerSpreadPerRootN) {
  auto a = testing::timing(1.0, 100, 0.10);  // 0.10 / 10 = 0.010
  auto b = testing::timing(1.0, 25, 0.04);   // 0.04 / 5  = 0.008
  EXPECT_TRUE(b.tighter_than(a));
  EXPECT_FALSE(a.tighter_than(b));
  auto d = b;
  EXPECT_FALSE(d.tighter_than(b));  // equal: neither is tighter
  auto e = testing::timing(1.0, 10, 0.0);
  auto f = testing::timing(1.0, 50, 0.0);
  EXPECT_TRUE(f.tighter_than(e));  // both zero spread: more samples wins
}

TEST(Candidate, RankOrderIsOkByTimeThenOutcome) {
  std::vector<Candidate> c;
  c.push_back(failed_candidate(graph_tactic(70), Outcome::timeout, ""));
  c.push_back(ok_candidate(graph_tactic(2), 0.30));
  c.push_back(failed_candidate(graph_tactic(71), Outcome::not_supported, "A"));
  c.push_back(ok_candidate(graph_tactic(1), 0.10));
  c.push_back(failed_candidate(graph_tactic(72), Outcome::incorrect, ""));
  c.push_back(failed_candidate(graph_tactic(73), Outcome::not_supported, "B"));
  c.push_back(ok_candidate(graph_tactic(3), 0.10));  // tie with engine 1: by id
  rank_candidates(c);
  std::vector<std::string> ids;
  for (const auto& x : c) ids.push_back(tactic_id(x.tactic));
  std::vector<std::string> expected = {
      "graph/eng1/SPLIT_K=1,TILE_SIZE=5",  "graph/eng3/SPLIT_K=1,TILE_SIZE=5",
      "graph/eng2/SPLIT_K=1,TILE_SIZE=5",  "graph/eng71/SPLIT_K=1,TILE_SIZE=5",
      "graph/eng73/SPLIT_K=1,TILE_SIZE=5", "graph/eng72/SPLIT_K=1,TILE_SIZE=5",
      "graph/eng70/SPLIT_K=1,TILE_SIZE=5"};
  EXPECT_EQ(ids, expected);
  EXPECT_EQ(c[3].detail, "A");  // not_supported keep their relative order
  EXPECT_EQ(c[4].detail, "B");
}

TEST(Candidate, ValidateEnforcesOutcomeRules) {
  auto rejects = [](const Candidate& c, const std::string& expect) {
    try {
      validate(c);
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(expect), std::string::npos) << e.what();
    }
  };
  Candidate ok = ok_candidate(graph_tactic(1), 0.2);
  EXPECT_NO_THROW(validate(ok));
  Candidate c = ok;
  c.timing.reset();
  rejects(c, "outcome ok needs a timing");
  c = ok;
  c.validation->max_rel_error = 0.5;  // above tolerance: not passed
  rejects(c, "passed validation");
  c = ok;
  c.validation->redzones_intact = false;
  rejects(c, "passed validation");
  c = ok;
  c.timing->p10_ms = 0.3;
  rejects(c, "p10 <= median");
  c = ok;
  c.timing->p90_ms = NAN;
  rejects(c, "p10 <= median");
  c = ok;
  c.timing->n = 0;
  rejects(c, "sample count 0");
  c = ok;
  c.workspace_bytes = -1;
  rejects(c, "negative");
  c = ok;
  c.validation->tolerance = 0;
  rejects(c, "tolerance > 0");
  c = failed_candidate(graph_tactic(1), Outcome::incorrect, "");
  EXPECT_NO_THROW(validate(c));
  c.validation->max_rel_error = 1e-5;
  rejects(c, "incorrect needs a failed validation");
  c = failed_candidate(graph_tactic(1), Outcome::not_supported, "CUDNN_STATUS_NOT_SUPPORTED");
  EXPECT_NO_THROW(validate(c));
  CublasLtTactic lt;
  lt.split_k = 0;
  c.tactic = lt;
  rejects(c, "split_k");
}

}  // namespace
}  // namespace plantune::tuner
