#include "plantune/planner/greedy_by_size.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "placement_testing.h"
#include "plantune/planner/random_problem.h"

namespace plantune::planner {
namespace {

using testing::arena_of;
using testing::problem_of;
using testing::valid;

// TFLite's SimpleMemoryArena::Allocate, transcribed: scan every placed buffer in offset order,
// skip those not live together with the new one, take the smallest gap that fits (first such on
// ties), else the end. O(n^2): the reference the fast implementation must match exactly.
std::vector<std::int64_t> tflite_reference(const Problem& p) {
  std::vector<std::int32_t> order(p.buffers.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::int32_t x, std::int32_t y) {
    const Buffer& a = p.buffers[static_cast<std::size_t>(x)];
    const Buffer& b = p.buffers[static_cast<std::size_t>(y)];
    if (a.size != b.size) return a.size > b.size;
    if (a.first != b.first) return a.first < b.first;
    return x < y;
  });
  std::vector<std::int64_t> off(p.buffers.size(), 0);
  std::vector<std::int32_t> placed;  // kept sorted by offset
  auto add = [&](std::int32_t id) {
    auto at = std::upper_bound(placed.begin(), placed.end(), id, [&](std::int32_t x, std::int32_t y) {
      return off[static_cast<std::size_t>(x)] < off[static_cast<std::size_t>(y)];
    });
    placed.insert(at, id);
  };
  for (const Buffer& b : p.buffers) {
    if (b.fixed_offset) {
      off[static_cast<std::size_t>(b.id)] = *b.fixed_offset;
      if (b.size > 0) add(b.id);
    }
  }
  for (std::int32_t id : order) {
    const Buffer& b = p.buffers[static_cast<std::size_t>(id)];
    if (b.fixed_offset || b.size == 0) continue;
    std::int64_t best = -1, best_fit = 0, current = 0;
    for (std::int32_t q : placed) {
      const Buffer& o = p.buffers[static_cast<std::size_t>(q)];
      if (o.last <= b.first || o.first >= b.last) continue;
      const std::int64_t qo = off[static_cast<std::size_t>(q)];
      const std::int64_t aligned = (current + b.alignment - 1) / b.alignment * b.alignment;
      if (aligned + b.size <= qo && (best < 0 || qo - current < best_fit)) {
        best = aligned;
        best_fit = qo - current;
      }
      current = std::max(current, qo + o.size);
    }
    off[static_cast<std::size_t>(id)] =
        best >= 0 ? best : (current + b.alignment - 1) / b.alignment * b.alignment;
    add(id);
  }
  return off;
}

TEST(GreedyBySize, PlacesLargestFirstIntoTheBestGap) {
  // Steps:   0 1 2 3 4 5
  // t0  32   [---)            Alloc(+) and dealloc(-) order:
  // t1  64     [-----)          +t0 | +t1 | -t0 +t2 +t3 | -t1 +t4 | -t2 | -t3 -t4
  // t2  16       [-----)
  // t3 128       [-------)    Placement order (by size): t3 t1 t0 t4 t2
  // t4  24           [---)
  //  t3 -> 0 (nothing placed); t1 meets t3 -> above it, 128;
  //  t0 meets t1 only (t3 starts as t0 ends): the gap [0, 128) -> 0;
  //  t4 meets t3 only (t1 ends as t4 starts) -> 128;
  //  t2 meets t3 [0,128), t1 [128,192), t4 [128,152): no gap -> 192.
  const Problem p = problem_of({{32, 0, 2}, {64, 1, 4}, {16, 2, 5}, {128, 2, 6}, {24, 4, 6}});
  const auto off = place_greedy_by_size(p);
  EXPECT_EQ(off, (std::vector<std::int64_t>{0, 128, 192, 0, 128}));
  EXPECT_EQ(off, tflite_reference(p));
  EXPECT_TRUE(valid(p, off));
  EXPECT_EQ(arena_of(p, off), 208);
}

TEST(GreedyBySize, TakesTheSmallestGapThatFits) {
  // Steps:   0 1 2
  // t0 100   [---)         Alloc(+) and dealloc(-) order: +t0 +t1 +t2 | +t3 | -t0 -t1 -t2 | -t3
  // t1  60   [---)         Placement order: t0 (100) t3 (90) t1 (60, id 1) t2 (60, id 2)
  // t2  60   [---)          t0 -> 0; t3 meets t0 -> 100; t1 meets t0, t3 -> 190; t2 -> 250.
  // t3  90     [---)
  const Problem p = problem_of({{100, 0, 2}, {60, 0, 2}, {60, 0, 2}, {90, 1, 3}});
  auto off = place_greedy_by_size(p);
  EXPECT_EQ(off, (std::vector<std::int64_t>{0, 190, 250, 100}));
  EXPECT_EQ(off, tflite_reference(p));
  EXPECT_TRUE(valid(p, off));

  // Pinned: t0 [0,40), t1 [80,130), t2 [160,190) leave gaps of 40 and 30 bytes; a 25-byte
  // buffer takes the tighter one, [130, 160).
  Problem q = problem_of({{40, 0, 4}, {50, 0, 4}, {30, 0, 4}, {25, 1, 2}});
  q.buffers[0].fixed_offset = 0;
  q.buffers[1].fixed_offset = 80;
  q.buffers[2].fixed_offset = 160;
  off = place_greedy_by_size(q);
  EXPECT_EQ(off, (std::vector<std::int64_t>{0, 80, 160, 130}));
  EXPECT_EQ(off, tflite_reference(q));
  EXPECT_TRUE(valid(q, off));
}

TEST(GreedyBySize, EdgeCases) {
  EXPECT_TRUE(place_greedy_by_size(Problem{}).empty());
  EXPECT_EQ(place_greedy_by_size(problem_of({{7, 0, 1}})), (std::vector<std::int64_t>{0}));
  // Everything live together: stacked, arena = sum of sizes.
  const Problem all = problem_of({{10, 0, 5}, {30, 1, 4}, {20, 2, 3}});
  const auto off = place_greedy_by_size(all);
  EXPECT_EQ(off, (std::vector<std::int64_t>{50, 0, 30}));
  EXPECT_EQ(arena_of(all, off), 60);
  EXPECT_TRUE(valid(all, off));
  // Zero-size buffers stay at 0 and never push anything.
  const Problem zero = problem_of({{0, 0, 5}, {8, 0, 5}, {0, 2, 2}});
  EXPECT_EQ(place_greedy_by_size(zero), (std::vector<std::int64_t>{0, 0, 0}));
}

TEST(GreedyBySize, MatchesTfLitesScanOnRandomProblems) {
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    RandomProblemOptions o;
    o.buffers = 250;
    o.seed = seed;
    o.steps = seed % 2 ? 60 : 400;
    o.random_alignment = seed % 3 == 0;
    o.pinned_fraction = seed % 4 == 0 ? 0.05 : 0.0;
    o.empty_fraction = 0.03;
    const Problem p = random_problem(o);
    const auto off = place_greedy_by_size(p);
    ASSERT_EQ(off, tflite_reference(p)) << "seed " << seed;
    ASSERT_TRUE(valid(p, off)) << "seed " << seed;
  }
}

}  // namespace
}  // namespace plantune::planner
