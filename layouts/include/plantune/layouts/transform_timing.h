#pragma once
// Measuring a transform on the GPU: the TransformCost records the tactic database keeps
// (transform_cost.h), timed the way the tuner times convolutions: CUDA events around each run,
// warm-up first, the median of the repetitions, and the source and destination rotated over
// copies that span more than twice the L2 cache, so that each run reads from DRAM as a
// network's layers do (Note [cold L2 by rotation] in tuner/conv_workload.h).
#include <cuda_runtime_api.h>

#include "plantune/layouts/transform_cost.h"
#include "plantune/layouts/transform_desc.h"

namespace plantune::layouts {

struct TransformTimingOptions {
  int warmup = 3;        // untimed runs first
  int repetitions = 15;  // timed runs (each its own pair of events)
  int max_copies = 64;   // cap on the (src, dst) copies rotated over
  double max_memory_fraction = 0.25;  // of the free device memory, for all copies together
};

// Times `desc` with layouts::transform on `stream` (and waits for it). The source holds zeros
// (the kernels' speed does not depend on the values). Throws invalid_argument for an invalid
// desc or options, out_of_memory when one (src, dst) pair does not fit, cuda_error otherwise.
TransformCost time_transform(const TransformDesc& desc, cudaStream_t stream,
                             const TransformTimingOptions& options = {});

}  // namespace plantune::layouts
