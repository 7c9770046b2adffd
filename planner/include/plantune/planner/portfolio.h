#pragma once
// The portfolio placer: several orderings, best-fit placement, an improvement phase; best kept.
//
// The timeline is split where nothing is live and each segment is planned on its own against
// one target (the whole problem's lower bound): the arena is the max over segments. Per
// segment, orderings are placed in turn (peak_end, peak_start, peak_size first; then size,
// length, area, conflicts), each buffer taking the best-fit hole among the buffers it conflicts
// with. Improvement: time windows around the buffers above the target are re-planned with the
// buffers crossing them held fixed; the best order is reordered (buffers that ended above the
// target go first) and placed again; small problems (<= 2,000 buffers) hill-climb on the order
// (moves keep the arena from growing); finally the best plan is lowered window by window.
// Segments of more than 150,000 buffers take a single O(n log n) sweep over the steps instead
// (the fast path). Work is counted in placements and buffers handled, never in time: same
// problem, same options, same plan.
#include <cstdint>
#include <string>
#include <vector>

#include "plantune/planner/problem.h"

namespace plantune::planner {

struct PortfolioOptions {
  std::int64_t target = 0;  // stop once the arena is at most this; 0: the lower bound
  double effort = 1.0;      // scales the work budget (placements and repair visits)
};

struct PortfolioResult {
  std::vector<std::int64_t> offsets;  // one per buffer of the (alias-free) problem
  std::int64_t arena_bytes = 0;
  std::string strategy;               // what produced the plan, e.g. "peak_start+repair"
  int placements = 0;                 // full placements made (all segments)
};

// Plans an alias-free problem (see normalize()). O(n log n)-ish per placement; the number of
// placements shrinks as n grows (one at a million buffers).
PortfolioResult place_portfolio(const Problem& normalized, const PortfolioOptions& options = {});

}  // namespace plantune::planner
