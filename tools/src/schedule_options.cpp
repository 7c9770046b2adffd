#include "schedule_options.h"

#include <sstream>

namespace plantune::cli {

void add_schedule_options(ArgParser& p) {
  p.option("--db", "FILE", "tactic database (read; written when tuning)", "tactics.json");
  p.option("--batch", "N", "batch size", "32");
  p.option("--precision", "P", "run precision: fp32, tf32, fp16 or bf16", "fp16");
  p.option("--layouts", "LIST", "layouts the schedule may use, comma separated", "nchw,nhwc");
  p.option("--workspace-limit", "BYTES", "largest workspace one step may use",
           std::to_string(runtime::ScheduleOptions::kDefaultWorkspaceLimit));
  p.option("--budget-seconds", "S", "time budget for tuning what the database lacks, 0: none",
           "0");
  p.flag("--no-tune", "never tune: use the database as it is");
  p.option("--search", "MODE",
           "tuning search, full or staged (the knobs of only the fastest engines: shorter)",
           "staged");
  p.flag("--no-fused", "do not look for fused convolution + epilogue tactics");
  p.option("--apis", "LIST", "tactic APIs the schedule may use: cudnn_legacy,cudnn_graph,cublaslt",
           "cudnn_legacy,cudnn_graph,cublaslt");
  p.option("--exclude", "REGEX", "pass over tactics whose id matches (e.g. 'graph/eng4(1|8)')");
  p.flag("--allow-runtime-compiled",
         "also use graph-API engines that compile at run time, and tune some of them (seconds "
         "each; see docs/architecture.md)");
  p.flag("--no-in-place", "never store a step's output over one of its inputs");
}

ScheduleJob schedule_job(const ArgParser& p, const std::string& command) {
  ScheduleJob job;
  job.db_path = p.get("--db");
  job.tune = !p.has("--no-tune");
  job.budget_seconds = p.get_double("--budget-seconds");
  if (job.budget_seconds < 0) throw UsageError("--budget-seconds must be >= 0");
  const auto search = tuner::search_mode_from_string(p.get("--search"));
  if (!search) throw UsageError("--search: '" + p.get("--search") + "' is not one of full, staged");
  job.search = *search;
  if (p.get_int("--batch") <= 0) throw UsageError("--batch must be > 0");
  auto& o = job.options;
  const auto prec = tuner::precision_from_string(p.get("--precision"));
  if (!prec || *prec == tuner::Precision::int8)
    throw UsageError("--precision: '" + p.get("--precision") + "' is not one of fp32, tf32, fp16, bf16");
  o.precision = *prec;
  o.layouts.clear();
  std::stringstream ss(p.get("--layouts"));
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) continue;
    auto l = layout_from_string(item);
    if (!l) throw UsageError("--layouts: '" + item + "' is not one of nchw, nhwc");
    o.layouts.push_back(*l);
  }
  if (o.layouts.empty()) throw UsageError("--layouts: empty list");
  o.workspace_limit = p.get_int("--workspace-limit");
  if (o.workspace_limit < 0) throw UsageError("--workspace-limit must be >= 0");
  o.fused_epilogues = !p.has("--no-fused");
  o.in_place = !p.has("--no-in-place");
  o.avoid_runtime_compiled = !p.has("--allow-runtime-compiled");
  if (p.has("--exclude")) o.exclude = p.get("--exclude");
  {
    std::stringstream as(p.get("--apis"));
    std::string a;
    while (std::getline(as, a, ',')) {
      if (a.empty()) continue;
      auto api = tuner::api_from_string(a);
      if (!api) throw UsageError("--apis: '" + a + "' is not one of cudnn_legacy, cudnn_graph, cublaslt");
      o.apis.push_back(*api);
    }
  }
  o.command = command;
  return job;
}

}  // namespace plantune::cli
