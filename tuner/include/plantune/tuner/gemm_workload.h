#pragma once
// GemmWorkload: the device tensors one GEMM precision variant is validated and timed on, and the
// tuner's fp64 reference GEMM with its check.
//
// For a GemmProblem (row-major D[M, N] = act(op(A) * op(B) + bias[N]), problem_key.h) and a run
// precision it holds:
//   * the executed problem: every tensor in the precision's storage dtype, accumulation fp32
//     (gemm_exec_problem());
//   * fresh random data: A and B uniform in [-1, 1), bias uniform in [-b, b) (Note [GEMM
//     validation]), from a device-side hash of (seed, tensor, index), rounded to the storage
//     dtype; A, B and D are stored row-major as the problem says (A [M, K], or [K, M] when
//     transa; B [K, N], or [N, K] when transb), bias in D's dtype;
//   * float copies of the rounded inputs for the reference: op(A) as [M, K], op(B) transposed
//     as [N, K] (both row-major), bias [N];
//   * `slot_count()` copies of (A, B, bias, D) spanning more than twice the L2 cache, so that
//     timing slot after slot runs with a cold L2 (Note [cold L2 by rotation] in conv_workload.h;
//     the same WorkloadOptions);
//   * guard bytes (kGuardByte) before and after every D and around the workspace.
// Slot 0 is the validation slot. Every pointer handed out is 256-byte aligned.
//
// Note [GEMM validation]
// ~~~~~~~~~~~~~~~~~~~~~~
// The reference is a tiled GEMM kernel of its own (no cuBLAS) that accumulates in fp64 over the
// float copies, then applies the epilogue in fp64: + bias[n], then the activation. Per output it
// also computes the scale s = sum_k |a * b| + |bias[n]|; a tactic passes when every output is
// finite, |d - ref| <= tolerance * s everywhere, and the guard bytes are intact. The tolerances
// are the convolutions' (default_tolerance() in reference.h, Note [validation tolerances]):
// relu is 1-Lipschitz and gelu at most 1.13, so the activation does not widen the budget.
// The bias is drawn from [-b, b) with b = clamp(K / 8, 1, 1024) rather than [-1, 1): with
// inputs in [-1, 1) the scale grows like K / 4, so a bias of size 1 could be dropped or added
// along the wrong axis within the fp16 budget (1e-2 x 512 = 5 at K = 2048); at K / 8 a lost
// bias moves an output by about 20% of its scale. The clamp keeps fp16 far from overflow.
// Activation::gelu is computed in the tanh form 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))),
// the function cuBLASLt's GELU epilogues compute; it differs from the erf form by at most
// 4.8e-4 (at x = -2.70). Other activations have no cuBLASLt epilogue: the reference refuses them.
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "plantune/core/device_buffer.h"
#include "plantune/tuner/candidate.h"
#include "plantune/tuner/conv_workload.h"
#include "plantune/tuner/problem_key.h"
#include "plantune/tuner/tactic.h"

namespace plantune::tuner {

// Name stored in Validation::reference for GEMMs.
inline constexpr const char* kGemmReferenceName = "gemm_fp64";

// Device pointers of one GEMM's tensors, as the problem lays them out (row-major). bias may be
// nullptr when the problem has none.
struct GemmOperands {
  const void* a = nullptr;
  const void* b = nullptr;
  const void* bias = nullptr;
  void* d = nullptr;
};

// The problem precision `p` executes: every dtype storage_dtype(p), accumulation fp32. Throws
// invalid_argument for an invalid problem, not_supported for int8 (no integer GEMM path).
GemmProblem gemm_exec_problem(const GemmProblem& problem, Precision p);

// Half-width b of the bias distribution [-b, b) for reduction length k (Note [GEMM validation]).
float gemm_bias_scale(std::int64_t k);

class GemmWorkload {
 public:
  // Allocates and fills everything on `stream` (and waits for it). Throws invalid_argument for
  // an invalid problem, not_supported for int8 or an activation without a reference (Note),
  // out_of_memory when even one slot does not fit.
  GemmWorkload(const GemmProblem& problem, Precision precision, const WorkloadOptions& options,
               cudaStream_t stream);
  GemmWorkload(const GemmWorkload&) = delete;
  GemmWorkload& operator=(const GemmWorkload&) = delete;

  const GemmProblem& problem() const { return problem_; }
  const GemmProblem& exec() const { return exec_; }
  Precision precision() const { return precision_; }
  DType storage() const { return storage_; }
  std::uint64_t seed() const { return seed_; }

  int slot_count() const { return slots_; }
  bool spans_cold_l2() const { return cold_; }
  // Tensors of slot `i` (0 <= i < slot_count()).
  GemmOperands operands(int slot) const;

  // Before a validation run: fills slot 0's D with NaN (all bits set) so that an element the
  // tactic leaves unwritten shows as non-finite, and rewrites its guards.
  void poison_output(cudaStream_t stream);
  // After it (synchronizes `stream`): true when slot 0's D guards still hold kGuardByte.
  bool output_guards_intact(cudaStream_t stream) const;

  // A workspace of `bytes` with guard regions right before and after it (grown as needed;
  // contents undefined). nullptr for 0 bytes. Rewrites the guards for `bytes`.
  void* workspace(std::int64_t bytes, cudaStream_t stream);
  // Whether the guards around the last workspace(bytes) still hold (synchronizes `stream`).
  bool workspace_guards_intact(cudaStream_t stream) const;

  // Float copies of the rounded inputs: op(A) [M, K], op(B)^T [N, K], bias [N] (nullptr when
  // the problem has no bias).
  const float* a_ref() const { return a_ref_.data(); }
  const float* bt_ref() const { return bt_ref_.data(); }
  const float* bias_ref() const { return problem_.bias ? bias_ref_.data() : nullptr; }

  // Byte sizes of one slot's A, B, bias (0 without one) and D.
  std::int64_t a_bytes() const { return a_bytes_; }
  std::int64_t b_bytes() const { return b_bytes_; }
  std::int64_t bias_bytes() const { return bias_bytes_; }
  std::int64_t d_bytes() const { return d_bytes_; }

 private:
  std::byte* at(std::int64_t offset) const { return slots_buf_.data() + offset; }

  GemmProblem problem_, exec_;
  Precision precision_;
  DType storage_;
  std::uint64_t seed_ = 0;
  std::int64_t a_bytes_ = 0, b_bytes_ = 0, bias_bytes_ = 0, d_bytes_ = 0;
  std::int64_t off_a_ = 0, off_b_ = 0, off_bias_ = 0, off_d_ = 0;
  std::int64_t slot_stride_ = 0;
  int slots_ = 1;
  bool cold_ = false;
  DeviceBytes slots_buf_;
  DeviceBuffer<float> a_ref_, bt_ref_, bias_ref_;
  DeviceBytes workspace_;
  std::int64_t workspace_in_use_ = 0;
};

// d = act(a * bt^T + bias) and the scale of Note [GEMM validation] per output, on the device:
// a [M, K], bt [N, K], bias [N] (nullptr: none), d and scale [M, N], row-major floats,
// accumulation and epilogue in fp64, for `p`'s sizes and epilogue (dtypes and transposes
// ignored). Enqueued on `stream`. Throws not_supported for an activation other than none, relu
// and gelu (tanh form).
void reference_gemm(const GemmProblem& p, const float* a, const float* bt, const float* bias,
                    float* d, float* scale, cudaStream_t stream);

class GemmReference {
 public:
  // Computes the reference of `workload`'s problem from its float copies; waits.
  GemmReference(const GemmWorkload& workload, cudaStream_t stream);

  const float* d() const { return d_.data(); }
  const float* scale() const { return scale_.data(); }
  std::vector<float> d_host() const { return d_.to_host(); }

 private:
  DeviceBuffer<float> d_, scale_;
};

// Compares slot 0's D of `workload` (storage dtype) with `ref` and reads the guards of D and of
// the last workspace. Synchronizes `stream`. Validation::passed() says whether the tactic may be
// timed.
Validation check_gemm_output(const GemmWorkload& workload, const GemmReference& ref,
                             double tolerance, cudaStream_t stream);

}  // namespace plantune::tuner
