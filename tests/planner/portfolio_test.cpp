#include "plantune/planner/portfolio.h"

#include <gtest/gtest.h>

#include "placement_testing.h"
#include "plantune/planner/greedy_by_size.h"
#include "plantune/planner/lower_bound.h"
#include "plantune/planner/random_problem.h"

namespace plantune::planner {
namespace {

using testing::arena_of;
using testing::problem_of;
using testing::valid;

// Steps:   0 1 2 3 4 5 6      live bytes: 80 80 80 110 110 110 50 -> bound 110 (steps 3-5)
// t0  50   [---)               Alloc(+) and dealloc(-) order:
// t1  30   [-----)               +t0 +t1 | -t0 +t4 | -t1 +t2 | -t4 +t3 | -t2 | -t3
// t2  60         [-----)
// t3  50           [-----)
// t4  50       [---)
// Greedy by size: t2 0, t0 0, t4 60, t3 60, then t1 (30) meets t0 [0,50) and t4 [60,110):
// the 10-byte gap is too small -> 110: arena 140.
// peak_end order: t2 t4 (peak at step 3, latest end first), t3 (step 4), t1 t0 (step 0):
// t2 0, t4 60, t3 60 (t4 has ended), t1 meets t4 only -> gap [0,60) -> 0, t0 on t1 -> 30.
Problem gap_case() { return problem_of({{50, 0, 2}, {30, 0, 3}, {60, 3, 6}, {50, 4, 7}, {50, 2, 4}}); }

TEST(Portfolio, ReachesTheBoundWhereGreedyBySizeDoesNot) {
  const Problem p = gap_case();
  ASSERT_EQ(lower_bound(p), 110);
  EXPECT_EQ(arena_of(p, place_greedy_by_size(p)), 140);
  const PortfolioResult r = place_portfolio(p);
  EXPECT_EQ(r.offsets, (std::vector<std::int64_t>{30, 0, 0, 60, 60}));
  EXPECT_EQ(r.arena_bytes, 110);
  EXPECT_EQ(r.strategy, "peak_end");
  EXPECT_EQ(r.placements, 1);
  EXPECT_TRUE(valid(p, r.offsets));
}

TEST(Portfolio, PlansTimelineSegmentsOnTheirOwn) {
  // The gap case twice: steps 0-7 and, shifted, 10-17 (nothing live at steps 7-9). Each
  // segment is planned alone (from offset 0); the arena is the max over segments.
  Problem p = gap_case();
  const Problem second = gap_case();
  for (Buffer b : second.buffers) {
    b.id = static_cast<std::int32_t>(p.buffers.size());
    b.first += 10;
    b.last += 10;
    p.buffers.push_back(b);
  }
  const PortfolioResult r = place_portfolio(p);
  EXPECT_EQ(r.offsets, (std::vector<std::int64_t>{30, 0, 0, 60, 60, 30, 0, 0, 60, 60}));
  EXPECT_EQ(r.arena_bytes, 110);
  EXPECT_EQ(r.placements, 2);
  EXPECT_TRUE(valid(p, r.offsets));
}

TEST(Portfolio, StopsAtTheTarget) {
  // With a target of 140 the first ordering already meets it.
  const PortfolioResult r = place_portfolio(gap_case(), PortfolioOptions{140, 1.0});
  EXPECT_LE(r.arena_bytes, 140);
  EXPECT_EQ(r.placements, 1);
}

TEST(Portfolio, KeepsPinsAndAlignments) {
  Problem p = gap_case();
  p.buffers[2].fixed_offset = 64;  // t2 pinned at [64, 124)
  p.buffers[3].alignment = 32;
  const PortfolioResult r = place_portfolio(p);
  EXPECT_EQ(r.offsets[2], 64);
  EXPECT_EQ(r.offsets[3] % 32, 0);
  EXPECT_TRUE(valid(p, r.offsets));
  EXPECT_GE(r.arena_bytes, lower_bound(p));
}

TEST(Portfolio, SameProblemSamePlan) {
  RandomProblemOptions o;
  o.buffers = 1000;
  o.seed = 11;
  o.random_alignment = true;
  o.pinned_fraction = 0.01;
  const Problem p = random_problem(o);
  const PortfolioResult a = place_portfolio(p);
  const PortfolioResult b = place_portfolio(p);
  EXPECT_EQ(a.offsets, b.offsets);
  EXPECT_EQ(a.strategy, b.strategy);
  EXPECT_TRUE(valid(p, a.offsets));
  EXPECT_GE(a.arena_bytes, lower_bound(p));
  EXPECT_LE(a.arena_bytes, arena_of(p, place_greedy_by_size(p)));
}

TEST(Portfolio, VeryLargeSegmentsTakeTheSweep) {
  RandomProblemOptions o;
  o.buffers = 150'001;
  o.seed = 3;
  o.medium_fraction = 0.0;
  o.long_fraction = 0.0;  // short lifetimes, cheap to check
  o.steps = 5000;         // about 500 live at every step: one segment
  const Problem p = random_problem(o);
  const PortfolioResult r = place_portfolio(p);
  EXPECT_EQ(r.strategy, "sweep");
  EXPECT_EQ(r.placements, 1);
  EXPECT_TRUE(valid(p, r.offsets));
}

TEST(Portfolio, EmptyAndTrivialProblems) {
  EXPECT_EQ(place_portfolio(Problem{}).arena_bytes, 0);
  const Problem one = problem_of({{7, 3, 4}});
  const PortfolioResult r = place_portfolio(one);
  EXPECT_EQ(r.offsets, (std::vector<std::int64_t>{0}));
  EXPECT_EQ(r.arena_bytes, 7);
}

}  // namespace
}  // namespace plantune::planner
