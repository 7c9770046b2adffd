#pragma once
// GPU tests begin with:
//   if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: <what it needs>";
// so that ctest reports them as skipped (with the reason in the log) on machines without a GPU.
#include <cuda_runtime.h>

namespace plantune::testing {

inline bool has_cuda_device() {
  int n = 0;
  return cudaGetDeviceCount(&n) == cudaSuccess && n > 0;
}

}  // namespace plantune::testing
