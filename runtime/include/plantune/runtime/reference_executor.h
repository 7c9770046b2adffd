#pragma once
// ReferenceExecutor: runs a Graph op by op in fp32 NCHW on the GPU with its own plain kernels.
//
// It is the independent reference the Engine is checked against, so it shares nothing with it:
// no fusion (a conv2d's own bias and activation attributes are part of the op and apply; a
// following batch_norm runs as its own op), no layout or precision choice, no memory planning,
// no cuDNN or cuBLAS, and not the Engine's kernels (kernels.h). Every graph tensor has its own
// device buffer, kept after a run so that any tensor can be read back (per-layer comparisons).
// Convolutions are direct, with fp32 accumulation; ResNet-50 at batch 32 takes well under a
// few seconds on an H100. Tensors are read in their logical dims; the layout a TensorShape may
// carry and the dtypes of the graph are ignored (everything is fp32).
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "plantune/core/graph.h"
#include "plantune/runtime/weights.h"

namespace plantune::runtime {

class ReferenceExecutor {
 public:
  // Validates `graph`, checks that `weights` holds every tensor the graph needs with PyTorch's
  // dims (check_weights in weights.h), uploads them (batch norms as per-channel scale and shift
  // computed in fp64) and allocates one device buffer per graph tensor. Throws invalid_argument
  // naming the op or weight, out_of_memory when the buffers do not fit. Keeps its own copy of
  // the graph; `weights` is not referenced after construction.
  ReferenceExecutor(const Graph& graph, const WeightStore& weights);
  ~ReferenceExecutor();
  ReferenceExecutor(ReferenceExecutor&&) noexcept;
  ReferenceExecutor& operator=(ReferenceExecutor&&) noexcept;
  ReferenceExecutor(const ReferenceExecutor&) = delete;
  ReferenceExecutor& operator=(const ReferenceExecutor&) = delete;

  const Graph& graph() const;

  // Runs the graph once, synchronously. `inputs` holds the graph inputs in graph order, each
  // NCHW fp32 with exactly numel elements of its tensor; returns the graph outputs in graph
  // order (NCHW fp32). Throws invalid_argument naming the input on a count or size mismatch.
  std::vector<std::vector<float>> run(std::span<const std::vector<float>> inputs);

  // The value of any graph tensor (input, intermediate or output) after the last run, NCHW
  // fp32. Throws invalid_argument for an id out of range or before the first run.
  std::vector<float> output_of(TensorId t) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace plantune::runtime
