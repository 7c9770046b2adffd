// The portfolio's orderings on a small problem, with every permutation written out.
#include "orderings.h"

#include <gtest/gtest.h>

#include "placement_testing.h"

namespace plantune::planner::detail {
namespace {

using testing::problem_of;

// Steps:    0 1 2 3 4 5
// t0  50    [-------)          live bytes per step: 0: 50  1: 80  2: 90  3: 120  4: 60
// t1  30      [---)            (the peak, 120, is at step 3)
// t2  10        [---)
// t3  60          [---)
// t4   0    [-)                (empty: never conflicts, sorts last)
Problem five() { return problem_of({{50, 0, 4}, {30, 1, 3}, {10, 2, 4}, {60, 3, 5}, {0, 0, 1}}); }

TEST(Orderings, PeakInfoIsTheFullestStepEachBufferSees) {
  const Problem p = five();
  const SlotMap slots = make_slot_map(p);
  const PeakInfo info = peak_info(p, slots);
  EXPECT_EQ(info.max_live, (std::vector<std::int64_t>{120, 90, 120, 120, 50}));
  // Slots: ends 0 1 2 3 4 5 -> slot k is step k; the peak is slot 3 (50 + 10 + 60).
  EXPECT_EQ(info.peak_slot[0], 3);
  EXPECT_EQ(info.peak_slot[1], 2);
  EXPECT_EQ(info.peak_slot[3], 3);
}

TEST(Orderings, EachOrderingIsTheDocumentedPermutation) {
  const Problem p = five();
  const SlotMap slots = make_slot_map(p);
  const PeakInfo info = peak_info(p, slots);
  auto order = [&](Ordering o) { return make_order(p, slots, info, o); };
  using V = std::vector<std::int32_t>;
  // Peak 120 at step 3: t0, t2, t3 (by end desc: t3 ends 5, then t0/t2 end 4 -> first asc: t0
  // starts 0, t2 starts 2); then t1 (peak 90); then t4 (peak 50).
  EXPECT_EQ(order(Ordering::peak_end), (V{3, 0, 2, 1, 4}));
  EXPECT_EQ(order(Ordering::peak_start), (V{0, 2, 3, 1, 4}));
  EXPECT_EQ(order(Ordering::peak_size), (V{3, 0, 2, 1, 4}));
  EXPECT_EQ(order(Ordering::size), (V{3, 0, 1, 2, 4}));
  EXPECT_EQ(order(Ordering::length), (V{0, 3, 1, 2, 4}));  // 4 steps; 2, 2, 2 by size; 1
  EXPECT_EQ(order(Ordering::area), (V{0, 3, 1, 2, 4}));    // 200, 120, 60, 20, 0
  // Bytes of others overlapping: t0 100, t1 60, t2 140, t3 60, t4 0 (t4 is empty).
  EXPECT_EQ(order(Ordering::conflicts), (V{2, 0, 3, 1, 4}));
}

TEST(Orderings, HaveNames) {
  EXPECT_EQ(to_string(Ordering::peak_end), "peak_end");
  EXPECT_EQ(to_string(Ordering::conflicts), "conflicts");
  EXPECT_EQ(std::size(kAllOrderings), 7u);
}

}  // namespace
}  // namespace plantune::planner::detail
