#pragma once
// Shared by the placement tests: problems written as data, and the independent checker applied
// to every plan a test looks at.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "plantune/core/error.h"
#include "plantune/planner/checker.h"
#include "plantune/planner/problem.h"

namespace plantune::planner::testing {

// One buffer as data: `size` bytes live over steps [first, last).
struct B {
  std::int64_t size;
  std::int64_t first;
  std::int64_t last;
};

// Buffers numbered in the order given.
inline Problem problem_of(std::initializer_list<B> buffers) {
  Problem p;
  for (const B& b : buffers) {
    Buffer x;
    x.id = static_cast<std::int32_t>(p.buffers.size());
    x.size = b.size;
    x.first = b.first;
    x.last = b.last;
    x.name = "t" + std::to_string(x.id);
    p.buffers.push_back(x);
  }
  return p;
}

inline std::int64_t arena_of(const Problem& p, const std::vector<std::int64_t>& offsets) {
  std::int64_t top = 0;
  for (const Buffer& b : p.buffers) top = std::max(top, offsets[static_cast<std::size_t>(b.id)] + b.size);
  return top;
}

// The plan made of `offsets` (arena = max end), as the checker sees it.
inline Plan plan_of(const Problem& p, const std::vector<std::int64_t>& offsets) {
  Plan plan;
  plan.offsets = offsets;
  plan.arena_bytes = offsets.size() == p.buffers.size() ? arena_of(p, offsets) : 0;
  return plan;
}

// EXPECT_TRUE(valid(p, offsets)): the independent checker accepts the placement.
inline ::testing::AssertionResult valid(const Problem& p, const std::vector<std::int64_t>& offsets) {
  if (offsets.size() != p.buffers.size()) {
    return ::testing::AssertionFailure() << offsets.size() << " offsets for " << p.buffers.size()
                                         << " buffers";
  }
  if (auto v = check_plan(p, plan_of(p, offsets))) return ::testing::AssertionFailure() << v->message;
  return ::testing::AssertionSuccess();
}
inline ::testing::AssertionResult valid(const Problem& p, const Plan& plan) {
  if (auto v = check_plan(p, plan)) return ::testing::AssertionFailure() << v->message;
  return ::testing::AssertionSuccess();
}

// The code and message of the plantune::Error that `f` throws (fails the test if none).
template <typename F>
std::pair<ErrorCode, std::string> error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return {e.code(), e.what()};
  }
  ADD_FAILURE() << "no plantune::Error thrown";
  return {ErrorCode::internal, ""};
}

}  // namespace plantune::planner::testing
