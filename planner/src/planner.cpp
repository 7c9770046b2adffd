#include "plantune/planner/planner.h"

#include <algorithm>
#include <chrono>

#include "plantune/core/error.h"
#include "plantune/planner/checker.h"
#include "plantune/planner/exact_search.h"
#include "plantune/planner/greedy_by_size.h"
#include "plantune/planner/lower_bound.h"
#include "plantune/planner/naive.h"
#include "plantune/planner/normalize.h"
#include "plantune/planner/portfolio.h"

namespace plantune::planner {
namespace {

// Algorithm::best hands a plan above the bound to the exact search only up to this many roots:
// beyond it the search cannot close the gap within any reasonable budget.
constexpr std::size_t kBestExactMaxBuffers = 4000;

std::int64_t arena_of(const Problem& p, const std::vector<std::int64_t>& off) {
  std::int64_t top = 0;
  for (const Buffer& b : p.buffers) top = std::max(top, off[static_cast<std::size_t>(b.id)] + b.size);
  return top;
}

}  // namespace

std::string_view to_string(Algorithm a) {
  switch (a) {
    case Algorithm::naive: return "naive";
    case Algorithm::greedy_by_size: return "greedy_by_size";
    case Algorithm::portfolio: return "portfolio";
    case Algorithm::exact: return "exact";
    case Algorithm::best: return "best";
  }
  return "unknown";
}

std::optional<Algorithm> algorithm_from_string(std::string_view s) {
  for (Algorithm a : {Algorithm::naive, Algorithm::greedy_by_size, Algorithm::portfolio,
                      Algorithm::exact, Algorithm::best}) {
    if (s == to_string(a)) return a;
  }
  return std::nullopt;
}

Plan plan(const Problem& problem, const PlanOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const NormalizedProblem np = normalize(problem);  // validates
  const Problem& roots = np.problem;
  const std::int64_t bound = lower_bound(roots);

  Plan root_plan;
  root_plan.lower_bound = bound;
  switch (options.algorithm) {
    case Algorithm::naive:
      root_plan.offsets = place_naive(roots);
      root_plan.algorithm = "naive";
      break;
    case Algorithm::greedy_by_size:
      root_plan.offsets = place_greedy_by_size(roots);
      root_plan.algorithm = "greedy_by_size";
      break;
    case Algorithm::portfolio:
    case Algorithm::exact:
    case Algorithm::best: {
      PortfolioResult r = place_portfolio(roots, PortfolioOptions{bound, 1.0});
      root_plan.offsets = std::move(r.offsets);
      root_plan.algorithm = "portfolio:" + r.strategy;
      break;
    }
  }
  root_plan.arena_bytes = arena_of(roots, root_plan.offsets);
  root_plan.optimal = root_plan.arena_bytes <= bound;
  const bool search = options.algorithm == Algorithm::exact ||
                      (options.algorithm == Algorithm::best && !root_plan.optimal &&
                       roots.buffers.size() <= kBestExactMaxBuffers);
  if (search && !root_plan.optimal) {
    Plan exact = solve_exact(roots, root_plan, ExactOptions{options.time_budget_seconds, bound});
    PT_REQUIRE(exact.offsets.size() == roots.buffers.size(), internal,
               "the exact search returned " << exact.offsets.size() << " offsets for "
                                            << roots.buffers.size() << " buffers");
    exact.arena_bytes = arena_of(roots, exact.offsets);
    if (exact.arena_bytes <= root_plan.arena_bytes) {
      const bool improved = exact.arena_bytes < root_plan.arena_bytes;
      root_plan.offsets = std::move(exact.offsets);
      root_plan.arena_bytes = exact.arena_bytes;
      root_plan.optimal = exact.optimal || root_plan.arena_bytes <= bound;
      root_plan.lower_bound = std::max(bound, exact.lower_bound);
      if (improved) root_plan.algorithm = "exact";
      if (exact.optimal && !improved) root_plan.algorithm += "+exact";  // proved optimal
    }
  }

  Plan out;
  out.offsets = resolve_offsets(np, root_plan.offsets);
  out.arena_bytes = 0;
  for (const Buffer& b : problem.buffers) {
    out.arena_bytes = std::max(out.arena_bytes, out.offsets[static_cast<std::size_t>(b.id)] + b.size);
  }
  out.lower_bound = bound;
  out.optimal = root_plan.optimal || out.arena_bytes <= bound;
  const std::int64_t proven = std::max(bound, root_plan.lower_bound);
  out.gap = out.optimal || proven <= 0
                ? 0.0
                : static_cast<double>(out.arena_bytes - proven) / static_cast<double>(proven);
  out.algorithm = std::move(root_plan.algorithm);
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
#ifdef NDEBUG
  const bool check = options.verify;
#else
  const bool check = true;  // debug builds check every plan
#endif
  if (check) require_valid_plan(problem, out);
  return out;
}

}  // namespace plantune::planner
