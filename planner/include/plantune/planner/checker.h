#pragma once
// An independent plan checker: separate code from the placers, O(n log n) sweep over steps.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "plantune/planner/problem.h"

namespace plantune::planner {

enum class ViolationKind {
  offset_count,          // not one offset per buffer
  invalid_problem,       // the problem itself is malformed (alias cycle, base out of range)
  negative_offset,       // an offset below zero, or offset + size past 2^63-1
  misaligned,            // an offset that is not a multiple of the buffer's alignment
  fixed_offset_ignored,  // a pinned buffer placed elsewhere
  alias_misplaced,       // an alias not at its base's offset + byte_offset
  arena_mismatch,        // arena_bytes differs from the max over buffers of offset + size
  overlap,               // two buffers live at the same step share bytes
};

std::string_view to_string(ViolationKind kind);

struct Violation {
  ViolationKind kind;
  std::int32_t buffer = -1;  // the (first) buffer concerned
  std::int32_t other = -1;   // the second buffer of an overlap, else -1
  std::string message;       // names both buffers, their steps and byte ranges
};

// The first violation found, or nullopt for a valid plan. An alias family (a root and every
// buffer aliasing into it) occupies the root's bytes over the hull of its members' intervals;
// members of one family may share bytes, members of different families may not.
std::optional<Violation> check_plan(const Problem& problem, const Plan& plan);

// Throws plantune::Error(internal) with the violation's message when check_plan finds one.
void require_valid_plan(const Problem& problem, const Plan& plan);

}  // namespace plantune::planner
