#include "plantune/precision/error_metrics_device.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "metric_sums.h"
#include "plantune/core/cuda_check.h"
#include "plantune/core/device_buffer.h"
#include "plantune/core/error.h"

namespace plantune::precision {
namespace {

using detail::MetricSums;

// A fixed grid, so that every element always lands in the same partial sum (deterministic).
constexpr int kThreads = 256;
constexpr int kBlocks = 512;

// Per block: the largest finite |reference| (as float bits: non-negative floats order like
// their bit patterns).
__global__ void __launch_bounds__(kThreads) ref_max_kernel(const float* __restrict__ ref,
                                                           std::int64_t n,
                                                           unsigned* __restrict__ out) {
  __shared__ unsigned best[kThreads];
  float m = 0.0f;
  for (std::int64_t i = blockIdx.x * std::int64_t{kThreads} + threadIdx.x; i < n;
       i += std::int64_t{kBlocks} * kThreads) {
    const float r = fabsf(ref[i]);
    if (r <= 3.402823466e38f) m = fmaxf(m, r);  // finite (NaN and inf fail the test)
  }
  best[threadIdx.x] = __float_as_uint(m);
  __syncthreads();
  for (int s = kThreads / 2; s > 0; s /= 2) {
    if (threadIdx.x < s) best[threadIdx.x] = max(best[threadIdx.x], best[threadIdx.x + s]);
    __syncthreads();
  }
  if (threadIdx.x == 0) out[blockIdx.x] = best[0];
}

// Per block: the MetricSums of its elements, reduced in a fixed tree order.
__global__ void __launch_bounds__(kThreads) sums_kernel(const float* __restrict__ test,
                                                        const float* __restrict__ ref,
                                                        std::int64_t n, double floor,
                                                        MetricSums* __restrict__ out) {
  // raw storage: a __shared__ array cannot have MetricSums' member initializers run
  __shared__ alignas(MetricSums) unsigned char raw[kThreads * sizeof(MetricSums)];
  MetricSums* part = reinterpret_cast<MetricSums*>(raw);
  MetricSums s;
  for (std::int64_t i = blockIdx.x * std::int64_t{kThreads} + threadIdx.x; i < n;
       i += std::int64_t{kBlocks} * kThreads) {
    s.add(static_cast<double>(test[i]), static_cast<double>(ref[i]), floor);
  }
  part[threadIdx.x] = s;
  __syncthreads();
  for (int k = kThreads / 2; k > 0; k /= 2) {
    if (threadIdx.x < k) part[threadIdx.x].merge(part[threadIdx.x + k]);
    __syncthreads();
  }
  if (threadIdx.x == 0) out[blockIdx.x] = part[0];
}

}  // namespace

ErrorMetrics compare_on_device(const float* test, const float* reference, std::int64_t n,
                               cudaStream_t stream, const MetricOptions& options) {
  PT_REQUIRE(n >= 0, invalid_argument, "compare_on_device: n = " << n);
  PT_REQUIRE(n == 0 || (test != nullptr && reference != nullptr), invalid_argument,
             "compare_on_device: null pointer (test=" << test << ", reference=" << reference
                                                      << ")");
  PT_REQUIRE(options.rel_floor >= 0.0 && std::isfinite(options.rel_floor), invalid_argument,
             "compare_on_device: rel_floor must be finite and >= 0, got " << options.rel_floor);
  if (n == 0) return detail::finish(MetricSums{});

  DeviceBuffer<unsigned> max_bits(kBlocks);
  ref_max_kernel<<<kBlocks, kThreads, 0, stream>>>(reference, n, max_bits.data());
  PT_CUDA_CHECK_MSG(cudaGetLastError(), "launching the reference-maximum kernel");
  std::vector<unsigned> bits(kBlocks);
  PT_CUDA_CHECK(cudaMemcpyAsync(bits.data(), max_bits.data(), kBlocks * sizeof(unsigned),
                                cudaMemcpyDeviceToHost, stream));
  PT_CUDA_CHECK(cudaStreamSynchronize(stream));
  float ref_max = 0.0f;
  const unsigned top = *std::max_element(bits.begin(), bits.end());
  std::memcpy(&ref_max, &top, sizeof ref_max);
  const double floor = options.rel_floor * static_cast<double>(ref_max);

  DeviceBuffer<MetricSums> parts(kBlocks);
  sums_kernel<<<kBlocks, kThreads, 0, stream>>>(test, reference, n, floor, parts.data());
  PT_CUDA_CHECK_MSG(cudaGetLastError(), "launching the error-metrics kernel");
  std::vector<MetricSums> host(kBlocks);
  PT_CUDA_CHECK(cudaMemcpyAsync(host.data(), parts.data(), kBlocks * sizeof(MetricSums),
                                cudaMemcpyDeviceToHost, stream));
  PT_CUDA_CHECK(cudaStreamSynchronize(stream));
  MetricSums total;
  for (const MetricSums& p : host) total.merge(p);
  return detail::finish(total);
}

}  // namespace plantune::precision
