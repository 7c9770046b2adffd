#pragma once
// Tactics of cuDNN's graph (backend) API for convolution forward: the configurations proposed
// by heuristic modes A, B and FALLBACK, and every global engine that supports the operation
// graph, each under a capped, deterministic set of knob values (Note [knob enumeration]).
// Configurations are described by engine id and knob values (GraphEngineTactic), never by their
// position in a list. Execution plans are finalized lazily, in ConvRunner::prepare(). An int8
// variant builds the same graph with int8 x and w, an fp32 y and INT32 compute (Note [int8
// convolution] in conv_workload.h); engines that do not finalize for it are not_supported
// outcomes as for any graph. The convolution's alpha is part of the graph (Note [conv alpha] in
// conv_tactic.h).
//
// Note [knob enumeration]
// ~~~~~~~~~~~~~~~~~~~~~~~
// An engine's knobs each take min, min + stride, ..., max; the product can be huge. Per knob
// we keep at most kMaxValuesPerKnob values (all of them when few; otherwise the first four
// and the powers of two in range, which covers split-K and stage counts). Configurations are
// then tried in this order: the engine's defaults (no knob set); one knob changed at a time,
// round-robin over the knobs; then full assignments in mixed-radix order. Each is finalized as
// an engine configuration (cheap, host side) and kept if cuDNN accepts it, until the cap per
// engine or the cap on tries is reached. Engines are enumerated on GraphSourceOptions::threads
// host threads and gathered in id order, so the list is the same for any thread count. Engines
// noted RUNTIME_COMPILATION compile a kernel per plan (seconds), so they get a smaller cap. The
// precision decides which engines qualify:
// fp32 excludes engines noted TENSOR_CORE or DOWN_CONVERT_INPUTS (TF32, see Note [cuDNN math
// types] in cudnn_backend.h); the other precisions take every engine.
//
// Note [graph fused epilogue]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~~
// A fused problem (ConvProblem::epilogue) is one operation graph:
//   conv_fprop(x, w) -> t1 -> ADD bias -> t2 -> ADD z -> t3 -> activation -> y
// where each t is a virtual fp32 tensor of y's dims and strides, steps the epilogue lacks are
// left out and the last step writes y (y's dtype). bias is a [1, K, 1, 1] tensor (uid 4,
// broadcast over N, P, Q), z has y's dims and strides (uid 5); pointwise operators compute in
// fp32. Activations map to RELU_FWD (relu6: upper clip 6), SIGMOID_FWD, SWISH_FWD (silu, beta
// 1) and GELU_FWD (the erf form); hard_swish has no pointwise mode, so such problems get no
// graph tactics (a note says why; prepare_graph() answers not_supported). Engines for these
// graphs are mostly runtime-compiled (CUDNN_BEHAVIOR_NOTE_RUNTIME_COMPILATION): the caps of
// GraphSourceOptions::max_configs_runtime_compiled and TuneOptions::max_runtime_compiled apply
// as for plain convolutions, and heuristics A, B and FALLBACK propose configurations as usual.
// Variant packs bind bias and z next to x, w, y.
#include <cudnn_graph.h>

#include <optional>
#include <string>
#include <vector>

#include "plantune/core/cudnn_engines.h"
#include "plantune/core/cudnn_graph_ops.h"
#include "plantune/tuner/conv_tactic.h"

namespace plantune::tuner {

// Values kept per knob (Note [knob enumeration]).
inline constexpr int kMaxValuesPerKnob = 8;

struct GraphSourceOptions {
  static constexpr int kDefaultMaxConfigsPerEngine = 16;
  static constexpr int kDefaultMaxConfigsRuntimeCompiled = 1;
  static constexpr int kDefaultMaxHeuristicConfigs = 16;
  static constexpr int kDefaultMaxKnobTries = 256;

  bool engines = true;       // enumerate global engines x knobs
  bool heuristic_a = true;   // configurations of CUDNN_HEUR_MODE_A
  bool heuristic_b = true;   // CUDNN_HEUR_MODE_B (slower to query; may be unsupported)
  bool fallback = true;      // CUDNN_HEUR_MODE_FALLBACK
  int max_configs_per_engine = kDefaultMaxConfigsPerEngine;
  int max_configs_runtime_compiled = kDefaultMaxConfigsRuntimeCompiled;
  int max_heuristic_configs = kDefaultMaxHeuristicConfigs;  // per mode
  int max_knob_tries = kDefaultMaxKnobTries;                // per engine
  bool record_unsupported_engines = true;  // one not_supported tactic per declining engine
  int threads = 1;  // host threads enumerating the engines (tune() passes its prepare_threads)
};

// The graph tactics of one executed problem.
struct GraphTactics {
  std::vector<PreparedTactic> tactics;  // heuristics A, B, FALLBACK first, then engines
  std::int64_t engine_count = 0;        // CUDNN_ATTR_OPERATIONGRAPH_ENGINE_GLOBAL_COUNT
  std::int64_t engines_supported = 0;   // engines that finalized for the graph
  std::vector<std::string> notes;       // e.g. why heuristic B gave nothing
  // Host time of the heuristics' part (modes A, B and FALLBACK, their configurations
  // finalized), and of mode B's alone.
  double heuristics_seconds = 0, heuristic_b_seconds = 0;
};

// The pointwise operator of an epilogue activation (Note [graph fused epilogue]); nullopt for
// none and for hard_swish (no cuDNN mode).
struct GraphActivation {
  cudnnPointwiseMode_t mode = CUDNN_POINTWISE_RELU_FWD;
  PointwiseParams params;
};
std::optional<GraphActivation> graph_activation(Activation a);

// Whether precision `p` may use an engine with these notes (Note [knob enumeration]).
bool engine_allowed(Precision p, const EngineInfo& info);

// The knob assignments tried for an engine with `knobs`, in order (Note [knob enumeration]);
// at most `max_tries`, the first being the empty assignment (defaults).
std::vector<std::vector<KnobChoice>> knob_assignments(const std::vector<KnobInfo>& knobs,
                                                      int max_tries);

// All graph tactics for `ctx`; tactics are unique by tactic_id (the first source wins). None,
// with a note, for a fused problem cuDNN cannot express.
GraphTactics graph_tactics(const ConvSourceContext& ctx, const GraphSourceOptions& options);

// One graph tactic (e.g. a database winner being replayed): not_supported when its engine or
// knob values no longer finalize.
PreparedTactic prepare_graph(const ConvSourceContext& ctx, const GraphEngineTactic& tactic);

// The first configuration of heuristic `mode` that the precision allows, fits the workspace
// limit and (when `require_plan`) finalizes as a plan; nullopt when there is none or the mode
// fails. Without require_plan nothing is compiled (cheap), but the answer may be a
// configuration whose plan would fail.
std::optional<GraphEngineTactic> graph_heuristic_first(
    const ConvSourceContext& ctx, cudnnBackendHeurMode_t mode = CUDNN_HEUR_MODE_A,
    bool require_plan = true);

// Stored names of knobs: "CUDNN_KNOB_TYPE_SPLIT_K", and back (nullopt for a malformed name).
std::string knob_name(cudnnBackendKnobType_t type);
std::optional<cudnnBackendKnobType_t> knob_type_of(const std::string& name);

}  // namespace plantune::tuner
