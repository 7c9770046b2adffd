#pragma once
// tune(): the search for the fastest sound tactic of a convolution, per variant.
//
// For each variant (layout x precision x channel padding):
//   1. database first: a variant already in the TacticDb (and not marked for re-verification)
//      is taken as is: no workload is built and nothing is timed;
//   2. otherwise a fresh ConvWorkload and its fp64 reference; tactics: the legacy heuristic's
//      pick, the graph API (heuristics A, B, FALLBACK, engines x knobs) and the legacy API
//      (algorithms x math types); each is prepared (graph execution plans on several host
//      threads, TuneOptions::prepare_threads), run once on poisoned output and checked
//      (reference.h); under a budget the first 8 runnable ones always are, later ones may end
//      as `timeout`:
//      failures become `incorrect`, declines `not_supported`, large workspaces
//      `over_workspace_limit` (never allocated);
//   3. the sound ones are timed by successive halving (measure.h); the legacy heuristic's pick
//      and graph heuristic A's first choice are always timed in full, so speedups over them
//      can be reported; a staged search (TuneOptions::search) then validates and times the
//      knob variations of the fastest engines only (Note [staged knob search]);
//   4. the winner runs once more and its output is compared with the fp64 reference of the
//      unrounded inputs: the variant's error against fp32 (Note [error vs fp32]);
//   5. the ranked candidates (bounded: TuneOptions::keep_ok) and that error are inserted into
//      the database.
//
// Note [error vs fp32]
// ~~~~~~~~~~~~~~~~~~~~
// A candidate's Validation compares its output with a reference computed from the same rounded
// inputs it ran on (reference.h): it tells a correct tactic from a wrong one, not what the
// precision costs. After a variant is tuned its winner runs once more on the validation slot,
// and its whole output is compared (precision::compare, every output) with the fp64 reference
// (the same kernel) computed from the unrounded inputs, ConvWorkload::x_exact() and friends:
// the fp32 values a network in fp32 would hold. Input rounding (fp16, bf16, int8), TF32 math,
// the output's rounding and the tactic's own accumulation order all show in it. It is stored as
// VariantResult::error_vs_fp32, and pick_variant() (precision_pick.h) chooses variants under a
// PrecisionPolicy with it. fp32 variants round nothing, so their reference is the validation's
// own. A variant whose winner fails this extra run keeps no error (a note says why).
#include <cuda_runtime_api.h>
#include <cudnn_graph.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "plantune/core/cudnn_handle.h"
#include "plantune/core/stream.h"
#include "plantune/tuner/conv_tactic.h"
#include "plantune/tuner/conv_workload.h"
#include "plantune/tuner/graph_source.h"
#include "plantune/tuner/measure.h"
#include "plantune/tuner/staged_search.h"
#include "plantune/tuner/tactic_db.h"

namespace plantune::tuner {

// Where a convolution variant's tuning time went, in finer parts than VariantTuning's phases
// (seconds; host wall time unless said).
struct ConvPhaseSeconds {
  // parts of enumerate_seconds: the workload and its fp64 reference; the graph API's listing
  // (heuristics, engines, knob configurations), of which the heuristics' part (modes A, B and
  // FALLBACK) and mode B's alone; the legacy API's listing (heuristic pick, algorithms x math
  // types)
  double workload = 0, graph_list = 0, graph_heuristics = 0, graph_heuristic_b = 0;
  double legacy_list = 0;
  // parts of time_seconds: warm-ups; and the GPU time asked of spin kernels (Note [spin
  // length] in measure.h)
  double warmup = 0, spin = 0;
  double error = 0;  // the winner's error against fp32 (Note [error vs fp32]), after timing
};

// Reported while tuning, after each step.
struct TuneProgress {
  std::string key;
  Variant variant;
  int variant_index = 0, variant_count = 0;
  std::string phase;            // "cached", "validating", "timing", "done"
  int tactics_tried = 0;        // prepared and validated so far (this variant)
  int tactics_total = 0;
  std::optional<double> best_ms;  // fastest median so far (this variant)
  std::string best_id;            // its tactic_id
  // Set with "done": where the variant's time went (VariantTuning's fields of the same names).
  double seconds = 0, enumerate_seconds = 0, validate_seconds = 0, time_seconds = 0;
  ConvPhaseSeconds parts;  // convs only
};

struct TuneOptions {
  std::int64_t workspace_limit = kDefaultWorkspaceLimit;
  bool legacy = true;  // legacy API tactics
  bool graph = true;   // graph API tactics (options below)
  GraphSourceOptions graph_options;
  MeasureOptions measure;
  HalvingOptions halving;
  WorkloadOptions workload;
  double budget_seconds = 0;  // for one tune() call, all variants; 0: no limit
  // full: every listed tactic is validated and timed; staged: the knob variations of only the
  // engines stage 1 finds fastest (Note [staged knob search] in staged_search.h). Full is the
  // reference protocol; `plantune tune` and schedules ask for staged (about half the time on
  // the H100, winners within 0.5% in geometric mean).
  SearchMode search = SearchMode::full;
  StagedSearchOptions staged;
  // Graph plans that compile a kernel at finalize (RUNTIME_COMPILATION) validated per variant,
  // in list order; later ones are `timeout`. None by default: on the H100 (ResNet-50, batch 32,
  // fp16, both layouts, staged search) six per variant took the tuning from 34 s to 106 s, the
  // compilations alone up to 22 s in one variant, for winners 0.9% faster in geometric mean
  // (5 to 11% on 5 of 49 variants, strided or 3x3 NHWC); and schedules pass over such plans
  // unless allowed (runtime/schedule_builder.h). kRuntimeCompiledWhenAllowed is the cap that
  // `--allow-runtime-compiled` and `plantune tune --max-runtime-compiled` suggest.
  static constexpr int kDefaultMaxRuntimeCompiled = 0;
  static constexpr int kRuntimeCompiledWhenAllowed = 6;
  int max_runtime_compiled = kDefaultMaxRuntimeCompiled;
  // Host threads that finalize graph execution plans (the costly part of validation, seconds
  // for a runtime-compiled one) ahead of each batch of validation runs, and that enumerate the
  // graph engines' knob configurations (GraphSourceOptions::threads); 1: all on the calling
  // thread; 0: the hardware's threads, at most kMaxAutoPrepareThreads. A validated tactic's
  // outcome does not depend on it (under a budget, how many get validated does).
  static constexpr unsigned kMaxAutoPrepareThreads = 8;
  int prepare_threads = 0;
  // ok candidates stored per variant: the fastest keep_ok (at least the winner), besides every
  // incorrect one, the legacy heuristic's pick, heuristic A's first choice and the fastest ok one
  // that is not runtime-compiled (trim_candidates in tactic_db.h: database size and load time
  // grow with the candidates; a warm run finds the heuristics' picks again); < 0: every one.
  static constexpr int kDefaultKeepOk = 16;
  int keep_ok = kDefaultKeepOk;
  bool use_db = true;         // false: tune even what the database has
  std::string command, commit;  // provenance stored with the results
  std::function<void(const TuneProgress&)> progress;
  // Test hook: sees (and may add to, remove from or wrap) each variant's tactics before
  // validation, e.g. to inject a deliberately wrong one.
  std::function<void(const ConvSourceContext&, std::vector<PreparedTactic>&)> tactic_hook;
};

struct VariantTuning {
  Variant variant;
  bool from_db = false;
  VariantResult result;  // as inserted into (or found in) the database
  // The legacy heuristic's pick and graph heuristic A's first choice, as measured here (or
  // found among the database's candidates); nullopt when there was none.
  std::optional<Candidate> legacy_heuristic;
  std::optional<Candidate> heuristic_a;
  int tactics_total = 0, tactics_validated = 0, tactics_timed = 0;
  int tactics_ok = 0;        // ok after timing, before the stored candidates were bounded
  std::int64_t samples = 0;  // timed runs (0 when from the database)
  double seconds = 0;        // all of it, and its phases: listing the tactics, preparing
  double enumerate_seconds = 0, validate_seconds = 0, time_seconds = 0;  // + validating, timing
  ConvPhaseSeconds parts;
  std::vector<std::string> notes;

  const Candidate* winner() const { return result.winner(); }
};

struct TuneResult {
  std::string key;
  ConvProblem problem;
  std::vector<VariantTuning> variants;
};

// The variants tried for `p`: each layout x precision, and for groups = 1 problems whose C or K
// is not a multiple of 8, the same with C and K padded to multiples of 8 when the precision
// runs on Tensor Cores (tf32, fp16, bf16) and `pad_channels` is set. int8 (Note [int8
// convolution] in conv_workload.h) gets only variants exec_problem() runs: NHWC (NCHW int8 is
// not listed), no epilogue, and either unpadded when C per group and K are multiples of 4, or,
// for groups = 1 with `pad_channels` set, with each unaligned one padded to a multiple of 8;
// otherwise none (the unpadded int8 variant of such a problem is not_supported).
std::vector<Variant> conv_variants(const ConvProblem& p, std::span<const Layout> layouts,
                                   std::span<const Precision> precisions,
                                   bool pad_channels = true);

// Tunes on the current device with one stream and one cuDNN handle; not thread-safe.
class ConvTuner {
 public:
  ConvTuner();

  // See the top of this file. Sets db's environment to this device's when it has none.
  TuneResult tune(const ConvProblem& problem, std::span<const Variant> variants,
                  const TuneOptions& options, TacticDb& db);

  // Validates and times each of `tactics` (full protocol, no halving) for one variant, on one
  // fresh workload: for benchmarks and for re-verifying stored winners.
  std::vector<Candidate> evaluate(const ConvProblem& problem, const Variant& variant,
                                  std::span<const TacticConfig> tactics,
                                  const TuneOptions& options);

  // The source context of `variant` of `problem` (executed problem, this handle, and alpha =
  // conv_output_scale() of the variant, as the workload's operands carry).
  ConvSourceContext context(const ConvProblem& problem, const Variant& variant,
                            const TuneOptions& options) const;

  cudaStream_t stream() const { return stream_.get(); }
  cudnnHandle_t handle() const { return handle_.get(); }
  // Timed samples taken by this tuner so far.
  std::int64_t samples_taken() const { return measurer_.samples_taken(); }

 private:
  VariantTuning tune_variant(const ConvProblem& problem, const Variant& variant,
                             const TuneOptions& options, TacticDb& db, int index, int count,
                             std::chrono::steady_clock::time_point deadline);
  VariantTuning from_database(const ConvProblem& problem, const VariantResult& stored,
                              const TuneOptions& options);

  Stream stream_;
  CudnnHandle handle_;
  Measurer measurer_;
};

// ConvTuner().tune(...).
TuneResult tune(const ConvProblem& problem, std::span<const Variant> variants,
                const TuneOptions& options, TacticDb& db);

// A prepared tactic for a stored description (legacy or graph), e.g. a database winner.
PreparedTactic prepare_tactic(const ConvSourceContext& ctx, const TacticConfig& tactic);

}  // namespace plantune::tuner
