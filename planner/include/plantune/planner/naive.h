#pragma once
// The no-reuse baseline.
#include <cstdint>
#include <vector>

#include "plantune/planner/problem.h"

namespace plantune::planner {

// Every buffer of an alias-free problem at its own aligned offset, in id order, pinned buffers
// where they are pinned and the others above them all: the arena is (about) the sum of sizes.
std::vector<std::int64_t> place_naive(const Problem& normalized);

}  // namespace plantune::planner
