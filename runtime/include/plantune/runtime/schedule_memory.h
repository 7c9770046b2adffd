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
//   * workspaces: each step whose tactic needs scratch memory gets a buffer of that size, live
//     during its step only. (One region sized for the largest need and live across every step
//     that needs one would keep ResNet-50's stem convolution's 12 MiB alive through the whole
//     network; per step, those bytes hold activations elsewhere.)
#include "plantune/planner/planner.h"
#include "plantune/runtime/schedule.h"

namespace plantune::runtime {

// The placement problem of `s`: buffer i is tensor i, then one buffer per step with a workspace
// (in step order, named "<step>/workspace") — for tests and reports.
planner::Problem memory_problem(const Schedule& s);

// Plans `s`'s memory: fills every tensor's and step workspace's offset and s.memory. Throws what planner::plan
// throws (an invalid problem names the buffer).
void plan_memory(Schedule& s, const planner::PlanOptions& options = {});

}  // namespace plantune::runtime
