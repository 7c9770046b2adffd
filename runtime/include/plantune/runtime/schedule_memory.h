#pragma once
// The memory plan of a schedule: every schedule tensor and the one workspace region placed in
// one arena by the planner (planner/planner.h).
//
// Lifetimes are step positions: a tensor lives from the step that writes it (step 0 for graph
// inputs, which the user copies in before the run) to one past its last reader; graph outputs
// live to the end. Aliases:
//   * a view layer (flatten, reshape) stores its output in its input's storage;
//   * a step with in_place set stores its output over its residual (layer steps with a fused
//     residual add) or over its first input (standalone activation / add), which must die at
//     that step and have the output's size — the builder only sets it then;
//   * the workspace is one buffer, sized for the largest need of any step and live from the
//     first step that needs one to one past the last ("one shared workspace").
#include "plantune/planner/planner.h"
#include "plantune/runtime/schedule.h"

namespace plantune::runtime {

// The placement problem of `s` (buffer i is tensor i; the workspace, when any step needs one,
// is the last buffer) — for tests and reports.
planner::Problem memory_problem(const Schedule& s);

// Plans `s`'s memory: fills every tensor's offset and s.memory. Throws what planner::plan
// throws (an invalid problem names the buffer).
void plan_memory(Schedule& s, const planner::PlanOptions& options = {});

}  // namespace plantune::runtime
