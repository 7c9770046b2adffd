#pragma once
// Internal: the fast path for very large problems: one pass over the steps, online best fit.
//
// Buffers are taken in order of their first step (larger first within a step); at each step the
// buffers that died are returned to an ordered set of free byte ranges (merged with their
// neighbours) and each new buffer takes the smallest free range it fits in (aligned), else the
// top. O(n log n) whatever the number of live buffers. Pinned buffers keep their byte ranges
// out of the pool for the whole timeline.
#include <cstdint>
#include <vector>

#include "plantune/planner/problem.h"

namespace plantune::planner::detail {

// Offsets for every buffer of an alias-free problem.
std::vector<std::int64_t> place_by_sweep(const Problem& problem);

}  // namespace plantune::planner::detail
