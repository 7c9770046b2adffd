#pragma once
// Exact placement: a canonical branch-and-bound in the spirit of MiniMalloc (Moffitt, ASPLOS 2023).
//
// Every buffer sits at offset 0 or directly on top of a buffer it conflicts with (aligned up), and
// buffers are placed in non-decreasing offset order; partial plans that leave a gap some unplaced
// buffer could fill are pruned, as are those where a time section cannot hold its unplaced bytes.
// A decision search asks "does a plan of arena <= C exist?"; the driver lowers C as plans are
// found (and raises the proven bound as capacities are refuted) under node limits that double,
// so a search that finishes always takes the same path. See Note [Exact search] in exact_search.cpp.
#include <cstdint>

#include "plantune/planner/problem.h"

namespace plantune::planner {

struct ExactOptions {
  double time_budget_seconds = 10.0;  // wall-clock limit; <= 0 returns the seed (with its gap)
  std::int64_t lower_bound = 0;       // a bound known to the caller; the search uses the larger
};

// Returns the best plan found within the budget (never worse than `seed`), with `optimal` set when
// arena == a proven bound and `gap` the proven gap otherwise. Deterministic for a given input when
// the search finishes; when the budget stops it, the result is still a valid plan. `normalized`
// must have no aliases; fixed offsets are kept as given. lower_bound is the live-bytes bound, gap
// uses the proven one (which refuted capacities may raise); seconds is this call's time. Problems
// with over 2^23 conflicting pairs are not searched (the seed comes back with its gap). Throws
// Error(invalid_argument) when the seed does not have one offset per buffer or moves a fixed buffer.
Plan solve_exact(const Problem& normalized, const Plan& seed, const ExactOptions& opts);

}  // namespace plantune::planner
