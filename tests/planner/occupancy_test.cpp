// The placers' conflict index, against brute force.
#include "occupancy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "placement_testing.h"

namespace plantune::planner::detail {
namespace {

using testing::problem_of;

std::vector<std::pair<std::int64_t, std::int64_t>> pairs(const RangeSet& s) {
  std::vector<std::pair<std::int64_t, std::int64_t>> out;
  for (const ByteRange& r : s) out.emplace_back(r.lo, r.hi);
  return out;
}

TEST(RangeSet, InsertMergesOverlappingAndTouchingRanges) {
  RangeSet s;
  s.insert(10, 20);
  s.insert(40, 50);
  s.insert(0, 5);
  EXPECT_EQ(pairs(s), (std::vector<std::pair<std::int64_t, std::int64_t>>{{0, 5}, {10, 20}, {40, 50}}));
  s.insert(20, 25);  // touches [10, 20)
  s.insert(45, 60);  // overlaps [40, 50)
  EXPECT_EQ(pairs(s), (std::vector<std::pair<std::int64_t, std::int64_t>>{{0, 5}, {10, 25}, {40, 60}}));
  s.insert(3, 41);  // swallows the middle
  EXPECT_EQ(pairs(s), (std::vector<std::pair<std::int64_t, std::int64_t>>{{0, 60}}));
  RangeSet copy = s;
  copy.insert(70, 80);
  EXPECT_EQ(copy.size(), 2u);
  EXPECT_EQ(s.size(), 1u);
  s = copy;
  EXPECT_EQ(pairs(s), pairs(copy));
}

TEST(SlotMap, CompressesStepsToTheGapsBetweenIntervalEnds) {
  // Distinct ends: 0 3 5 9 -> slots [0,3)=0 [3,5)=1 [5,9)=2.
  const Problem p = problem_of({{1, 0, 5}, {1, 3, 9}, {1, 5, 9}});
  const SlotMap m = make_slot_map(p);
  EXPECT_EQ(m.slots, 3);
  EXPECT_EQ(m.begin, (std::vector<std::int32_t>{0, 1, 2}));
  EXPECT_EQ(m.end, (std::vector<std::int32_t>{2, 3, 3}));
}

TEST(ChooseOffset, SmallestHoleThatFitsElseTheTop) {
  // Used: [0,10) [30,40) [45,100): holes [10,30) (20 bytes) and [40,45) (5), top from 100.
  const std::vector<ByteRange> used{{0, 10}, {30, 40}, {45, 100}};
  EXPECT_EQ(choose_offset(used, 5, 1), 40);    // the exact 5-byte hole
  EXPECT_EQ(choose_offset(used, 6, 1), 10);    // only the 20-byte hole fits
  EXPECT_EQ(choose_offset(used, 21, 1), 100);  // no hole: the top
  EXPECT_EQ(choose_offset(used, 5, 16), 16);   // 40 is not 16-aligned; 16 + 5 <= 30
  EXPECT_EQ(choose_offset(used, 5, 64), 128);  // no 64-aligned spot in a hole: the aligned top
  EXPECT_EQ(choose_offset({{0, 10}, {20, 40}, {50, 60}}, 10, 1), 10);  // ties: the lowest hole
  EXPECT_EQ(choose_offset({}, 7, 8), 0);
}

// Brute force: the merged byte ranges of every rectangle meeting slots [a, b).
std::vector<std::pair<std::int64_t, std::int64_t>> brute(
    const std::vector<std::array<std::int64_t, 4>>& rects, std::int32_t a, std::int32_t b) {
  std::vector<std::pair<std::int64_t, std::int64_t>> r;
  for (const auto& x : rects) {
    if (x[0] < b && x[1] > a) r.emplace_back(x[2], x[3]);
  }
  std::sort(r.begin(), r.end());
  std::vector<std::pair<std::int64_t, std::int64_t>> out;
  for (const auto& x : r) {
    if (!out.empty() && x.first <= out.back().second) {
      out.back().second = std::max(out.back().second, x.second);
    } else {
      out.push_back(x);
    }
  }
  return out;
}

TEST(OccupancyIndex, CollectMatchesBruteForce) {
  std::mt19937 rng(5);
  for (std::int32_t slots : {1, 2, 7, 64, 100}) {
    OccupancyIndex index(slots);
    std::vector<std::array<std::int64_t, 4>> rects;
    std::vector<ByteRange> got;
    for (int i = 0; i < 300; ++i) {
      const std::int32_t a = static_cast<std::int32_t>(rng() % static_cast<unsigned>(slots));
      const std::int32_t b = a + 1 + static_cast<std::int32_t>(rng() % static_cast<unsigned>(slots - a));
      const std::int64_t lo = rng() % 1000, hi = lo + 1 + rng() % 50;
      index.add(a, b, lo, hi);
      rects.push_back({a, b, lo, hi});
      const std::int32_t qa = static_cast<std::int32_t>(rng() % static_cast<unsigned>(slots));
      const std::int32_t qb = qa + 1 + static_cast<std::int32_t>(rng() % static_cast<unsigned>(slots - qa));
      index.collect(qa, qb, got);
      std::vector<std::pair<std::int64_t, std::int64_t>> g;
      for (const ByteRange& r : got) g.emplace_back(r.lo, r.hi);
      ASSERT_EQ(g, brute(rects, qa, qb)) << "slots " << slots << " step " << i << " query [" << qa
                                         << ", " << qb << ")";
    }
    OccupancyIndex copy = index;
    index.clear();
    index.collect(0, slots, got);
    EXPECT_TRUE(got.empty());
    copy.collect(0, slots, got);
    EXPECT_FALSE(got.empty());
  }
}

TEST(PlaceInOrder, PinsFirstThenBestFitInTheGivenOrder) {
  // Steps:  0 1 2 3
  // t0 40   [---)        order: t1 (pinned at 100), t0, t2, t3
  // t1 20   [-------)    t0 -> 0: nothing placed conflicts but t1 at [100,120)
  // t2 30     [-----)    t2 conflicts with t0 [0,40) and t1 [100,120): hole [40,100) -> 40
  // t3 60       [---)    t3 conflicts with t1, t2 [40,70): holes [0,40) too small, [70,100)
  //                      too small -> top 120
  Problem p = problem_of({{40, 0, 2}, {20, 0, 4}, {30, 1, 4}, {60, 2, 4}});
  p.buffers[1].fixed_offset = 100;
  const SlotMap slots = make_slot_map(p);
  OccupancyIndex index(slots.slots);
  const auto off = place_in_order(p, slots, {1, 0, 2, 3}, index);
  EXPECT_EQ(off, (std::vector<std::int64_t>{0, 100, 40, 120}));
  EXPECT_TRUE(testing::valid(p, off));
}

}  // namespace
}  // namespace plantune::planner::detail
