#pragma once
// Weights on the host: named fp32 tensors, what a Graph needs (PyTorch state_dict names and
// shapes), deterministic random weights, and the check that a store fits a graph.
//
// Weights are not graph tensors (op.h): each op implies its parameters from its attributes.
// weight_specs() names them as PyTorch's state_dict does for the same module, so a checkpoint
// exported from torchvision (tools/export_weights.py) loads without renaming:
//   conv2d            "<op>.weight" [K, C/groups, R, S]   "<op>.bias" [K] when ConvAttrs::bias
//   conv_transpose2d  "<op>.weight" [C, K/groups, R, S]   "<op>.bias" [K] when ConvAttrs::bias
//   batch_norm        "<op>.weight" (gamma) [C]  "<op>.bias" (beta) [C]
//                     "<op>.running_mean" [C]    "<op>.running_var" [C]
//   fully_connected   "<op>.weight" [out, in]             "<op>.bias" [out] when bias
// (C: the op's input channels, K: ConvAttrs::out_channels.) Other ops own no weights.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "plantune/core/graph.h"

namespace plantune::runtime {

// A dense row-major fp32 tensor on the host. A rank-0 tensor (dims empty) holds one value.
struct HostTensor {
  std::vector<std::int64_t> dims;
  std::vector<float> data;
  // Product of dims (1 for rank 0). Throws overflow when it leaves int64 and invalid_argument
  // on a negative dim.
  std::int64_t numel() const;
};

// Named host tensors, one per name. Every tensor in a store has data.size() == numel().
class WeightStore {
 public:
  // Inserts `t` under `name`, replacing a tensor already stored under it. Throws
  // invalid_argument on an empty name, a negative dim, or data.size() != numel().
  void set(std::string name, HostTensor t);
  // The tensor stored under `name`, or nullptr.
  const HostTensor* find(std::string_view name) const;
  // The tensor stored under `name`; throws invalid_argument naming it when there is none.
  const HostTensor& at(std::string_view name) const;
  bool contains(std::string_view name) const { return find(name) != nullptr; }
  // Every name, sorted (byte order).
  std::vector<std::string> names() const;
  std::size_t size() const { return tensors_.size(); }
  // Bytes of tensor data held (sum of numel x sizeof(float)).
  std::size_t bytes() const { return bytes_; }

 private:
  std::map<std::string, HostTensor, std::less<>> tensors_;
  std::size_t bytes_ = 0;
};

// One weight tensor a graph needs.
struct WeightSpec {
  std::string name;                 // "layer1.0.conv1.weight"
  std::vector<std::int64_t> dims;   // PyTorch's shape
  std::size_t op_index = 0;         // the graph op that owns it
};

// Every weight tensor of `g`, op by op in graph order, and within an op in PyTorch's order
// (weight, bias, running_mean, running_var). Names are unique because op names are.
// Summing numel over the specs gives g.param_count() plus 2 x the batch-norm channels (the
// running statistics, which param_count leaves out). Throws invalid_argument naming the op when
// its input shape cannot give the weights' shape.
std::vector<WeightSpec> weight_specs(const Graph& g);

// Random weights for every spec of `g`, the same for the same (graph, seed) on every platform
// (own generator, no std:: distributions). Each tensor's stream is derived from the seed and the
// tensor's name, so adding an op does not change the other ops' weights.
//
// Note [random weight ranges]
// Tuning, the engine and the benchmarks run whole networks (ResNet-50: 53 conv layers, 16
// residual additions) in fp16, whose largest value is 65504 and whose precision is 11 bits.
// Uniform N(0, 1)-scale weights would grow activations by ~sqrt(fan_in) per layer and overflow
// within a few layers; tiny weights would underflow to zero. So:
//   * conv / fc weights: U(-b, b), b = sqrt(6 / fan_in) (Kaiming uniform, ReLU gain): the
//     second moment of the activations is kept from layer to layer. fan_in = C/groups x R x S
//     (conv2d), in_features (fc), and for conv_transpose2d the number of products summed into
//     one output element, C/groups x ceil(R/stride_h) x ceil(S/stride_w).
//   * conv / fc biases: U(-b, b), b = min(0.1, 1/sqrt(fan_in)) (PyTorch's range, capped small).
//   * batch_norm: gamma U(0.5, 1.0), beta U(-0.1, 0.1), running_mean U(-0.1, 0.1),
//     running_var U(0.5, 1.5): each BN scales by gamma/sqrt(var) in about [0.4, 1.4] (mean below
//     one), so a conv-bn-relu chain neither explodes nor dies, and a residual stream grows by a
//     small factor per block instead of doubling. running_var >= 0.5 keeps folded scales bounded.
// Measured (weights_test): ResNet-50 at 64x64 keeps every activation below 40 in magnitude, and
// storing weights and activations in fp16 changes its logits by about 0.1% RMS.
WeightStore random_weights(const Graph& g, std::uint64_t seed);

// Checks that `store` holds every tensor of weight_specs(g) with exactly its dims. Throws
// invalid_argument naming the first missing or mis-shaped tensor, its op, and the expected vs
// found dims. Tensors the graph does not need are ignored.
void check_weights(const Graph& g, const WeightStore& store);

// "[64, 3, 7, 7]" ("[]" for a scalar).
std::string dims_to_string(const std::vector<std::int64_t>& dims);

}  // namespace plantune::runtime
