#pragma once
// Device-side mischief for the tuner's GPU tests: out-of-bounds writes and perturbed outputs,
// to prove that guard bytes and the reference comparison catch them.
#include <cuda_runtime_api.h>

#include <cstdint>
#include <memory>

#include "plantune/core/dtype.h"
#include "plantune/tuner/conv_tactic.h"

namespace plantune::tuner::testing {

// Writes one byte at `base + offset` (offset may be negative): an out-of-bounds store when
// `base` is the start of a guarded buffer.
void enqueue_stray_write(void* base, std::int64_t offset, cudaStream_t stream);

// Keeps the GPU busy for about `microseconds` (one thread spinning on the global timer).
void enqueue_busy(cudaStream_t stream, double microseconds);

// Adds `delta` to element `index` of a tensor of `dtype` (fp32, fp16 or bf16).
void enqueue_perturb(void* data, DType dtype, std::int64_t index, float delta, cudaStream_t stream);

// Wraps a runner: runs it, then perturbs one output element (a plausible-looking wrong result).
std::unique_ptr<ConvRunner> perturbing_runner(std::unique_ptr<ConvRunner> inner, DType dtype,
                                              std::int64_t index, float delta);
// Wraps a runner: runs it, then writes one byte `offset` bytes past the end of y
// (`y_bytes` long), i.e. into the guard region.
std::unique_ptr<ConvRunner> stray_writing_runner(std::unique_ptr<ConvRunner> inner,
                                                 std::int64_t y_bytes, std::int64_t offset);

}  // namespace plantune::tuner::testing
