#include "plantune/planner/random_problem.h"

#include <gtest/gtest.h>

#include "placement_testing.h"

namespace plantune::planner {
namespace {

using testing::error_of;

TEST(RandomProblem, SameOptionsSameProblem) {
  RandomProblemOptions o;
  o.buffers = 500;
  o.seed = 7;
  o.random_alignment = true;
  o.pinned_fraction = 0.05;
  o.alias_fraction = 0.1;
  o.empty_fraction = 0.05;
  EXPECT_EQ(random_problem(o).buffers, random_problem(o).buffers);
  RandomProblemOptions other = o;
  other.seed = 8;
  EXPECT_NE(random_problem(o).buffers, random_problem(other).buffers);
}

TEST(RandomProblem, ProblemsAreValidAndHaveWhatWasAskedFor) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    RandomProblemOptions o;
    o.buffers = 400;
    o.seed = seed;
    o.steps = 50;
    o.random_alignment = true;
    o.pinned_fraction = 0.1;
    o.alias_fraction = 0.2;
    o.empty_fraction = 0.1;
    const Problem p = random_problem(o);
    ASSERT_EQ(p.buffers.size(), 400u);
    EXPECT_NO_THROW(p.validate()) << "seed " << seed;
    int pinned = 0, aliases = 0, empty = 0;
    for (const Buffer& b : p.buffers) {
      pinned += b.fixed_offset.has_value();
      aliases += b.alias.has_value();
      empty += b.size == 0;
      EXPECT_GE(b.first, 0);
      EXPECT_LE(b.last, 50);
    }
    EXPECT_GT(pinned, 10);
    EXPECT_GT(aliases, 20);
    EXPECT_GT(empty, 10);
  }
}

TEST(RandomProblem, DefaultsAreSizedAndTimedAsDocumented) {
  RandomProblemOptions o;
  o.buffers = 2000;
  const Problem p = random_problem(o);
  for (const Buffer& b : p.buffers) {
    EXPECT_GE(b.size, o.min_size);
    EXPECT_LE(b.size, o.max_size);
    EXPECT_EQ(b.alignment, 1);
    EXPECT_LT(b.first, b.last);
    EXPECT_LE(b.last, 2000);
    EXPECT_FALSE(b.alias || b.fixed_offset);
  }
}

TEST(RandomProblem, RejectsImpossibleOptions) {
  RandomProblemOptions o;
  o.buffers = -1;
  EXPECT_EQ(error_of([&] { random_problem(o); }).first, ErrorCode::invalid_argument);
  o.buffers = 1;
  o.min_size = 10;
  o.max_size = 5;
  EXPECT_EQ(error_of([&] { random_problem(o); }).first, ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace plantune::planner
