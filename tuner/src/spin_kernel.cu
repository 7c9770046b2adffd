#include <cstdint>

#include "device_kernels.h"
#include "plantune/tuner/measure.h"

namespace plantune::tuner {
namespace {

__device__ inline std::uint64_t global_ns() {
  std::uint64_t t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}

__global__ void spin_kernel(std::uint64_t ns) {
  const std::uint64_t start = global_ns();
  while (global_ns() - start < ns) {
  }
}

}  // namespace

void enqueue_spin(cudaStream_t stream, double microseconds) {
  if (microseconds <= 0) return;
  spin_kernel<<<1, 1, 0, stream>>>(static_cast<std::uint64_t>(microseconds * 1000.0));
  PT_CHECK_LAUNCH("the spin kernel");
}

}  // namespace plantune::tuner
