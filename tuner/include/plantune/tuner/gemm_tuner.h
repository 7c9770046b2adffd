#pragma once
// tune_gemm(): the search for the fastest sound cuBLASLt tactic of a GEMM (a fully connected
// layer), per run precision. The GEMM counterpart of tune() in tuner.h, with the same protocol:
//
// For each precision:
//   1. database first: a variant already in the TacticDb (and not marked for re-verification)
//      is taken as is: no workload is built and nothing is timed;
//   2. otherwise a fresh GemmWorkload and its fp64 reference (gemm_workload.h); tactics: the
//      cuBLASLt heuristic's configurations, then enumerated ones (gemm_source.h), each rebuilt
//      from its description, run once on poisoned output and checked (Note [GEMM validation]);
//      under a budget the first 8 runnable ones always are, later ones may end as `timeout`;
//      failures become `incorrect`, declines `not_supported`, large workspaces
//      `over_workspace_limit`;
//   3. the sound ones are timed by successive halving (measure.h); the heuristic's first
//      configuration is always timed in full, so the speedup over it can be reported;
//   4. the ranked candidates are inserted into the database.
//
// The Variant of a GEMM entry is {Layout::nchw, precision, 0, 0}: a GEMM has no layout choice
// (A, B and D are row-major as the problem says) and no channel padding; nchw is the
// placeholder every GEMM entry uses, so lookups must ask for exactly that (gemm_variant()).
#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "plantune/core/cublaslt_handle.h"
#include "plantune/core/stream.h"
#include "plantune/tuner/gemm_source.h"
#include "plantune/tuner/gemm_workload.h"
#include "plantune/tuner/measure.h"
#include "plantune/tuner/tactic_db.h"
#include "plantune/tuner/tuner.h"

namespace plantune::tuner {

struct GemmTuneOptions {
  std::int64_t workspace_limit = kDefaultWorkspaceLimit;
  GemmSourceOptions source;
  MeasureOptions measure;
  HalvingOptions halving;
  WorkloadOptions workload;
  double budget_seconds = 0;    // for one tune() call, all precisions; 0: no limit
  bool use_db = true;           // false: tune even what the database has
  std::string command, commit;  // provenance stored with the results
  std::function<void(const TuneProgress&)> progress;  // TuneProgress of tuner.h
  // Test hook: sees (and may add to, remove from or wrap) each variant's tactics before
  // validation, e.g. to inject a deliberately wrong one.
  std::function<void(const GemmSourceContext&, std::vector<PreparedGemmTactic>&)> tactic_hook;
};

struct GemmVariantTuning {
  Variant variant;
  bool from_db = false;
  VariantResult result;  // as inserted into (or found in) the database
  // The cuBLASLt heuristic's first configuration, as measured here (or found among the
  // database's candidates); nullopt when there was none.
  std::optional<Candidate> heuristic;
  int tactics_total = 0, tactics_validated = 0, tactics_timed = 0;
  int heuristic_tactics = 0;  // of tactics_total, from the heuristic
  std::int64_t samples = 0;   // timed runs (0 when from the database)
  double seconds = 0;         // all of it, and its phases
  double enumerate_seconds = 0, validate_seconds = 0, time_seconds = 0;
  std::vector<std::string> notes;

  const Candidate* winner() const { return result.winner(); }
};

struct GemmTuneResult {
  std::string key;
  GemmProblem problem;
  std::vector<GemmVariantTuning> variants;
};

// The Variant a GEMM in `p` is stored under: {Layout::nchw, p, 0, 0} (see the top of the file).
Variant gemm_variant(Precision p);
// gemm_variant of each precision, sorted, each once.
std::vector<Variant> gemm_variants(std::span<const Precision> precisions);

// Tunes on the current device with one stream and one cuBLASLt handle; not thread-safe.
class GemmTuner {
 public:
  GemmTuner();

  // See the top of this file. Sets db's environment to this device's when it has none. Throws
  // invalid_argument for an invalid problem or a precision list with int8, not_supported when
  // the activation has no cuBLASLt epilogue (gemm_epilogue_supported()): check first.
  GemmTuneResult tune(const GemmProblem& problem, std::span<const Precision> precisions,
                      const GemmTuneOptions& options, TacticDb& db);

  // Validates and times each of `tactics` (full protocol, no halving) in one precision, on one
  // fresh workload: for benchmarks and for re-verifying stored winners.
  std::vector<Candidate> evaluate(const GemmProblem& problem, Precision precision,
                                  std::span<const CublasLtTactic> tactics,
                                  const GemmTuneOptions& options);

  // The source context of `problem` run in `precision` (executed problem, this handle).
  GemmSourceContext context(const GemmProblem& problem, Precision precision,
                            const GemmTuneOptions& options) const;

  cudaStream_t stream() const { return stream_.get(); }
  cublasLtHandle_t handle() const { return handle_.get(); }
  // Timed samples taken by this tuner so far.
  std::int64_t samples_taken() const { return measurer_.samples_taken(); }

 private:
  GemmVariantTuning tune_variant(const GemmProblem& problem, Precision precision,
                                 const GemmTuneOptions& options, TacticDb& db, int index, int count,
                                 std::chrono::steady_clock::time_point deadline);
  GemmVariantTuning from_database(const GemmProblem& problem, const VariantResult& stored,
                                  const GemmTuneOptions& options);

  Stream stream_;
  CublasLtHandle handle_;
  Measurer measurer_;
};

// GemmTuner().tune(...).
GemmTuneResult tune_gemm(const GemmProblem& problem, std::span<const Precision> precisions,
                         const GemmTuneOptions& options, TacticDb& db);

}  // namespace plantune::tuner
