#pragma once
// The weights one schedule step uses, prepared on the host in the form its tactic reads:
// batch norm folded into the convolution (bn_folding.h), the filter moved to the tactic's layout
// (KCRS for NCHW, KRSC for NHWC), everything cast to the run precision's storage dtype (the
// bias too: cuDNN's fused epilogues and the epilogue kernel read it in y's dtype). Standalone
// batch norms become an fp32 per-channel scale and shift. Pure host code, so it is tested
// without a GPU; the Engine uploads the bytes once.
#include <cstddef>
#include <vector>

#include "plantune/runtime/schedule.h"
#include "plantune/runtime/weights.h"

namespace plantune::runtime {

struct StepWeights {
  DType dtype = DType::fp32;        // of weight and bias
  std::vector<std::byte> weight;    // conv: [K, C/g, R, S] in the tactic's layout; fc: [out, in]
  std::vector<std::byte> bias;      // [K] / [out]; empty when the step has none
  std::vector<float> scale, shift;  // batch_norm steps: y = x * scale[c] + shift[c]
  bool empty() const { return weight.empty() && bias.empty() && scale.empty(); }
};

// The weights of step `step` of `s` (empty for steps without any). Throws invalid_argument
// naming the step and tensor when a weight is missing or has the wrong shape.
StepWeights prepare_step_weights(const Schedule& s, const ScheduleStep& step,
                                 const WeightStore& weights);

}  // namespace plantune::runtime
