#pragma once
// The lower bound every placement is measured against.
#include <cstdint>

#include "plantune/planner/problem.h"

namespace plantune::planner {

// Max over steps of the bytes live at that step, and at least the end of every pinned buffer.
// Aliases are folded first (normalize), so an aliased problem gets its lower, aliased bound.
// O(n log n) sweep; throws as Problem::validate does.
std::int64_t lower_bound(const Problem& problem);

}  // namespace plantune::planner
