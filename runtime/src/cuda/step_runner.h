#pragma once
// One schedule step as an enqueue function bound to a context's handles, arena and the shared
// device weights (private to the engine).
#include <cublasLt.h>
#include <cuda_runtime_api.h>
#include <cudnn_graph.h>

#include <cstddef>
#include <functional>

#include "plantune/runtime/schedule.h"

namespace plantune::runtime::detail {

// Device copies of a step's StepWeights (step_weights.h); null where absent.
struct DeviceStepWeights {
  const void* weight = nullptr;
  const void* bias = nullptr;
  const float* scale = nullptr;
  const float* shift = nullptr;
};

struct StepContext {
  cudnnHandle_t cudnn = nullptr;
  cublasLtHandle_t cublaslt = nullptr;
  std::byte* arena = nullptr;
  std::int64_t arena_bytes = 0;
};

using StepFn = std::function<void(cudaStream_t)>;

// Prepares step `index` of `s` on `ctx` (finalizes its tactic: can compile a kernel) and returns
// what enqueues it. Throws invalid_argument naming the step for an op kind the engine does not
// run, not_supported when its stored tactic does not run here.
StepFn make_step(const Schedule& s, std::size_t index, const DeviceStepWeights& weights,
                 const StepContext& ctx);

}  // namespace plantune::runtime::detail
