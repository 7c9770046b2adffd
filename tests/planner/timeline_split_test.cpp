#include "plantune/planner/timeline_split.h"

#include <gtest/gtest.h>

#include "placement_testing.h"

namespace plantune::planner {
namespace {

using testing::problem_of;

TEST(TimelineSplit, CutsWhereNothingIsLive) {
  // Steps:   0 1 2 3 4 5 6 7 8
  // t0       [---)                 segment [0, 4): t0 and t1 overlap at step 1
  // t1         [-----)
  // t2                 [---)       segment [5, 7): nothing is live at step 4
  // t3 (0 B) [-----------------)   size 0: in no segment (it never conflicts)
  // t4                       [-)   segment [8, 9): nothing is live at step 7
  const Problem p = problem_of({{8, 0, 2}, {8, 1, 4}, {8, 5, 7}, {0, 0, 9}, {8, 8, 9}});
  const auto segs = split_timeline(p);
  ASSERT_EQ(segs.size(), 3u);
  EXPECT_EQ(segs[0].first, 0);
  EXPECT_EQ(segs[0].last, 4);
  EXPECT_EQ(segs[0].buffers, (std::vector<std::int32_t>{0, 1}));
  EXPECT_EQ(segs[1].first, 5);
  EXPECT_EQ(segs[1].last, 7);
  EXPECT_EQ(segs[1].buffers, (std::vector<std::int32_t>{2}));
  EXPECT_EQ(segs[2].buffers, (std::vector<std::int32_t>{4}));
}

TEST(TimelineSplit, HalfOpenIntervalsMeetingEndToStartAreSeparate) {
  const Problem p = problem_of({{8, 0, 2}, {8, 2, 4}, {8, 3, 5}});
  const auto segs = split_timeline(p);
  ASSERT_EQ(segs.size(), 2u);
  EXPECT_EQ(segs[0].buffers, (std::vector<std::int32_t>{0}));
  EXPECT_EQ(segs[1].buffers, (std::vector<std::int32_t>{1, 2}));
}

TEST(TimelineSplit, SegmentProblemsRenumberTheirBuffers) {
  Problem p = problem_of({{8, 0, 2}, {16, 5, 7}, {32, 6, 9}});
  p.buffers[2].fixed_offset = 64;
  const auto segs = split_timeline(p);
  ASSERT_EQ(segs.size(), 2u);
  const Problem sub = segment_problem(p, segs[1]);
  ASSERT_EQ(sub.buffers.size(), 2u);
  EXPECT_EQ(sub.buffers[0].id, 0);
  EXPECT_EQ(sub.buffers[0].size, 16);
  EXPECT_EQ(sub.buffers[1].id, 1);
  EXPECT_EQ(sub.buffers[1].name, "t2");
  EXPECT_EQ(sub.buffers[1].fixed_offset, 64);
  EXPECT_NO_THROW(sub.validate());
}

TEST(TimelineSplit, EmptyProblemsHaveNoSegments) {
  EXPECT_TRUE(split_timeline(Problem{}).empty());
  EXPECT_TRUE(split_timeline(problem_of({{0, 0, 0}})).empty());
}

}  // namespace
}  // namespace plantune::planner
