#pragma once
// TFLite's greedy-by-size placement (Pisarchyk & Lee, 2020), kept as the baseline.
#include <cstdint>
#include <vector>

#include "plantune/planner/problem.h"

namespace plantune::planner {

// Buffers of an alias-free problem taken largest first (then earliest first step, then id);
// each takes the smallest gap, between the already placed buffers it conflicts with, that holds
// it at an aligned offset, else the lowest aligned offset above them all. Pinned buffers are
// placed first, where pinned. Returns one offset per buffer.
std::vector<std::int64_t> place_greedy_by_size(const Problem& normalized);

}  // namespace plantune::planner
