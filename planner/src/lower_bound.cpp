#include "plantune/planner/lower_bound.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "plantune/planner/normalize.h"

namespace plantune::planner {
namespace {

std::int64_t alias_free_bound(const Problem& p) {
  // (step, signed bytes): at one step the frees (negative) sort before the allocations.
  std::vector<std::pair<std::int64_t, std::int64_t>> events;
  events.reserve(p.buffers.size() * 2);
  std::int64_t bound = 0;
  for (const Buffer& b : p.buffers) {
    if (b.fixed_offset) bound = std::max(bound, *b.fixed_offset + b.size);
    if (b.size == 0) continue;
    events.emplace_back(b.first, b.size);
    events.emplace_back(b.last, -b.size);
  }
  std::sort(events.begin(), events.end());
  std::int64_t live = 0;  // never above the validated sum of sizes
  for (const auto& e : events) {
    live += e.second;
    bound = std::max(bound, live);
  }
  return bound;
}

}  // namespace

std::int64_t lower_bound(const Problem& problem) {
  const bool has_alias = std::any_of(problem.buffers.begin(), problem.buffers.end(),
                                     [](const Buffer& b) { return b.alias.has_value(); });
  if (has_alias) return alias_free_bound(normalize(problem).problem);
  problem.validate();
  return alias_free_bound(problem);
}

}  // namespace plantune::planner
