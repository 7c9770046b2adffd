#include "plantune/planner/exact_search.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "plantune/core/error.h"

namespace plantune::planner {
namespace {

using i64 = std::int64_t;

struct Spec {
  Spec(i64 f, i64 l, i64 s, i64 a = 1, std::optional<i64> x = std::nullopt)
      : first(f), last(l), size(s), alignment(a), fixed(x) {}
  i64 first, last, size, alignment;
  std::optional<i64> fixed;
};

Problem make(const std::vector<Spec>& specs) {
  Problem p;
  for (const Spec& s : specs) {
    Buffer b;
    b.id = static_cast<std::int32_t>(p.buffers.size());
    b.first = s.first;
    b.last = s.last;
    b.size = s.size;
    b.alignment = s.alignment;
    b.fixed_offset = s.fixed;
    p.buffers.push_back(b);
  }
  return p;
}

i64 arena_of(const Problem& p, const std::vector<i64>& offsets) {
  i64 a = 0;
  for (std::size_t i = 0; i < offsets.size(); ++i) a = std::max(a, offsets[i] + p.buffers[i].size);
  return a;
}

// Every buffer stacked on the previous ones (fixed ones kept): valid, and never better.
Plan stacked_seed(const Problem& p) {
  Plan seed;
  seed.offsets.assign(p.buffers.size(), 0);
  i64 top = 0;
  for (const Buffer& b : p.buffers)
    if (b.fixed_offset) top = std::max(top, *b.fixed_offset + b.size);
  for (std::size_t i = 0; i < p.buffers.size(); ++i) {
    const Buffer& b = p.buffers[i];
    if (b.fixed_offset) {
      seed.offsets[i] = *b.fixed_offset;
    } else {
      top = (top + b.alignment - 1) / b.alignment * b.alignment;
      seed.offsets[i] = top;
      top += b.size;
    }
  }
  seed.arena_bytes = arena_of(p, seed.offsets);
  seed.algorithm = "stacked";
  return seed;
}

// Independent check, pair by pair: conflicting buffers never share a byte, alignment and fixed
// offsets hold, and arena_bytes is the highest top.
::testing::AssertionResult valid_plan(const Problem& p, const Plan& plan) {
  if (plan.offsets.size() != p.buffers.size()) return ::testing::AssertionFailure() << "size";
  for (std::size_t i = 0; i < p.buffers.size(); ++i) {
    const Buffer& a = p.buffers[i];
    const i64 oa = plan.offsets[i];
    if (oa < 0 || oa % a.alignment != 0)
      return ::testing::AssertionFailure() << "buffer " << i << " at " << oa;
    if (a.fixed_offset && oa != *a.fixed_offset)
      return ::testing::AssertionFailure() << "fixed buffer " << i << " moved to " << oa;
    for (std::size_t j = i + 1; j < p.buffers.size(); ++j) {
      const Buffer& b = p.buffers[j];
      const i64 ob = plan.offsets[j];
      const bool in_time = a.first < b.last && b.first < a.last && a.size > 0 && b.size > 0;
      if (in_time && oa < ob + b.size && ob < oa + a.size)
        return ::testing::AssertionFailure() << "buffers " << i << " and " << j << " overlap";
    }
  }
  if (plan.arena_bytes != arena_of(p, plan.offsets))
    return ::testing::AssertionFailure() << "arena_bytes " << plan.arena_bytes;
  return ::testing::AssertionSuccess();
}

TEST(ExactSearch, FiveBuffersReachTheBound) {
  // Steps 0..20. Live: [0,3) b0 b2 b4 = 12 bytes; [3,9) b1 b2 b4; [9,21) b3 b4.
  const Problem p = make({{0, 3, 4}, {3, 9, 4}, {0, 9, 4}, {9, 21, 4}, {0, 21, 4}});
  const Plan r = solve_exact(p, stacked_seed(p), {});
  ASSERT_TRUE(valid_plan(p, r));
  EXPECT_EQ(r.arena_bytes, 12);
  EXPECT_TRUE(r.optimal);
  EXPECT_EQ(r.gap, 0.0);
  EXPECT_EQ(r.algorithm, "exact");
  // Canonical: b4 and b2 at the bottom (longest first), b0/b1 on b2, b3 on b4.
  EXPECT_EQ(r.offsets, (std::vector<i64>{8, 8, 4, 4, 0}));
}

TEST(ExactSearch, OptimumAboveTheLiveBytesBound) {
  // Live bytes peak at 10 (step 0: b2 b4; step 2: b0 b4 b5; step 4: b0 b3 b6 b7), yet no plan
  // fits in 10 (checked by exhaustive search); 11 does. The search refutes 10 to prove 11.
  const Problem p = make({{1, 5, 3},
                          {7, 10, 5},
                          {0, 1, 5},
                          {3, 8, 1},
                          {0, 3, 5},
                          {2, 4, 2},
                          {4, 9, 3},
                          {3, 5, 3}});
  const Plan r = solve_exact(p, stacked_seed(p), {});
  ASSERT_TRUE(valid_plan(p, r));
  EXPECT_EQ(r.arena_bytes, 11);
  EXPECT_TRUE(r.optimal);
  EXPECT_EQ(r.lower_bound, 10);
}

TEST(ExactSearch, AlignmentAndFixedOffsets) {
  // b0 pinned at [4,8) over steps 0..3; b1 (3 bytes, aligned to 4) and b3 (2 bytes) live at
  // step 1 with it: b1 fits only at 0 below b0, so b3 goes on top of b0, and b2 (aligned to 2)
  // takes the bottom after b1 ends. Live bytes peak at 9 but 9 is infeasible: the arena is 10.
  const Problem p = make({{0, 4, 4, 1, 4}, {0, 2, 3, 4}, {2, 4, 2, 2}, {1, 3, 2}});
  const Plan r = solve_exact(p, stacked_seed(p), {});
  ASSERT_TRUE(valid_plan(p, r));
  EXPECT_EQ(r.offsets, (std::vector<i64>{4, 0, 0, 8}));
  EXPECT_EQ(r.arena_bytes, 10);
  EXPECT_TRUE(r.optimal);
}

TEST(ExactSearch, ZeroSizeAndEmptyProblems) {
  const Problem empty;
  const Plan r0 = solve_exact(empty, Plan{}, {});
  EXPECT_TRUE(r0.offsets.empty());
  EXPECT_EQ(r0.arena_bytes, 0);
  EXPECT_TRUE(r0.optimal);

  const Problem p = make({{0, 2, 0}, {0, 2, 8}, {1, 3, 0}});
  Plan seed = stacked_seed(p);
  seed.offsets = {16, 0, 32};  // zero-size buffers anywhere are valid
  seed.arena_bytes = arena_of(p, seed.offsets);
  const Plan r = solve_exact(p, seed, {});
  ASSERT_TRUE(valid_plan(p, r));
  EXPECT_EQ(r.arena_bytes, 8);
  EXPECT_TRUE(r.optimal);
}

TEST(ExactSearch, ZeroBudgetReturnsTheSeed) {
  const Problem p = make({{0, 3, 4}, {3, 9, 4}, {0, 9, 4}, {9, 21, 4}, {0, 21, 4}});
  const Plan seed = stacked_seed(p);
  ExactOptions opts;
  opts.time_budget_seconds = 0.0;
  const Plan r = solve_exact(p, seed, opts);
  EXPECT_EQ(r.offsets, seed.offsets);
  EXPECT_EQ(r.arena_bytes, 20);
  EXPECT_EQ(r.algorithm, "stacked");
  EXPECT_FALSE(r.optimal);
  EXPECT_DOUBLE_EQ(r.gap, (20.0 - 12.0) / 12.0);
}

TEST(ExactSearch, CallerBoundIsUsed) {
  // A caller bound equal to the seed's arena proves the seed optimal without searching.
  const Problem p = make({{0, 2, 4}, {1, 3, 4}});
  Plan seed;
  seed.offsets = {0, 4};
  seed.arena_bytes = 8;
  ExactOptions opts;
  opts.lower_bound = 8;
  const Plan r = solve_exact(p, seed, opts);
  EXPECT_EQ(r.offsets, seed.offsets);
  EXPECT_TRUE(r.optimal);
}

TEST(ExactSearch, RejectsBadInput) {
  Problem p = make({{0, 2, 4}, {1, 3, 4}});
  Plan seed;
  seed.offsets = {0};
  EXPECT_THROW(solve_exact(p, seed, {}), Error);
  seed.offsets = {0, 4};
  p.buffers[1].alias = Alias{0, 0};
  EXPECT_THROW(solve_exact(p, seed, {}), Error);
  Problem q = make({{0, 2, 4, 1, 8}});
  Plan moved;
  moved.offsets = {0};
  EXPECT_THROW(solve_exact(q, moved, {}), Error);
}

// Random instances: every plan passes the pair check, is never worse than the seed, and a search
// that finishes gives the same plan twice.
TEST(ExactSearch, RandomInstancesNeverOverlap) {
  std::mt19937 rng(12345);
  for (int iter = 0; iter < 200; ++iter) {
    std::vector<Spec> specs;
    const int n = 2 + static_cast<int>(rng() % 30);
    for (int i = 0; i < n; ++i) {
      Spec s(0, 0, 0);
      s.first = rng() % 30;
      s.last = s.first + 1 + rng() % 10;
      s.size = rng() % 7 == 0 ? 0 : 1 + rng() % 64;
      s.alignment = std::array<i64, 3>{1, 8, 32}[rng() % 3];
      if (rng() % 16 == 0) s.fixed = static_cast<i64>(rng() % 4) * 256;
      specs.push_back(s);
    }
    const Problem p = make(specs);
    const Plan seed = stacked_seed(p);
    if (!valid_plan(p, seed)) continue;  // two pinned buffers collide: not a valid problem
    ExactOptions opts;
    opts.time_budget_seconds = 0.05;
    const Plan r = solve_exact(p, seed, opts);
    ASSERT_TRUE(valid_plan(p, r)) << "instance " << iter;
    EXPECT_LE(r.arena_bytes, seed.arena_bytes) << "instance " << iter;
    EXPECT_GE(r.arena_bytes, r.lower_bound) << "instance " << iter;
    if (r.optimal) {
      const Plan again = solve_exact(p, seed, opts);
      EXPECT_EQ(again.offsets, r.offsets) << "instance " << iter;
    }
  }
}

// MiniMalloc's challenging instance G (308 buffers; shared benchmark data, Apache-2.0): the
// optimum 1,048,576 equals the live-bytes bound, so reaching it proves it.
TEST(ExactSearch, ChallengingInstanceG) {
  const std::filesystem::path path =
      std::filesystem::path(PLANTUNE_SOURCE_DIR) / ".." / "shared" / "planner-bench" /
      "challenging" / "G.1048576.csv";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "benchmark data not found: " << path;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);  // id,lower,upper,size
  std::vector<Spec> specs;
  while (std::getline(in, line)) {
    std::istringstream row(line);
    std::string id, lower, upper, size;
    std::getline(row, id, ',');
    std::getline(row, lower, ',');
    std::getline(row, upper, ',');
    std::getline(row, size, ',');
    specs.push_back({std::stoll(lower), std::stoll(upper), std::stoll(size)});
  }
  ASSERT_EQ(specs.size(), 308u);
  const Problem p = make(specs);
  const Plan seed = stacked_seed(p);
  const Plan r = solve_exact(p, seed, {});
  ASSERT_TRUE(valid_plan(p, r));
  EXPECT_EQ(r.arena_bytes, 1048576);
  EXPECT_TRUE(r.optimal);
  EXPECT_LT(r.seconds, 10.0);
}

}  // namespace
}  // namespace plantune::planner
