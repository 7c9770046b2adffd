#pragma once
// Folding an inference batch norm into the convolution before it.
//
// conv then batch_norm computes, per output channel k,
//   y[k] = gamma[k] * (conv(x, w)[k] + b[k] - mean[k]) / sqrt(var[k] + eps) + beta[k]
// which is one conv with w'[k] = w[k] * s[k] and b'[k] = (b[k] - mean[k]) * s[k] + beta[k],
// s[k] = gamma[k] / sqrt(var[k] + eps). The fusion pass (fusion.h) marks such pairs; the
// engine builds their weights with fold_batch_norm().
#include <vector>

#include "plantune/runtime/weights.h"

namespace plantune::runtime {

struct FoldedConv {
  HostTensor weight;        // the conv weight's dims, each output channel scaled
  std::vector<float> bias;  // one per output channel (always present after folding)
};

// Folds (gamma, beta, mean, var, epsilon) into `conv_weight`, whose dims[0] is the output
// channel count K: conv2d's [K, C/groups, R, S] (grouped and depthwise included) or a fully
// connected layer's [out, in]. Not for conv_transpose2d, whose output channel is dims[1].
// `conv_bias` is the conv's own bias (K values) or nullptr for none. gamma, beta, mean and var
// must each have dims [K]. Computed in double, rounded to float once. Throws invalid_argument
// on mismatched sizes, a rank-0 weight, a negative or non-finite epsilon, or var + epsilon <= 0
// (naming the channel).
FoldedConv fold_batch_norm(const HostTensor& conv_weight, const std::vector<float>* conv_bias,
                           const HostTensor& gamma, const HostTensor& beta, const HostTensor& mean,
                           const HostTensor& var, double epsilon);

}  // namespace plantune::runtime
