#pragma once
// Host work spread over threads that all use the calling thread's CUDA device (internal header).
#include <cuda_runtime_api.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

#include "plantune/core/cuda_check.h"

namespace plantune::tuner::detail {

// Calls fn(i) for every i in [0, count), on up to `threads` host threads (this one included),
// each with this thread's CUDA device selected; returns when all are done. A worker that cannot
// select the device takes no work (this thread does the rest). `fn` must not throw: it keeps
// what it throws itself (e.g. in a std::exception_ptr per item).
template <typename Fn>
void for_each_on_device_threads(std::size_t count, int threads, Fn&& fn) {
  const int workers = static_cast<int>(std::min<std::size_t>(
                          static_cast<std::size_t>(std::max(threads, 1)), count)) - 1;
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < count;) fn(i);
  };
  if (workers < 1) {
    work();
    return;
  }
  int device = 0;
  PT_CUDA_CHECK(cudaGetDevice(&device));
  std::vector<std::jthread> pool;
  for (int w = 0; w < workers; ++w) {
    pool.emplace_back([&] {
      if (cudaSetDevice(device) == cudaSuccess) work();
    });
  }
  work();
}  // the pool joins here

}  // namespace plantune::tuner::detail
