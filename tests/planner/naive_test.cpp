#include "plantune/planner/naive.h"

#include <gtest/gtest.h>

#include "placement_testing.h"

namespace plantune::planner {
namespace {

using testing::problem_of;
using testing::valid;

TEST(Naive, EveryBufferGetsItsOwnBytes) {
  Problem p = problem_of({{10, 0, 1}, {20, 5, 6}, {0, 0, 9}, {30, 2, 3}});
  p.buffers[3].alignment = 8;
  const auto off = place_naive(p);
  EXPECT_EQ(off, (std::vector<std::int64_t>{0, 10, 0, 32}));  // 30 aligned up from 30 to 32
  EXPECT_TRUE(valid(p, off));
}

TEST(Naive, PinnedBuffersStayAndTheRestGoAbove) {
  Problem p = problem_of({{10, 0, 1}, {20, 0, 1}});
  p.buffers[1].fixed_offset = 100;
  const auto off = place_naive(p);
  EXPECT_EQ(off, (std::vector<std::int64_t>{120, 100}));
  EXPECT_TRUE(valid(p, off));
}

}  // namespace
}  // namespace plantune::planner
