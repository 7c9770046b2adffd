#pragma once
// Layers: the units the runtime executes, each one or more graph ops fused together.
//
// fuse() (fusion.h) turns a Graph's op list into Layers. A layer has one primary op (its kind
// and attributes decide what runs) and may absorb, in this order:
//   * a batch_norm that directly follows a conv2d: folded into the conv's weights and bias at
//     build time (folded_bn);
//   * a residual add whose other operand is already computed: y = conv(x) + bias + z
//     (Epilogue::residual = z);
//   * an activation (a separate activation op, or the add's / conv's own activation attribute).
// The layer's output is the graph tensor of the last op it absorbed; tensors between absorbed
// ops never exist at run time. Layers are in a topological order of the graph (a fused layer
// sits where its last absorbed op was).
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "plantune/core/graph.h"

namespace plantune::runtime {

// What a layer applies after its main computation, in order: + bias[k], + residual, activation.
struct Epilogue {
  bool bias = false;                  // a per-output-channel bias (the conv's own or a folded BN's)
  std::optional<TensorId> residual;   // graph tensor added element-wise (same shape as the output)
  Activation activation = Activation::none;
  bool operator==(const Epilogue&) const = default;
  bool empty() const { return !bias && !residual && activation == Activation::none; }
};

struct Layer {
  std::string name;                   // the primary op's name
  std::size_t primary_op = 0;         // graph op index of the primary op
  OpKind kind = OpKind::conv2d;       // the primary op's kind
  std::vector<TensorId> inputs;       // the primary op's data inputs (not the residual)
  TensorId output = -1;               // the graph tensor this layer writes
  std::optional<std::size_t> folded_bn;  // graph op index of the batch_norm folded in
  Epilogue epilogue;
  std::vector<std::size_t> ops;       // every graph op absorbed, primary first, in graph order
  // Every data tensor the layer reads: inputs, then the residual when there is one.
  std::vector<TensorId> reads() const;
};

// "conv2d+bn+add+relu": the primary op's kind and what was fused into it.
std::string describe(const Layer& layer);

}  // namespace plantune::runtime
