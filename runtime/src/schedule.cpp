#include "plantune/runtime/schedule.h"

#include <algorithm>

#include "plantune/core/error.h"

namespace plantune::runtime {

std::string_view to_string(StepKind k) {
  switch (k) {
    case StepKind::layer: return "layer";
    case StepKind::convert: return "convert";
  }
  return "?";
}

std::optional<StepKind> step_kind_from_string(std::string_view s) {
  if (s == "layer") return StepKind::layer;
  if (s == "convert") return StepKind::convert;
  return std::nullopt;
}

std::string storage_suffix(Layout l, DType t) {
  return std::string(to_string(l)) + "." + std::string(to_string(t));
}

std::int64_t Schedule::batch() const {
  if (graph.inputs().empty()) return 0;
  const auto& dims = graph.tensor(graph.inputs().front()).shape.dims;
  return dims.empty() ? 1 : dims.front();
}

void Schedule::validate() const {
  PT_REQUIRE(schema_version == kScheduleSchemaVersion, invalid_argument,
             "schedule schema version " << schema_version << ", this build reads "
                                        << kScheduleSchemaVersion);
  const std::size_t n = tensors.size();
  for (const auto& t : tensors) {
    std::int64_t numel = 1;
    for (auto d : t.dims) {
      PT_REQUIRE(d > 0, invalid_argument, "schedule tensor '" << t.name << "' has a dim " << d);
      numel = checked_mul(numel, d, "schedule tensor " + t.name);
    }
    PT_REQUIRE(t.bytes == checked_mul(numel, dtype_size(t.dtype)), invalid_argument,
               "schedule tensor '" << t.name << "' has " << t.bytes << " bytes for "
                                   << numel << " elements of " << to_string(t.dtype));
    PT_REQUIRE(t.offset >= 0, invalid_argument, "schedule tensor '" << t.name << "' has no offset");
    PT_REQUIRE(t.offset + t.bytes <= memory.arena_bytes, invalid_argument,
               "schedule tensor '" << t.name << "' ends at " << t.offset + t.bytes
                                   << ", past the arena of " << memory.arena_bytes);
    PT_REQUIRE(graph.find_tensor(t.source).has_value(), invalid_argument,
               "schedule tensor '" << t.name << "' holds unknown graph tensor '" << t.source << "'");
  }
  // Liveness by step, checked independently of the planner: written before read, and no two
  // live tensors overlap in bytes unless one is stored over the other on purpose.
  std::vector<std::int64_t> first(n, -1), last(n, -1);
  for (std::size_t t = 0; t < n; ++t)
    if (tensors[t].graph_input) first[t] = 0, last[t] = 0;
  std::vector<std::pair<int, int>> shared;  // (output, the tensor it is stored over)
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const auto& st = steps[i];
    const auto step = static_cast<std::int64_t>(i);
    std::vector<int> reads = st.inputs;
    if (st.residual) reads.push_back(*st.residual);
    for (int t : reads) {
      PT_REQUIRE(t >= 0 && static_cast<std::size_t>(t) < n, invalid_argument,
                 "schedule step '" << st.name << "' reads tensor id " << t);
      PT_REQUIRE(first[static_cast<std::size_t>(t)] >= 0 &&
                     (first[static_cast<std::size_t>(t)] < step || tensors[t].graph_input),
                 invalid_argument,
                 "schedule step '" << st.name << "' reads '" << tensors[t].name
                                   << "' before any step writes it");
      last[static_cast<std::size_t>(t)] = std::max(last[static_cast<std::size_t>(t)], step);
    }
    PT_REQUIRE(st.output >= 0 && static_cast<std::size_t>(st.output) < n, invalid_argument,
               "schedule step '" << st.name << "' writes tensor id " << st.output);
    PT_REQUIRE(first[static_cast<std::size_t>(st.output)] < 0, invalid_argument,
               "schedule tensor '" << tensors[st.output].name << "' is written twice");
    first[static_cast<std::size_t>(st.output)] = step;
    last[static_cast<std::size_t>(st.output)] =
        std::max(last[static_cast<std::size_t>(st.output)], step);
    if (st.kind == StepKind::layer && is_view(st.op)) shared.emplace_back(st.output, st.inputs.at(0));
    else if (st.in_place) shared.emplace_back(st.output, st.residual ? *st.residual : st.inputs.at(0));
    // Convolutions need a stored tactic; a fully connected layer without one runs cuBLASLt's
    // heuristic choice (the builder notes it).
    if (st.kind == StepKind::layer && st.op == OpKind::conv2d)
      PT_REQUIRE(st.tactic.has_value(), invalid_argument,
                 "schedule step '" << st.name << "' (" << to_string(st.op) << ") has no tactic");
    if (st.tactic && st.tactic->workspace_bytes > 0) {
      PT_REQUIRE(st.workspace_offset >= 0 &&
                     st.workspace_offset + st.tactic->workspace_bytes <= memory.arena_bytes,
                 invalid_argument,
                 "schedule step '" << st.name << "' needs " << st.tactic->workspace_bytes
                                   << " bytes of workspace; its offset " << st.workspace_offset
                                   << " does not place them in the arena of "
                                   << memory.arena_bytes);
    }
  }
  const auto end = static_cast<std::int64_t>(steps.size());
  for (std::size_t t = 0; t < n; ++t) {
    PT_REQUIRE(first[t] >= 0, invalid_argument,
               "schedule tensor '" << tensors[t].name << "' is never written");
    if (tensors[t].graph_output) last[t] = end;
  }
  // Union-find over shared storage: tensors in one group may overlap each other.
  std::vector<int> group(n);
  for (std::size_t t = 0; t < n; ++t) group[t] = static_cast<int>(t);
  auto root = [&](int t) {
    while (group[static_cast<std::size_t>(t)] != t) t = group[static_cast<std::size_t>(t)];
    return t;
  };
  for (auto [a, b] : shared) group[static_cast<std::size_t>(root(a))] = root(b);
  for (std::size_t a = 0; a < n; ++a)
    for (std::size_t b = a + 1; b < n; ++b) {
      if (root(static_cast<int>(a)) == root(static_cast<int>(b))) continue;
      const bool live_together = first[a] <= last[b] && first[b] <= last[a];
      const bool bytes_overlap = tensors[a].offset < tensors[b].offset + tensors[b].bytes &&
                                 tensors[b].offset < tensors[a].offset + tensors[a].bytes;
      PT_REQUIRE(!(live_together && bytes_overlap), invalid_argument,
                 "schedule tensors '" << tensors[a].name << "' and '" << tensors[b].name
                                      << "' are live together and overlap in the arena");
    }
  // A step's workspace overlaps no tensor live at that step.
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const auto& st = steps[i];
    if (!st.tactic || st.tactic->workspace_bytes <= 0) continue;
    const auto step = static_cast<std::int64_t>(i);
    const std::int64_t lo = st.workspace_offset, hi = lo + st.tactic->workspace_bytes;
    for (std::size_t t = 0; t < n; ++t) {
      const bool live = first[t] <= step && step <= last[t];
      const bool overlap = tensors[t].offset < hi && lo < tensors[t].offset + tensors[t].bytes;
      PT_REQUIRE(!(live && overlap), invalid_argument,
                 "schedule tensor '" << tensors[t].name << "' overlaps the workspace of step '"
                                     << st.name << "'");
    }
  }
}

}  // namespace plantune::runtime
