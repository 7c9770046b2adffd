#include "plantune/planner/checker.h"

#include <gtest/gtest.h>

#include "placement_testing.h"

namespace plantune::planner {
namespace {

using testing::error_of;
using testing::plan_of;
using testing::problem_of;

// Three buffers: t0 [0,2), t1 [1,3), t2 [2,4); t0 and t2 may share bytes, t1 may not.
Problem three() { return problem_of({{64, 0, 2}, {32, 1, 3}, {64, 2, 4}}); }

std::optional<Violation> check(const Problem& p, const std::vector<std::int64_t>& offsets) {
  return check_plan(p, plan_of(p, offsets));
}

TEST(Checker, AcceptsValidPlans) {
  EXPECT_FALSE(check(three(), {0, 64, 0}).has_value());
  EXPECT_FALSE(check(three(), {32, 0, 96}).has_value());
  EXPECT_FALSE(check(Problem{}, {}).has_value());
  // Zero-size buffers never conflict, wherever they are.
  EXPECT_FALSE(check(problem_of({{64, 0, 4}, {0, 1, 2}}), {0, 10}).has_value());
}

TEST(Checker, FindsTwoLiveBuffersSharingBytes) {
  auto v = check(three(), {0, 48, 96});
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->kind, ViolationKind::overlap);
  EXPECT_EQ(v->buffer, 0);
  EXPECT_EQ(v->other, 1);
  EXPECT_EQ(v->message,
            "overlap: buffer 0 ('t0') live over steps [0, 2) in bytes [0, 64) and buffer 1 ('t1') "
            "live over steps [1, 3) in bytes [48, 80) are live together at step 1 and share bytes "
            "[48, 64)");
  // Identical offsets, and a newcomer below an older buffer.
  EXPECT_EQ(check(three(), {0, 0, 96})->kind, ViolationKind::overlap);
  EXPECT_EQ(check(three(), {64, 40, 200})->other, 1);
}

TEST(Checker, HalfOpenIntervalsTouchWithoutConflict) {
  // t0 ends at step 2 exactly where t2 starts: same bytes are fine.
  EXPECT_FALSE(check(three(), {0, 100, 0}).has_value());
}

TEST(Checker, FindsMisalignedPinnedAndNegativeOffsets) {
  Problem p = three();
  p.buffers[1].alignment = 32;
  auto v = check(p, {0, 80, 200});
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->kind, ViolationKind::misaligned);
  EXPECT_EQ(v->message,
            "misaligned: buffer 1 ('t1') at offset 80 is not a multiple of its alignment 32");

  p = three();
  p.buffers[2].fixed_offset = 128;
  v = check(p, {0, 64, 0});
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->kind, ViolationKind::fixed_offset_ignored);
  EXPECT_EQ(v->message,
            "fixed_offset_ignored: buffer 2 ('t2') is pinned at offset 128 but placed at 0");

  v = check(three(), {0, -64, 0});
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->kind, ViolationKind::negative_offset);
  EXPECT_EQ(v->buffer, 1);
}

TEST(Checker, FindsWrongCountsAndArenas) {
  auto v = check_plan(three(), plan_of(three(), {0, 64}));
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->kind, ViolationKind::offset_count);
  EXPECT_EQ(v->message, "offset_count: plan has 2 offsets for 3 buffers");

  Plan plan = plan_of(three(), {0, 64, 0});
  plan.arena_bytes = 64;
  v = check_plan(three(), plan);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->kind, ViolationKind::arena_mismatch);
  EXPECT_EQ(v->message, "arena_mismatch: plan says arena_bytes 64 but its buffers end at 96");
}

TEST(Checker, AliasesMustSitAtTheirBaseOffset) {
  // y = relu(x) in place: y aliases x at byte 0; z a view 16 bytes into y.
  Problem p = problem_of({{64, 0, 2}, {64, 1, 3}, {16, 2, 4}, {64, 0, 4}});
  p.buffers[1].alias = Alias{0, 0};
  p.buffers[2].alias = Alias{1, 16};
  EXPECT_FALSE(check(p, {64, 64, 80, 0}).has_value());  // family members share bytes: fine
  auto v = check(p, {64, 64, 64, 0});
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->kind, ViolationKind::alias_misplaced);
  EXPECT_EQ(v->buffer, 2);
  EXPECT_EQ(v->other, 1);
  EXPECT_EQ(v->message,
            "alias_misplaced: buffer 2 ('t2') aliases buffer 1 ('t1') at byte 16 (offset 64 + 16) "
            "but is placed at 64");
}

TEST(Checker, AliasFamiliesOccupyTheirRootOverTheHullOfTheirIntervals) {
  // x [0,2) with an in-place result y [3,5) inside it: the family holds x's bytes over [0,5),
  // so w [2,3) may not use them even though neither x nor y is live at step 2.
  Problem p = problem_of({{64, 0, 2}, {64, 3, 5}, {64, 2, 3}});
  p.buffers[1].alias = Alias{0, 0};
  auto v = check(p, {0, 0, 0});
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->kind, ViolationKind::overlap);
  EXPECT_NE(v->message.find("buffer 0 ('t0') (with its aliases) live over steps [0, 5)"),
            std::string::npos)
      << v->message;
  EXPECT_FALSE(check(p, {0, 0, 64}).has_value());
}

TEST(Checker, ReportsMalformedProblemsInsteadOfLooping) {
  Problem p = problem_of({{64, 0, 2}, {64, 0, 2}});
  p.buffers[0].alias = Alias{1, 0};
  p.buffers[1].alias = Alias{0, 0};
  auto v = check(p, {0, 0});
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->kind, ViolationKind::invalid_problem);
  p.buffers[1].alias = Alias{9, 0};
  EXPECT_EQ(check(p, {0, 0})->kind, ViolationKind::invalid_problem);
}

TEST(Checker, RequireValidPlanThrowsAnInternalError) {
  Plan plan = plan_of(three(), {0, 0, 96});
  plan.algorithm = "test";
  auto [code, msg] = error_of([&] { require_valid_plan(three(), plan); });
  EXPECT_EQ(code, ErrorCode::internal);
  EXPECT_NE(msg.find("the plan from 'test' is invalid: overlap: buffer 0"), std::string::npos) << msg;
  EXPECT_NO_THROW(require_valid_plan(three(), plan_of(three(), {0, 64, 0})));
}

TEST(Checker, ViolationKindsHaveNames) {
  EXPECT_EQ(to_string(ViolationKind::overlap), "overlap");
  EXPECT_EQ(to_string(ViolationKind::alias_misplaced), "alias_misplaced");
  EXPECT_EQ(to_string(ViolationKind::fixed_offset_ignored), "fixed_offset_ignored");
}

}  // namespace
}  // namespace plantune::planner
