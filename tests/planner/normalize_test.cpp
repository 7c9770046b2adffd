#include "plantune/planner/normalize.h"

#include <gtest/gtest.h>

#include "placement_testing.h"

namespace plantune::planner {
namespace {

using testing::error_of;
using testing::problem_of;

// t0: 256 bytes over [0, 4); t1 a view of t0 (bytes 64..128) over [2, 6); t2 written in place
// over t1's bytes 32..64 (byte 96 of t0) over [5, 9); t3 an unrelated buffer.
Problem chain() {
  Problem p = problem_of({{256, 0, 4}, {64, 2, 6}, {32, 5, 9}, {100, 1, 3}});
  p.buffers[1].alias = Alias{0, 64};
  p.buffers[2].alias = Alias{1, 32};
  p.buffers[2].alignment = 32;
  return p;
}

TEST(Normalize, FoldsAliasChainsIntoTheirRoot) {
  const NormalizedProblem np = normalize(chain());
  ASSERT_EQ(np.problem.buffers.size(), 2u);
  EXPECT_EQ(np.original_id, (std::vector<std::int32_t>{0, 3}));
  EXPECT_EQ(np.root_of, (std::vector<std::int32_t>{0, 0, 0, 1}));
  EXPECT_EQ(np.offset_in_root, (std::vector<std::int64_t>{0, 64, 96, 0}));
  const Buffer& r = np.problem.buffers[0];
  EXPECT_EQ(r.id, 0);
  EXPECT_EQ(r.size, 256);
  EXPECT_EQ(r.first, 0);  // hull of [0,4), [2,6), [5,9)
  EXPECT_EQ(r.last, 9);
  EXPECT_EQ(r.alignment, 32);  // the largest member alignment
  EXPECT_EQ(r.name, "t0");
  EXPECT_FALSE(r.alias.has_value());
  const Buffer& other = np.problem.buffers[1];
  EXPECT_EQ(other.id, 1);
  EXPECT_EQ(other.size, 100);
  EXPECT_EQ(other.first, 1);
  EXPECT_EQ(other.last, 3);
}

TEST(Normalize, ResolvesOffsetsBackToEveryBuffer) {
  const NormalizedProblem np = normalize(chain());
  EXPECT_EQ(resolve_offsets(np, {512, 0}), (std::vector<std::int64_t>{512, 576, 608, 0}));
  EXPECT_EQ(error_of([&] { resolve_offsets(np, {1, 2, 3}); }).first, ErrorCode::invalid_argument);
}

TEST(Normalize, EmptyMembersDoNotWidenTheRoot) {
  Problem p = problem_of({{64, 2, 4}, {0, 0, 10}});
  p.buffers[1].alias = Alias{0, 0};
  const NormalizedProblem np = normalize(p);
  ASSERT_EQ(np.problem.buffers.size(), 1u);
  EXPECT_EQ(np.problem.buffers[0].first, 2);
  EXPECT_EQ(np.problem.buffers[0].last, 4);
}

TEST(Normalize, KeepsPinsAndRejectsCollidingPinnedRoots) {
  Problem ok = problem_of({{64, 0, 4}, {64, 4, 8}});
  ok.buffers[0].fixed_offset = 0;
  ok.buffers[1].fixed_offset = 32;  // shares bytes, but not steps (half-open intervals)
  const NormalizedProblem np = normalize(ok);
  EXPECT_EQ(np.problem.buffers[0].fixed_offset, 0);
  EXPECT_EQ(np.problem.buffers[1].fixed_offset, 32);

  Problem bad = problem_of({{64, 0, 4}, {8, 9, 10}, {64, 3, 8}});
  bad.buffers[0].fixed_offset = 0;
  bad.buffers[2].fixed_offset = 32;
  auto [code, msg] = error_of([&] { normalize(bad); });
  EXPECT_EQ(code, ErrorCode::invalid_argument);
  EXPECT_NE(msg.find("pinned buffer 0 ('t0') and pinned buffer 2 ('t2') are live together at "
                     "step 3 and overlap in bytes"),
            std::string::npos)
      << msg;
}

TEST(Normalize, PinnedRootMustSuitItsAliasesAlignment) {
  Problem p = problem_of({{64, 0, 4}, {32, 0, 4}});
  p.buffers[0].fixed_offset = 16;
  p.buffers[1].alias = Alias{0, 0};
  p.buffers[1].alignment = 32;
  auto [code, msg] = error_of([&] { normalize(p); });
  EXPECT_EQ(code, ErrorCode::invalid_argument);
  EXPECT_NE(msg.find("pinned buffer 0 ('t0') at offset 16 is not aligned to 32"), std::string::npos)
      << msg;
}

TEST(Normalize, ValidatesFirst) {
  Problem p = problem_of({{-5, 0, 1}});
  EXPECT_EQ(error_of([&] { normalize(p); }).first, ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace plantune::planner
