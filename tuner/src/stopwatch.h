#pragma once
// Wall time of the tuner's phases (the per-variant breakdown in tuner.h and gemm_tuner.h).
#include <chrono>

namespace plantune::tuner::detail {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace plantune::tuner::detail
