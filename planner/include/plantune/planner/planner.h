#pragma once
// The planner's entry point: plan() = normalize aliases -> lower bound -> split the timeline
// where nothing is live -> algorithm(s) -> resolve alias offsets -> independent check.
// Same input, same options: same plan, always (no clocks or randomness decide placement;
// a time budget only stops the exact search, whose result is still a valid plan).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "plantune/planner/problem.h"

namespace plantune::planner {

enum class Algorithm {
  naive,           // every buffer at its own offset (sum of sizes): the no-reuse baseline
  greedy_by_size,  // TFLite's greedy-by-size with best-fit gaps, kept as the baseline
  portfolio,       // several orderings (size, length, area, conflicts) + improvement, best kept
  exact,           // portfolio seed, then canonical branch-and-bound under the time budget
  best,            // default: portfolio; exact when the portfolio has not reached the bound
};

std::string_view to_string(Algorithm a);
std::optional<Algorithm> algorithm_from_string(std::string_view s);

struct PlanOptions {
  Algorithm algorithm = Algorithm::best;
  double time_budget_seconds = 10.0;  // exact search stops here with the best plan and its gap
  bool verify = true;                 // run the independent checker on the result
};

// Throws plantune::Error(invalid_argument) for an invalid problem (see Problem::validate) and
// ErrorCode::internal if the checker rejects a plan (a planner bug, never silent).
Plan plan(const Problem& problem, const PlanOptions& options = {});

}  // namespace plantune::planner
