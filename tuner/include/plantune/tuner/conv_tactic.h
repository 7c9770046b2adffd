#pragma once
// What every convolution tactic source produces: a PreparedTactic (the stable description, and
// either a runner or the outcome that keeps it from running), plus the context sources share.
#include <cuda_runtime_api.h>
#include <cudnn_graph.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "plantune/tuner/candidate.h"
#include "plantune/tuner/conv_workload.h"
#include "plantune/tuner/problem_key.h"
#include "plantune/tuner/tactic.h"

namespace plantune::tuner {

// Default cap on the workspace a tactic may use; larger ones are over_workspace_limit.
inline constexpr std::int64_t kDefaultWorkspaceLimit = std::int64_t{256} << 20;

// A tactic ready to run the executed problem of one variant.
class ConvRunner {
 public:
  virtual ~ConvRunner() = default;
  // Does the costly part of getting ready (e.g. finalizing a cuDNN execution plan, which can
  // compile a kernel); called once before the first enqueue. Throws Error(not_supported) when
  // the library cannot build it.
  virtual void prepare() {}
  // True when prepare() may run on another host thread (the caller's current CUDA device set
  // there), concurrently with other runners' prepare() on the same cuDNN handle, and before
  // anything is enqueued (the tuner prepares such tactics in parallel: TuneOptions::
  // prepare_threads). False by default.
  virtual bool thread_safe_prepare() const { return false; }
  // Device workspace the tactic needs, bytes; final once prepare() returned.
  virtual std::int64_t workspace_bytes() const = 0;
  // Enqueues y = alpha * conv(x, w) on `stream` with `workspace` (at least the tactic's
  // workspace_bytes of device memory; nullptr when it needs none); for a fused problem
  // y = act(alpha * conv(x, w) + bias + z) as its epilogue says, reading operands.bias and
  // operands.z (ConvOperands; y may equal z). alpha is operands.alpha (Note [conv alpha]).
  // Asynchronous. Throws Error: invalid_argument when an operand the epilogue needs is nullptr
  // or a graph tactic is given another alpha than it was prepared with, not_supported when the
  // library declines at run time, cudnn_error / cuda_error otherwise.
  virtual void enqueue(const ConvOperands& operands, void* workspace, cudaStream_t stream) = 0;
};

struct PreparedTactic {
  TacticConfig config;
  // ok: `runner` is set and the tactic may be prepared and validated. Otherwise the reason it
  // cannot run: not_supported, over_workspace_limit (never allocated) or failed; `detail` says
  // more.
  Outcome outcome = Outcome::ok;
  std::string detail;
  std::int64_t workspace_bytes = 0;  // as known before prepare(); the runner's is final
  std::unique_ptr<ConvRunner> runner;
};

// Note [conv alpha]
// ~~~~~~~~~~~~~~~~~
// Every runner scales the convolution by ConvOperands::alpha (1 by default; int8 workloads pass
// 1 / 127^2, Note [int8 convolution] in conv_workload.h). Legacy runners pass it to
// cudnnConvolutionForward / cudnnConvolutionBiasActivationForward at each call, so any alpha
// works. The graph API fixes alpha when the operation graph is built
// (CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_ALPHA, a constant of the finalized operation): a
// graph tactic computes with ConvSourceContext::alpha as given when it was prepared, and its
// enqueue() refuses (invalid_argument) operands whose alpha differs, rather than silently
// computing with the other. ConvTuner::context() sets it to the variant's
// conv_output_scale(), the alpha of the workload's operands.

// What a source needs: a cuDNN handle whose stream is the tuning stream, the problem as it
// executes (exec_problem(); its epilogue is the problem's), the variant, and the alpha graph
// tactics are built for (Note [conv alpha]).
struct ConvSourceContext {
  cudnnHandle_t handle = nullptr;
  ConvProblem exec;
  Variant variant;
  std::int64_t workspace_limit = kDefaultWorkspaceLimit;
  float alpha = 1.0f;
};

// A PreparedTactic that cannot run.
inline PreparedTactic unrunnable(TacticConfig config, Outcome outcome, std::string detail,
                                 std::int64_t workspace_bytes = 0) {
  PreparedTactic t;
  t.config = std::move(config);
  t.outcome = outcome;
  t.detail = std::move(detail);
  t.workspace_bytes = workspace_bytes;
  return t;
}

}  // namespace plantune::tuner
