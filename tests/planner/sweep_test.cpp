// The fast path: one sweep over the steps with online best fit.
#include "sweep.h"

#include <gtest/gtest.h>

#include "placement_testing.h"
#include "plantune/planner/random_problem.h"

namespace plantune::planner::detail {
namespace {

using testing::problem_of;
using testing::valid;

TEST(Sweep, BestFitIntoWhatDiedEarlier) {
  // Steps:  0 1 2 3
  // t0 64   [---)            Alloc(+) and dealloc(-) order: +t0 +t1 | -t0 +t3 +t2
  // t1 32   [-------)        (larger first within a step)
  // t2 16       [---)        t0 -> 0, t1 -> 64; -t0 frees [0,64); t3 (48) takes the smallest
  // t3 48       [---)        free range that fits, [0,64) -> 0; t2 (16) then fits [48,64) -> 48
  const Problem p = problem_of({{64, 0, 2}, {32, 0, 4}, {16, 2, 4}, {48, 2, 4}});
  const auto off = place_by_sweep(p);
  EXPECT_EQ(off, (std::vector<std::int64_t>{0, 64, 48, 0}));
  EXPECT_TRUE(valid(p, off));
}

TEST(Sweep, KeepsPinnedBytesOutOfThePool) {
  Problem p = problem_of({{64, 0, 2}, {32, 5, 6}, {16, 0, 9}});
  p.buffers[1].fixed_offset = 0;
  const auto off = place_by_sweep(p);
  EXPECT_EQ(off, (std::vector<std::int64_t>{32, 0, 96}));
  EXPECT_TRUE(valid(p, off));
}

TEST(Sweep, RandomProblemsGetValidPlans) {
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    RandomProblemOptions o;
    o.buffers = 400;
    o.seed = seed;
    o.steps = 100;
    o.random_alignment = true;
    o.pinned_fraction = 0.05;
    o.empty_fraction = 0.05;
    const Problem p = random_problem(o);
    EXPECT_TRUE(valid(p, place_by_sweep(p))) << "seed " << seed;
  }
}

}  // namespace
}  // namespace plantune::planner::detail
