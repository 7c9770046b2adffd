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

// int8 cases (Note [int8 convolution] in conv_workload.h), each with the variant it runs in:
// a 3x3 layer, a strided 1x1 projection, and an RGB first layer padded C 3 -> 8.
struct Int8Case {
  std::string name;
  ConvProblem problem;
  Variant variant;
};
inline std::vector<Int8Case> int8_shapes() {
  return {
      {"3x3 c64", conv(2, 64, 14, 64, 3, 1, 1), {Layout::nhwc, Precision::int8, 0, 0}},
      {"1x1s2 c256 k512", conv(2, 256, 14, 512, 1, 0, 2), {Layout::nhwc, Precision::int8, 0, 0}},
      {"7x7s2 c3 pad_c8", conv(2, 3, 32, 64, 7, 3, 2), {Layout::nhwc, Precision::int8, 8, 0}},
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
  o.keep_ok = -1;  // tests look at every candidate
  return o;
}

}  // namespace plantune::tuner::testing
