// `plantune schedule`: a network's tuned layer schedule from a tactic database (tuning what it
// lacks when a GPU is present), written as JSON (docs/schedule-format.md), with the per-layer
// table, the layer counts before and after fusion and the memory plan on stdout.
#include <iostream>
#include <string>

#include "args.h"
#include "commands.h"
#include "plantune/models/registry.h"
#include "plantune/planner/plan_svg.h"
#include "plantune/runtime/schedule_json.h"
#include "plantune/runtime/schedule_memory.h"
#include "schedule_options.h"
#include "schedule_tuning.h"

namespace plantune::cli {

int cmd_schedule(const Args& args) {
  ArgParser p("plantune schedule",
              "Build a network's tuned layer schedule from a tactic database (tuning what it\n"
              "lacks on a GPU) and write it as JSON.");
  p.positional("model", "built-in model name or network JSON file");
  add_schedule_options(p);
  p.option("-o", "FILE", "schedule JSON to write", "schedule.json");
  p.option("--svg", "FILE", "also draw the schedule's memory plan");
  if (!p.parse(args)) return 0;
  std::string command = "plantune schedule";
  for (const auto& a : args) command += " " + a;
  const ScheduleJob job = schedule_job(p, command);
  models::ModelOptions mo;
  mo.batch = p.get_int("--batch");
  const Graph g = models::load_network(p.get("model"), mo);
  const runtime::Schedule s = make_schedule(g, job);
  std::cout << g.name() << " batch " << s.batch() << ", " << tuner::to_string(s.precision)
            << "\n\n"
            << schedule_report(s);
  runtime::save_schedule(s, p.get("-o"));
  std::cout << "schedule written to " << p.get("-o") << "\n";
  if (p.has("--svg")) {
    const planner::Problem prob = runtime::memory_problem(s);
    planner::Plan plan;
    for (const auto& t : s.tensors) plan.offsets.push_back(t.offset);
    for (const auto& st : s.steps)
      if (st.workspace_offset >= 0) plan.offsets.push_back(st.workspace_offset);
    plan.arena_bytes = s.memory.arena_bytes;
    plan.lower_bound = s.memory.lower_bound_bytes;
    plan.algorithm = s.memory.algorithm;
    planner::save_plan_svg(p.get("--svg"), prob, plan);
    std::cout << "memory plan drawn in " << p.get("--svg") << "\n";
  }
  return 0;
}

}  // namespace plantune::cli
