#include "planner_models.h"

#include <cmath>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "plantune/models/registry.h"
#include "plantune/planner/lifetime.h"

namespace plantune::bench {

namespace {

std::string mib(std::int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

std::string fmt(const char* format, double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

nlohmann::json plan_json(const planner::Plan& p) {
  return {{"arena_bytes", p.arena_bytes}, {"lower_bound", p.lower_bound},
          {"optimal", p.optimal},         {"gap", p.gap},
          {"algorithm", p.algorithm},     {"seconds", p.seconds}};
}

}  // namespace

double ModelPlanRow::reduction() const {
  if (plain_bound <= 0) return 0.0;
  return 1.0 - static_cast<double>(aliasing.arena_bytes) / static_cast<double>(plain_bound);
}

std::vector<ModelPlanRow> plan_builtin_models(const std::vector<std::string>& models,
                                              const std::vector<std::int64_t>& batches,
                                              const planner::PlanOptions& options) {
  std::vector<ModelPlanRow> rows;
  for (bool strided : {false, true}) {
    for (const auto& name : models) {
      for (std::int64_t batch : batches) {
        models::ModelOptions mo;
        mo.batch = batch;
        Graph g = models::build_model(name, mo);
        if (strided && g.count(OpKind::concat) == 0) continue;  // same as the contiguous row
        planner::LifetimeOptions lo;
        lo.strided_concat = strided;
        lo.mode = planner::Mode::plain;
        planner::Lifetimes plain = planner::analyze_lifetimes(g, lo);
        lo.mode = planner::Mode::aliasing;
        planner::Lifetimes aliasing = planner::analyze_lifetimes(g, lo);
        planner::MemoryBounds bounds = planner::memory_bounds(g, lo);

        ModelPlanRow r;
        r.model = name;
        r.batch = batch;
        r.strided_concat = strided;
        r.tensors = g.tensors().size();
        r.views = aliasing.count(planner::Storage::view);
        r.in_place = aliasing.count(planner::Storage::in_place);
        r.concat_slices = aliasing.count(planner::Storage::concat_slice);
        r.naive_bytes = bounds.naive_bytes;
        r.plain_bound = bounds.plain_lower_bound;
        r.aliasing_bound = bounds.aliasing_lower_bound;
        r.plain = planner::plan(plain.problem, options);
        r.aliasing = planner::plan(aliasing.problem, options);
        rows.push_back(std::move(r));
      }
    }
  }
  return rows;
}

nlohmann::json to_json(const std::vector<ModelPlanRow>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : rows) {
    out.push_back({{"model", r.model},
                   {"batch", r.batch},
                   {"strided_concat", r.strided_concat},
                   {"tensors", r.tensors},
                   {"views", r.views},
                   {"in_place", r.in_place},
                   {"concat_slices", r.concat_slices},
                   {"naive_bytes", r.naive_bytes},
                   {"plain_lower_bound", r.plain_bound},
                   {"aliasing_lower_bound", r.aliasing_bound},
                   {"plain", plan_json(r.plain)},
                   {"aliasing", plan_json(r.aliasing)},
                   {"reduction_vs_plain_bound", r.reduction()}});
  }
  return out;
}

std::string markdown_table(const std::vector<ModelPlanRow>& rows) {
  std::string s =
      "| model | batch | concat slices | tensors | naive MiB | plain bound MiB | plain arena MiB "
      "| aliasing bound MiB | aliasing arena MiB | vs plain bound | algorithm | ms |\n"
      "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|\n";
  for (const auto& r : rows) {
    s += "| " + r.model + " | " + std::to_string(r.batch) + " | " +
         (r.strided_concat ? "strided" : "contiguous") + " (" + std::to_string(r.concat_slices) +
         ") | " + std::to_string(r.tensors) + " | " + mib(r.naive_bytes) + " | " +
         mib(r.plain_bound) + " | " + mib(r.plain.arena_bytes) + " | " + mib(r.aliasing_bound) +
         " | " + mib(r.aliasing.arena_bytes) + " | " + (std::abs(r.reduction()) < 5e-4 ? std::string("0.0%") : fmt("%+.1f%%", -100.0 * r.reduction())) +
         " | " + r.aliasing.algorithm + " | " +
         fmt("%.2f", 1e3 * (r.plain.seconds + r.aliasing.seconds)) + " |\n";
  }
  return s;
}

}  // namespace plantune::bench
