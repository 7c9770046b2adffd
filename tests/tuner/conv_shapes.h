#pragma once
// Convolution shapes and light tuning options shared by the tuner's GPU tests.
#include <string>
#include <vector>

#include "plantune/tuner/problem_key.h"
#include "plantune/tuner/tuner.h"

namespace plantune::tuner::testing {

struct NamedShape {
  std::string name;
  ConvProblem problem;
};

inline ConvProblem conv(std::int64_t n, std::int64_t c, std::int64_t hw, std::int64_t k,
                        std::int64_t rs, std::int64_t pad, std::int64_t stride,
                        std::int64_t groups = 1, std::int64_t dilation = 1) {
  ConvProblem p;
  p.n = n, p.c = c, p.h = hw, p.w = hw, p.k = k, p.r = rs, p.s = rs;
  p.pad_h = p.pad_w = pad;
  p.stride_h = p.stride_w = stride;
  p.dilation_h = p.dilation_w = dilation;
  p.groups = groups;
  return p;
}

// Small shapes covering what cuDNN treats differently: plain, grouped, depthwise, strided,
// 7x7 stride 2 on 3 channels, dilated, 1x1.
inline std::vector<NamedShape> test_shapes() {
  return {
      {"3x3", conv(2, 16, 9, 32, 3, 1, 1)},
      {"grouped", conv(2, 32, 8, 64, 3, 1, 1, 4)},
      {"depthwise", conv(2, 32, 10, 32, 3, 1, 1, 32)},
      {"strided", conv(2, 16, 11, 24, 3, 1, 2)},
      {"7x7s2", conv(2, 3, 32, 16, 7, 3, 2)},
      {"dilated", conv(1, 8, 12, 8, 3, 2, 1, 1, 2)},
      {"1x1", conv(2, 64, 7, 32, 1, 0, 1)},
  };
}

// Options that keep a test's tuning to a fraction of a second per variant.
inline TuneOptions quick_options() {
  TuneOptions o;
  o.measure.warmup_ms = 0.2;
  o.measure.warmup_min_runs = 1;
  o.measure.min_runs = 5;
  o.measure.max_runs = 20;
  o.measure.budget_ms = 20;
  o.halving.first_round_runs = 2;
  o.graph_options.max_configs_per_engine = 2;
  o.graph_options.max_heuristic_configs = 4;
  o.graph_options.heuristic_b = false;
  o.workload.cold_l2 = false;
  return o;
}

}  // namespace plantune::tuner::testing
