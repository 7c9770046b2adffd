// time_transform: see transform_timing.h.
#include "plantune/layouts/transform_timing.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "plantune/core/cuda_check.h"
#include "plantune/core/device_buffer.h"
#include "plantune/core/error.h"
#include "plantune/core/event.h"
#include "plantune/layouts/transform.h"

namespace plantune::layouts {

TransformCost time_transform(const TransformDesc& desc, cudaStream_t stream,
                             const TransformTimingOptions& options) {
  validate(desc);
  PT_REQUIRE(options.warmup >= 0 && options.repetitions >= 1 && options.max_copies >= 1 &&
                 options.max_memory_fraction > 0.0 && options.max_memory_fraction <= 1.0,
             invalid_argument,
             "time_transform: warmup >= 0, repetitions >= 1, max_copies >= 1 and a memory "
             "fraction in (0, 1] are needed");
  const std::int64_t src_bytes = stored_numel(desc.dims, desc.src_layout) * dtype_size(desc.src_dtype);
  const std::int64_t dst_bytes = stored_numel(desc.dims, desc.dst_layout) * dtype_size(desc.dst_dtype);
  const std::int64_t pair = src_bytes + dst_bytes;

  // Copies: enough to span 2x L2 (at least 2), within the cap and the memory allowance.
  int dev = 0, l2 = 0;
  PT_CUDA_CHECK(cudaGetDevice(&dev));
  PT_CUDA_CHECK(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, dev));
  std::size_t free_bytes = 0, total_bytes = 0;
  PT_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  const auto allowed =
      static_cast<std::int64_t>(options.max_memory_fraction * static_cast<double>(free_bytes));
  PT_REQUIRE(pair <= allowed, out_of_memory,
             "time_transform " << to_string(desc) << ": source and destination need " << pair
                               << " bytes, " << allowed << " are allowed");
  std::int64_t copies = static_cast<std::int64_t>(std::ceil(2.0 * l2 / static_cast<double>(pair))) + 1;
  copies = std::clamp<std::int64_t>(copies, 2, options.max_copies);
  copies = std::max<std::int64_t>(1, std::min(copies, allowed / pair));

  std::vector<DeviceBytes> src, dst;
  for (std::int64_t i = 0; i < copies; ++i) {
    src.emplace_back(static_cast<std::size_t>(src_bytes));
    dst.emplace_back(static_cast<std::size_t>(dst_bytes));
    PT_CUDA_CHECK(cudaMemsetAsync(src.back().data(), 0, static_cast<std::size_t>(src_bytes), stream));
  }
  std::size_t next = 0;
  auto run = [&] {
    transform(desc, src[next].data(), dst[next].data(), stream);
    next = (next + 1) % src.size();
  };
  for (int i = 0; i < options.warmup; ++i) run();
  std::vector<Event> start, stop;
  for (int i = 0; i < options.repetitions; ++i) {
    start.emplace_back();
    stop.emplace_back();
  }
  for (int i = 0; i < options.repetitions; ++i) {
    start[static_cast<std::size_t>(i)].record(stream);
    run();
    stop[static_cast<std::size_t>(i)].record(stream);
  }
  PT_CUDA_CHECK(cudaStreamSynchronize(stream));
  std::vector<double> samples;
  for (int i = 0; i < options.repetitions; ++i) {
    samples.push_back(static_cast<double>(stop[static_cast<std::size_t>(i)] -
                                          start[static_cast<std::size_t>(i)]));
  }
  return make_transform_cost(desc, "plantune", samples);
}

}  // namespace plantune::layouts
