#include "plantune/tuner/staged_search.h"

#include <algorithm>
#include <limits>
#include <map>

#include "plantune/core/error.h"

namespace plantune::tuner {

std::string_view to_string(SearchMode m) {
  return m == SearchMode::staged ? "staged" : "full";
}

std::optional<SearchMode> search_mode_from_string(std::string_view s) {
  if (s == "full") return SearchMode::full;
  if (s == "staged") return SearchMode::staged;
  return std::nullopt;
}

bool is_knob_variation(const TacticConfig& t) {
  const auto* g = std::get_if<GraphEngineTactic>(&t);
  return g != nullptr && g->source == GraphSource::engine_enum && !g->knobs.empty();
}

std::vector<std::int64_t> engines_to_refine(std::span<const Candidate> stage1,
                                            const StagedSearchOptions& o) {
  PT_REQUIRE(o.max_engines >= 1, invalid_argument,
             "staged search: max_engines must be >= 1, got " << o.max_engines);
  PT_REQUIRE(o.margin >= 1, invalid_argument,
             "staged search: margin must be >= 1, got " << o.margin);
  double best_any = std::numeric_limits<double>::infinity();
  std::map<std::int64_t, double> best_of_engine;
  for (const Candidate& c : stage1) {
    if (!c.timing) continue;
    const double ms = c.timing->median_ms;
    best_any = std::min(best_any, ms);
    if (const auto* g = std::get_if<GraphEngineTactic>(&c.tactic)) {
      auto [it, fresh] = best_of_engine.try_emplace(g->engine_id, ms);
      if (!fresh) it->second = std::min(it->second, ms);
    }
  }
  std::vector<std::pair<double, std::int64_t>> ranked;
  for (const auto& [id, ms] : best_of_engine) ranked.emplace_back(ms, id);
  std::sort(ranked.begin(), ranked.end());
  std::vector<std::int64_t> out;
  for (const auto& [ms, id] : ranked) {
    if (static_cast<int>(out.size()) >= o.max_engines) break;
    if (!out.empty() && ms > best_any * o.margin) break;
    out.push_back(id);  // the fastest graph engine always
  }
  return out;
}

}  // namespace plantune::tuner
