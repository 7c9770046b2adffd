#pragma once
// Shared by `plantune schedule`, `run` and `main`: the schedule of a network from a tactic
// database, tuning what the database lacks on this GPU (progress on stderr, the database saved
// after each problem), and the per-layer and memory report of a schedule.
#include <string>

#include "plantune/runtime/schedule_builder.h"
#include "plantune/tuner/staged_search.h"
#include "plantune/tuner/tactic_db.h"

namespace plantune::cli {

struct ScheduleJob {
  std::string db_path;          // read (missing is fine) and, after tuning, written
  bool tune = true;             // tune missing problems when a GPU is present
  double budget_seconds = 0;    // for all tuning, 0: none
  tuner::SearchMode search = tuner::SearchMode::staged;  // of the tuning (staged_search.h)
  runtime::ScheduleOptions options;
};

// Loads the database, builds the schedule (tuning on a GPU when asked), saves the database
// when anything was tuned. Prints what it does to stderr.
runtime::Schedule make_schedule(const Graph& g, const ScheduleJob& job);

// The per-layer table (step, what it fuses, layout, precision, tactic, time, workspace, note),
// the layer counts and the memory summary.
std::string schedule_report(const runtime::Schedule& s);

}  // namespace plantune::cli
