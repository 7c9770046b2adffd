#include "plantune/planner/lower_bound.h"

#include <gtest/gtest.h>

#include "placement_testing.h"

namespace plantune::planner {
namespace {

using testing::problem_of;

TEST(LowerBound, EmptyProblemsNeedNothing) {
  EXPECT_EQ(lower_bound(Problem{}), 0);
  EXPECT_EQ(lower_bound(problem_of({{0, 0, 0}, {0, 3, 9}})), 0);
}

TEST(LowerBound, IsTheMaxOverStepsOfLiveBytes) {
  // Live bytes per step: 0: 10 | 1: 10+20 | 2: 20+40 | 3: 40+5 | 4: 5
  // The frees at a step come before its allocations ([first, last) is half-open).
  const Problem p = problem_of({{10, 0, 2}, {20, 1, 3}, {40, 2, 4}, {5, 3, 5}});
  EXPECT_EQ(lower_bound(p), 60);
}

TEST(LowerBound, BuffersMeetingEndToStartDoNotAddUp) {
  EXPECT_EQ(lower_bound(problem_of({{100, 0, 1}, {100, 1, 2}, {100, 2, 3}})), 100);
  EXPECT_EQ(lower_bound(problem_of({{100, 0, 2}, {100, 1, 2}})), 200);
}

TEST(LowerBound, PinnedEndsCount) {
  Problem p = problem_of({{16, 0, 2}, {16, 0, 2}});
  p.buffers[1].fixed_offset = 1000;
  EXPECT_EQ(lower_bound(p), 1016);
}

TEST(LowerBound, AliasesLowerTheBound) {
  // y = relu(x) in place: x [0, 2), y [1, 3) inside x. Plain: 64 + 64 at step 1; aliased: 64.
  Problem p = problem_of({{64, 0, 2}, {64, 1, 3}});
  EXPECT_EQ(lower_bound(p), 128);
  p.buffers[1].alias = Alias{0, 0};
  EXPECT_EQ(lower_bound(p), 64);
}

}  // namespace
}  // namespace plantune::planner
