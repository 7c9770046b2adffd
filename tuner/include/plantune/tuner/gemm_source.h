#pragma once
// Tactics of cuBLASLt for GEMMs (fully connected layers), and the runner that executes a stored
// tactic: the configurations cublasLtMatmulAlgoGetHeuristic proposes, plus configurations
// enumerated from the algorithms' capabilities (Note [cuBLASLt enumeration]). Every tactic runs
// from its stable description (CublasLtTactic): the algorithm is rebuilt with
// cublasLtMatmulAlgoInit and cublasLtMatmulAlgoConfigSetAttribute from the stored fields, so what
// is validated and timed is exactly what a runtime replays from the database.
//
// Note [row-major GEMM through cuBLASLt]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
// cuBLASLt is column-major. A row-major matrix X [R, C] is the column-major matrix X^T [C, R]
// with the same bytes, so the row-major D = op(A) op(B) is computed as the column-major
// D^T = op(B)^T op(A)^T: cuBLASLt's first operand is our B (transposed exactly when transb),
// its second our A (transposed exactly when transa), m' = N, n' = M, k' = K, and every leading
// dimension is the row length of the stored row-major matrix. We swap operands rather than use
// CUBLASLT_ORDER_ROW because cuBLASLt's epilogue bias has one value per row of D (as cuBLASLt
// sees D): with the swap that is per row of D^T, i.e. per output feature N, which is what a
// fully connected layer adds; with ORDER_ROW it would be per batch row M. Column order is also
// the order every cuBLASLt algorithm and sample is written for.
//
// Note [cuBLASLt precisions]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~
//   fp32  CUBLAS_COMPUTE_32F            fp32 tensors; algorithms whose numerical-implementation
//                                       flags say TF32, fp16 or bf16 inputs are excluded
//   tf32  CUBLAS_COMPUTE_32F_FAST_TF32  fp32 tensors, TF32 Tensor Cores allowed
//   fp16  CUBLAS_COMPUTE_32F            fp16 tensors, fp32 accumulation (fp16 accumulation
//                                       excluded by the flags)
//   bf16  CUBLAS_COMPUTE_32F            bf16 tensors, fp32 accumulation (same)
// The scale type is fp32 (alpha = 1, beta = 0, host pointers); the bias has D's dtype. C is D
// (beta = 0, so C is not read: a tactic that reads it anyway sees the NaN poison and fails).
// Epilogues: DEFAULT, BIAS, RELU, RELU_BIAS, GELU, GELU_BIAS (gelu in the tanh form, Note
// [GEMM validation] in gemm_workload.h); other activations have none: not_supported.
//
// Note [cuBLASLt enumeration]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~~
// cublasLtMatmulAlgoGetIds lists the algorithms for the data types; for each one that the
// precision allows and whose epilogue mask has our epilogue, the capabilities give its tiles,
// stages, split-K support, reduction schemes, CTA swizzling and custom options. Per algorithm the
// configurations come in three levels: (1) tile x stages with split-K 1, no swizzling, custom
// option 0; (2) the same with swizzling on and each custom option; (3) tile x stages x split-K
// in kSplitKValues (K / split >= kMinKPerSplit) x each supported reduction scheme. The
// algorithms are visited round-robin, one configuration each, so that a cap spreads over all of
// them; each configuration is checked with cublasLtMatmulAlgoCheck (cheap, host side) and kept
// when it passes and its workspace fits, until max_enumerated are kept or max_checks were made.
// Cluster and inner shapes stay AUTO / UNDEFINED there (cuBLASLt exposes no capability for
// them); heuristic configurations carry whatever the heuristic chose.
#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "plantune/tuner/candidate.h"
#include "plantune/tuner/conv_tactic.h"
#include "plantune/tuner/gemm_workload.h"
#include "plantune/tuner/problem_key.h"
#include "plantune/tuner/tactic.h"

namespace plantune::tuner {

// Split-K values enumerated, and the least K each split must keep (Note [cuBLASLt enumeration]).
inline constexpr int kSplitKValues[] = {2, 4, 8, 16, 32};
inline constexpr std::int64_t kMinKPerSplit = 64;

struct GemmSourceOptions {
  static constexpr int kDefaultMaxHeuristic = 32;
  static constexpr int kDefaultMaxEnumerated = 64;
  static constexpr int kDefaultMaxChecks = 4096;

  int max_heuristic = kDefaultMaxHeuristic;    // configurations asked of the heuristic
  bool enumerate = true;                       // also enumerate (Note [cuBLASLt enumeration])
  int max_enumerated = kDefaultMaxEnumerated;  // enumerated configurations kept
  int max_checks = kDefaultMaxChecks;          // cublasLtMatmulAlgoCheck calls while enumerating
};

// How the row-major problem is handed to cuBLASLt (Note [row-major GEMM through cuBLASLt]):
// column-major D'[m', n'] = op'(A') op'(B'), A' = our B, B' = our A, D' = D^T.
struct LtGemmShape {
  std::uint64_t m = 0, n = 0, k = 0;     // m' = N, n' = M, k' = K
  bool transa = false, transb = false;   // op' of A' (= transb) and of B' (= transa)
  std::uint64_t a_rows = 0, a_cols = 0;  // A' as stored, column-major
  std::uint64_t b_rows = 0, b_cols = 0;
  std::int64_t lda = 0, ldb = 0, ldd = 0;
};
LtGemmShape lt_gemm_shape(const GemmProblem& p);

// Whether cuBLASLt has an epilogue for `a` (none, relu, gelu).
bool gemm_epilogue_supported(Activation a);

// A tactic ready to run one GEMM problem in one precision. Not thread-safe (enqueue sets the
// bias pointer on the operation descriptor); one runner per stream.
class GemmRunner {
 public:
  virtual ~GemmRunner() = default;
  // Nothing costly is left for cuBLASLt (the configuration was checked when the runner was
  // made); kept so that callers treat convolution and GEMM runners alike.
  virtual void prepare() {}
  // Device workspace the tactic needs, bytes.
  virtual std::int64_t workspace_bytes() const = 0;
  // Enqueues D = act(op(A) op(B) + bias) on `stream` with `workspace` (at least
  // workspace_bytes() of device memory; nullptr when it needs none). Asynchronous. Throws
  // invalid_argument when a pointer is missing or less aligned than the algorithm needs,
  // not_supported when cuBLASLt declines at run time, cublas_error otherwise.
  virtual void enqueue(const GemmOperands& operands, void* workspace, cudaStream_t stream) = 0;
  // The same, first checking that `workspace_size` >= workspace_bytes() (invalid_argument).
  void enqueue(const GemmOperands& operands, void* workspace, std::int64_t workspace_size,
               cudaStream_t stream);
};

// Rebuilds `tactic` for `problem` run in `precision` (the problem's dtypes are replaced by the
// precision's, gemm_exec_problem()) on `handle`. Throws Error(not_supported) naming the tactic
// when the configuration cannot run here: unknown names, an algorithm id the library lacks for
// the data types, an attribute it refuses, cublasLtMatmulAlgoCheck failing, or an activation
// without an epilogue; invalid_argument for an invalid problem.
std::unique_ptr<GemmRunner> make_gemm_runner(cublasLtHandle_t handle, const GemmProblem& problem,
                                             Precision precision, const CublasLtTactic& tactic);
// With a tactic, the same; without one (a problem the database lacks), the heuristic's first
// configuration within `workspace_limit`. Throws not_supported when the heuristic has none.
std::unique_ptr<GemmRunner> make_gemm_runner(cublasLtHandle_t handle, const GemmProblem& problem,
                                             Precision precision,
                                             const std::optional<CublasLtTactic>& tactic,
                                             std::int64_t workspace_limit = kDefaultWorkspaceLimit);

// A GEMM tactic on its way to validation: the description, and a runner or the outcome that
// keeps it from running (not_supported, over_workspace_limit, failed; `detail` says more).
struct PreparedGemmTactic {
  CublasLtTactic config;
  Outcome outcome = Outcome::ok;
  std::string detail;
  std::int64_t workspace_bytes = 0;
  std::unique_ptr<GemmRunner> runner;
};

// What a source needs: a cuBLASLt handle, the executed problem (gemm_exec_problem()), the
// precision and the workspace limit.
struct GemmSourceContext {
  cublasLtHandle_t handle = nullptr;
  GemmProblem exec;
  Precision precision = Precision::fp32;
  std::int64_t workspace_limit = kDefaultWorkspaceLimit;
};

struct GemmTactics {
  std::vector<PreparedGemmTactic> tactics;  // heuristic configurations first, in its order
  int heuristic_count = 0;                  // how many came from the heuristic
  int algo_ids = 0;                         // algorithms cublasLtMatmulAlgoGetIds listed
  int checks = 0;                           // cublasLtMatmulAlgoCheck calls while enumerating
  std::vector<std::string> notes;
};

// The heuristic's configurations (up to o.max_heuristic, within the workspace limit), then the
// enumerated ones (Note [cuBLASLt enumeration]), each rebuilt from its description. Throws
// not_supported for an activation without an epilogue.
GemmTactics gemm_tactics(const GemmSourceContext& ctx, const GemmSourceOptions& o);

// The heuristic's configurations as descriptions (nothing rebuilt), best first.
std::vector<CublasLtTactic> gemm_heuristic_tactics(const GemmSourceContext& ctx, int max_count);

// One stored tactic for the context (e.g. a database winner being re-verified): ok with a
// runner, or not_supported / over_workspace_limit with the reason.
PreparedGemmTactic prepare_gemm(const GemmSourceContext& ctx, const CublasLtTactic& tactic);

}  // namespace plantune::tuner
