// The portfolio's improvement phase: re-planning windows of steps.
#include "window_replan.h"

#include <gtest/gtest.h>

#include "placement_testing.h"
#include "plantune/planner/lower_bound.h"
#include "plantune/planner/random_problem.h"

namespace plantune::planner::detail {
namespace {

using testing::arena_of;
using testing::problem_of;
using testing::valid;

TEST(WindowReplan, FixesAHoleLeftInAFullStep) {
  // Steps:  0 .. 4 5 6 .. 10      L (100 B) lives throughout; A and B (50 B each) at steps 4-5.
  // Bound: 100 + 50 + 50 = 200. Given: L at 0, A at 100, B at 200 (a 50-byte hole under B).
  const Problem p = problem_of({{100, 0, 10}, {50, 4, 6}, {50, 4, 6}});
  std::vector<std::int64_t> off{0, 100, 200};
  const SlotMap slots = make_slot_map(p);
  const PeakInfo peaks = peak_info(p, slots);
  WindowReplanner w(p, slots, peaks);
  EXPECT_TRUE(w.improve(off, 200));
  // The window covers everything; peak_size order: L, A, B.
  EXPECT_EQ(off, (std::vector<std::int64_t>{0, 100, 150}));
  EXPECT_TRUE(valid(p, off));
}

TEST(WindowReplan, BuffersCrossingTheWindowStayWhereTheyAre) {
  // L (100 B) over steps [0, 100); a 10-byte filler F_k at each step k, all at offset 100;
  // A and B (50 B) over [50, 52). Bound: 100 + 10 + 50 + 50 = 210 at steps 50-51.
  // Given: A at 110, B at 170 (a 10-byte hole between them): B sticks out to 220.
  Problem p = problem_of({{100, 0, 100}, {50, 50, 52}, {50, 50, 52}});
  for (std::int64_t k = 0; k < 100; ++k) {
    p.buffers.push_back(Buffer{static_cast<std::int32_t>(p.buffers.size()), 10, 1, k, k + 1,
                               std::nullopt, std::nullopt, "F" + std::to_string(k)});
  }
  std::vector<std::int64_t> off(p.buffers.size(), 100);
  off[0] = 0;
  off[1] = 110;
  off[2] = 170;
  ASSERT_TRUE(valid(p, off));
  ASSERT_EQ(lower_bound(p), 210);
  const SlotMap slots = make_slot_map(p);
  const PeakInfo peaks = peak_info(p, slots);
  WindowReplanner w(p, slots, peaks);
  EXPECT_TRUE(w.improve(off, 210));
  EXPECT_TRUE(valid(p, off));
  EXPECT_EQ(arena_of(p, off), 210);
  // The first window, slots [34, 68), lifts A, B and F_34..F_67; L crosses it and stays at 0.
  // Inside, in peak_size order: A (top of L) 100, B 150, F_50 and F_51 200, the others 100.
  EXPECT_EQ(off[0], 0);
  EXPECT_EQ(off[1], 100);
  EXPECT_EQ(off[2], 150);
  EXPECT_EQ(off[3 + 50], 200);
  EXPECT_EQ(off[3 + 51], 200);
  EXPECT_EQ(off[3 + 49], 100);
}

TEST(WindowReplan, NeverBreaksAPlanNorRaisesItsArena) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    RandomProblemOptions o;
    o.buffers = 200;
    o.seed = seed;
    o.steps = 120;
    o.random_alignment = true;
    o.pinned_fraction = 0.03;
    const Problem p = random_problem(o);
    const SlotMap slots = make_slot_map(p);
    const PeakInfo peaks = peak_info(p, slots);
    // A poor start: largest-first is fine, reversed is poor.
    auto order = make_order(p, slots, peaks, Ordering::size);
    std::reverse(order.begin(), order.end());
    OccupancyIndex index(slots.slots);
    std::vector<std::int64_t> off = place_in_order(p, slots, order, index);
    ASSERT_TRUE(valid(p, off));
    const std::int64_t before = arena_of(p, off);
    WindowReplanOptions wo;
    wo.work_limit = 30'000;
    WindowReplanner w(p, slots, peaks, wo);
    w.improve(off, lower_bound(p));
    ASSERT_TRUE(valid(p, off)) << "seed " << seed;
    const std::int64_t improved = arena_of(p, off);
    EXPECT_LE(improved, before) << "seed " << seed;
    const std::int64_t lowered = w.lower(off, lower_bound(p));
    ASSERT_TRUE(valid(p, off)) << "seed " << seed;
    EXPECT_EQ(lowered, arena_of(p, off));
    EXPECT_LE(lowered, improved) << "seed " << seed;
    EXPECT_GE(lowered, lower_bound(p));
  }
}

}  // namespace
}  // namespace plantune::planner::detail
