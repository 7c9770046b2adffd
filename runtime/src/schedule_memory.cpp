#include "plantune/runtime/schedule_memory.h"

#include <algorithm>

#include "plantune/core/error.h"
#include "plantune/planner/lifetime.h"
#include "plantune/planner/lower_bound.h"

namespace plantune::runtime {

namespace {

std::int64_t round_up(std::int64_t v, std::int64_t a) { return (v + a - 1) / a * a; }

}  // namespace

planner::Problem memory_problem(const Schedule& s) {
  const std::int64_t steps = std::max<std::int64_t>(1, static_cast<std::int64_t>(s.steps.size()));
  const std::size_t n = s.tensors.size();
  std::vector<std::int64_t> first(n, -1), last(n, -1);
  for (std::size_t t = 0; t < n; ++t)
    if (s.tensors[t].graph_input) first[t] = 0, last[t] = 1;
  for (std::size_t i = 0; i < s.steps.size(); ++i) {
    const auto& st = s.steps[i];
    const auto step = static_cast<std::int64_t>(i);
    auto read = [&](int t) {
      PT_REQUIRE(t >= 0 && static_cast<std::size_t>(t) < n, invalid_argument,
                 "schedule step '" << st.name << "' reads tensor id " << t << " of " << n);
      last[static_cast<std::size_t>(t)] = std::max(last[static_cast<std::size_t>(t)], step + 1);
    };
    for (int t : st.inputs) read(t);
    if (st.residual) read(*st.residual);
    PT_REQUIRE(st.output >= 0 && static_cast<std::size_t>(st.output) < n, invalid_argument,
               "schedule step '" << st.name << "' writes tensor id " << st.output);
    auto& f = first[static_cast<std::size_t>(st.output)];
    PT_REQUIRE(f < 0, invalid_argument,
               "schedule tensor '" << s.tensors[static_cast<std::size_t>(st.output)].name
                                   << "' is written twice (again by '" << st.name << "')");
    f = step;
    auto& l = last[static_cast<std::size_t>(st.output)];
    l = std::max(l, step + 1);
  }
  planner::Problem p;
  for (std::size_t t = 0; t < n; ++t) {
    const auto& tensor = s.tensors[t];
    if (tensor.graph_output) last[t] = steps;
    PT_REQUIRE(first[t] >= 0, invalid_argument,
               "schedule tensor '" << tensor.name << "' is never written");
    planner::Buffer b;
    b.id = static_cast<std::int32_t>(t);
    b.size = round_up(tensor.bytes, planner::kAlignment);
    b.alignment = planner::kAlignment;
    b.first = first[t];
    b.last = std::max(last[t], first[t] + 1);
    b.name = tensor.name;
    p.buffers.push_back(std::move(b));
  }
  for (const auto& st : s.steps) {
    int base = -1;
    if (st.kind == StepKind::layer && is_view(st.op)) base = st.inputs.at(0);
    else if (st.in_place) base = st.residual ? *st.residual : st.inputs.at(0);
    if (base < 0) continue;
    auto& out = p.buffers[static_cast<std::size_t>(st.output)];
    const auto& in = p.buffers[static_cast<std::size_t>(base)];
    const auto& ot = s.tensors[static_cast<std::size_t>(st.output)];
    const auto& bt = s.tensors[static_cast<std::size_t>(base)];
    PT_REQUIRE(ot.bytes <= bt.bytes, invalid_argument,
               "schedule step '" << st.name << "' stores " << ot.bytes << " bytes over '"
                                 << in.name << "' of " << bt.bytes);
    out.alias = planner::Alias{base, 0};
  }
  for (std::size_t i = 0; i < s.steps.size(); ++i) {
    const auto& st = s.steps[i];
    const std::int64_t need = st.tactic ? st.tactic->workspace_bytes : 0;
    if (need <= 0) continue;
    planner::Buffer b;
    b.id = static_cast<std::int32_t>(p.buffers.size());
    b.size = round_up(need, planner::kAlignment);
    b.alignment = planner::kAlignment;
    b.first = static_cast<std::int64_t>(i);
    b.last = b.first + 1;
    b.name = st.name + "/workspace";
    p.buffers.push_back(std::move(b));
  }
  p.validate();
  return p;
}

void plan_memory(Schedule& s, const planner::PlanOptions& options) {
  planner::Problem p = memory_problem(s);
  planner::Plan plan = planner::plan(p, options);
  for (std::size_t t = 0; t < s.tensors.size(); ++t) s.tensors[t].offset = plan.offsets[t];
  s.memory = MemorySummary{};
  s.memory.arena_bytes = plan.arena_bytes;
  s.memory.lower_bound_bytes = plan.lower_bound;
  s.memory.algorithm = plan.algorithm;
  for (const auto& b : p.buffers)
    if (!b.alias) s.memory.naive_bytes += b.size;
  std::size_t b = s.tensors.size();
  for (auto& st : s.steps) {
    st.workspace_offset = -1;
    if (!st.tactic || st.tactic->workspace_bytes <= 0) continue;
    st.workspace_offset = plan.offsets[b];
    s.memory.workspace_bytes = std::max(s.memory.workspace_bytes, p.buffers[b].size);
    ++b;
  }
}

}  // namespace plantune::runtime
