#pragma once
// Schedule: a network's tuned layer schedule, everything the Engine needs to run it without
// tuning: the network itself, per step what runs (tactic, layout, precision), the tensors the
// steps read and write with their arena offsets, the one workspace region, and the environment
// the tactics were measured in. Built by build_schedule() (schedule_builder.h), stored as JSON
// (schedule_json.h, docs/schedule-format.md).
//
// Steps run in order. A step whose tactic needs scratch memory has its own workspace buffer in
// the arena, live during that step only, so the bytes a large workspace needs at one step serve
// activations at the others.
// A `layer` step executes one fused Layer (layer.h): its primary op plus a
// folded batch norm, bias, residual add and activation. A `convert` step copies a tensor into
// another layout and/or dtype (layouts::transform): the graph input from the user's fp32 NCHW
// into what the first layer reads, between layers that chose different layouts, and the
// outputs back to fp32 NCHW for the user. Schedule tensors are graph tensors as stored at run
// time (a graph tensor may have several, one per layout/dtype it is read in).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "plantune/core/graph.h"
#include "plantune/tuner/environment.h"
#include "plantune/tuner/tactic.h"

namespace plantune::runtime {

inline constexpr int kScheduleSchemaVersion = 1;

enum class StepKind { layer, convert };
std::string_view to_string(StepKind k);
std::optional<StepKind> step_kind_from_string(std::string_view s);

struct ScheduleTensor {
  std::string name;                 // graph tensor name, "<name>@nhwc.fp16" for converted copies
  std::string source;               // the graph tensor whose values it holds
  std::vector<std::int64_t> dims;   // logical order (N, C, H, W)
  Layout layout = Layout::nchw;
  DType dtype = DType::fp32;
  std::int64_t bytes = 0;           // dense size
  std::int64_t offset = -1;         // in the arena (planner)
  bool graph_input = false;         // written by the user before each run (fp32 NCHW)
  bool graph_output = false;        // read back by the user after each run (fp32 NCHW)
  bool operator==(const ScheduleTensor&) const = default;
};

// How a convolution or fully connected step runs: a tactic from the database.
struct StepTactic {
  std::string key;            // the tuner's problem key (with the epilogue when fused)
  tuner::Tactic tactic;       // variant (layout, precision) + what runs
  double median_ms = 0;       // as measured by the tuner (cold L2)
  std::int64_t workspace_bytes = 0;
  bool operator==(const StepTactic&) const = default;
};

struct ScheduleStep {
  std::string name;                  // layer name (its primary op), or "convert <tensor>"
  StepKind kind = StepKind::layer;
  OpKind op = OpKind::conv2d;        // layer steps: the primary op's kind
  std::vector<std::string> ops;      // layer steps: the graph ops it executes, primary first
  std::vector<int> inputs;           // schedule tensor ids (data inputs; not the residual)
  std::optional<int> residual;       // schedule tensor added before the activation
  int output = -1;                   // schedule tensor id
  bool bias = false;                 // a per-channel bias (own, or a folded batch norm's)
  std::optional<std::string> folded_bn;  // the batch_norm op folded into the weights
  Activation activation = Activation::none;
  // conv2d / fully_connected: the tactic (a fully connected layer may have none: cuBLASLt's
  // heuristic choice then runs); for a conv whose fused problem was not in the
  // database, the plain convolution's tactic and epilogue_fused = false (a separate
  // bias/residual/activation kernel runs after it; `note` says why).
  std::optional<StepTactic> tactic;
  bool epilogue_fused = true;
  bool in_place = false;             // output stored over the residual (or the input)
  std::int64_t workspace_offset = -1;  // this step's workspace in the arena (-1: none needed)
  double estimated_ms = 0;           // tactic time, or a bandwidth estimate for other steps
  std::string note;                  // fallbacks and their reasons
  bool operator==(const ScheduleStep&) const = default;
};

struct MemorySummary {
  std::int64_t arena_bytes = 0;        // activations + workspaces (+ converted copies)
  std::int64_t workspace_bytes = 0;    // the largest workspace any step needs
  std::int64_t naive_bytes = 0;        // every storage (views and in-place results share) in its own bytes
  std::int64_t lower_bound_bytes = 0;  // the planner's lower bound for this problem
  std::string algorithm;               // the planner algorithm that placed it
  bool operator==(const MemorySummary&) const = default;
};

struct Schedule {
  int schema_version = kScheduleSchemaVersion;
  Graph graph;                         // the network (batch included)
  tuner::Precision precision = tuner::Precision::fp16;
  tuner::Environment environment;      // where the tactics were measured
  std::vector<ScheduleTensor> tensors;
  std::vector<ScheduleStep> steps;
  MemorySummary memory;
  std::size_t ops_before = 0;          // graph ops
  std::size_t layers_after = 0;        // executed layer steps (views excluded)
  std::string layout_method;           // how layouts were assigned (layout_assignment.h)
  bool layout_exact = true;
  double estimated_ms = 0;             // sum of the steps' estimates
  std::string created;                 // UTC time stamp
  std::string command;                 // the command that built it

  std::int64_t batch() const;
  // Throws invalid_argument naming the step or tensor when ids are out of range, a step reads
  // a tensor no earlier step (or the user) wrote, sizes disagree with dims and dtype, or two
  // tensors alive at the same time overlap in the arena (an independent check of the plan).
  void validate() const;
};

// "nhwc.fp16" — the suffix of converted tensor names.
std::string storage_suffix(Layout l, DType t);

}  // namespace plantune::runtime
