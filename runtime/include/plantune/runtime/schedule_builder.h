#pragma once
// build_schedule(): a Graph + a TacticDb (+ a precision and the layouts allowed) -> a Schedule.
//
//  1. fuse() the graph (fusion.h): batch norms folded into convolutions, residual adds and
//     activations into their epilogues;
//  2. per convolution layer and layout: the database's winner of the FUSED problem (the conv
//     key with its epilogue) within the workspace limit; when the database has only the plain
//     convolution, its winner plus a separate epilogue kernel (epilogue_fused = false, with the
//     reason); problems the database lacks go to `tune_missing` first (a GPU tunes them), and a
//     convolution with no tactic at all is an error naming the layer and the key;
//     fully connected layers: the GEMM winner, or cuBLASLt's heuristic at build time of the
//     engine when the database has none (noted);
//  3. layouts: one per layer, minimising layer times plus the estimated cost of converting a
//     tensor between layers that chose different layouts (layout_assignment.h says which
//     method solved it and whether exactly); layers other than convolutions run in either
//     layout at the same cost; a flatten/reshape of a tensor with spatial extent keeps NCHW;
//  4. steps: convert the user's fp32 NCHW input into what its readers need, the layers, the
//     conversions between them, and the outputs back to fp32 NCHW; a fused residual's output is
//     stored over the residual when that is its last use (in_place);
//  5. plan_memory() (schedule_memory.h): one arena for every tensor and the workspace.
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "plantune/planner/planner.h"
#include "plantune/runtime/fusion.h"
#include "plantune/runtime/schedule.h"
#include "plantune/tuner/tactic_db.h"

namespace plantune::runtime {

// A problem the database lacks, with the variants the schedule wants of it.
struct TuneRequest {
  tuner::Problem problem;
  std::string key;
  std::vector<tuner::Variant> variants;
  std::vector<std::string> layers;  // the layers that need it
};

struct ScheduleOptions {
  static constexpr std::int64_t kDefaultWorkspaceLimit = std::int64_t{32} << 20;
  // Sustained bandwidth assumed for conversions and the non-convolution layers (GB/s): what
  // the layout transforms reached on an H100 (results/layouts/bench.md).
  static constexpr double kDefaultGbps = 2500.0;

  tuner::Precision precision = tuner::Precision::fp16;
  std::vector<Layout> layouts = {Layout::nchw, Layout::nhwc};
  std::int64_t workspace_limit = kDefaultWorkspaceLimit;  // per step; larger tactics skipped
  FusionOptions fusion;
  bool fused_epilogues = true;  // look for fused (conv + epilogue) problems in the database
  // Tactic APIs the schedule may use (empty: all); others in the database are passed over.
  std::vector<tuner::Api> apis;
  // Note [runtime-compiled engines under CUDA-graph replay]: on the H100 (cuDNN 9.14) a
  // ResNet-50 schedule whose residual convolutions ran on a runtime-compiled graph-API engine
  // (eng4, CUDNN_BEHAVIOR_NOTE_RUNTIME_COMPILATION) gave run-to-run different outputs when the
  // engine replayed its stream-captured CUDA graph (up to 2% relative error), while enqueueing
  // the same steps eagerly was exact every time; passing over that engine made replays exact
  // (results/runtime/README.md). So by default the schedule passes over graph-API engines that
  // the database records as runtime-compiled (any candidate of that engine id with the note).
  bool avoid_runtime_compiled = true;
  // Tactics whose tactic_id matches this ECMAScript regex are passed over (empty: none).
  std::string exclude;
  bool in_place = true;         // store outputs over inputs that die at the step (see step 4)
  double gbps = kDefaultGbps;
  // Called once with every problem the database lacks (may add them to the database, e.g. by
  // tuning on the GPU). Empty: missing problems fall back as described above.
  std::function<void(std::span<const TuneRequest>, tuner::TacticDb&)> tune_missing;
  planner::PlanOptions plan;
  std::string command;  // recorded in the schedule
};

// The problems build_schedule() would look up for `g`, with their variants (for tuning ahead).
std::vector<TuneRequest> schedule_problems(const Graph& g, const ScheduleOptions& options);

// See the top of this file. Throws invalid_argument naming the layer (and key) when a
// convolution has no usable tactic in any allowed layout.
Schedule build_schedule(const Graph& g, tuner::TacticDb& db, const ScheduleOptions& options = {});

}  // namespace plantune::runtime
