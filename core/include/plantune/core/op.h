#pragma once
// Network operations: kinds, attributes, shape inference, parameter and FLOP counts.
//
// Every op has one or more data inputs and exactly one output tensor. Weights are not graph
// tensors: they are parameters implied by the attributes (a conv2d with C input channels has
// K x C/groups x R x S weights, plus K biases when `bias`). Activations apply after the op.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "plantune/core/shape.h"

namespace plantune {

enum class OpKind {
  conv2d,            // ConvAttrs; input [N, C, H, W]
  conv_transpose2d,  // ConvAttrs (output_pad used); input [N, C, H, W]
  batch_norm,        // BatchNormAttrs; inference form, per-channel scale and shift
  activation,        // ActivationAttrs
  max_pool,          // PoolAttrs
  avg_pool,          // PoolAttrs
  global_avg_pool,   // NoAttrs; [N, C, H, W] -> [N, C, 1, 1]
  add,               // EltwiseAttrs; two inputs of one shape
  mul,               // EltwiseAttrs; two inputs, the second may broadcast [N, C, 1, 1]
  concat,            // ConcatAttrs; two or more inputs
  fully_connected,   // FullyConnectedAttrs; input [N, F] (or [N, F, 1, 1])
  softmax,           // SoftmaxAttrs
  flatten,           // FlattenAttrs; a view: same bytes, new shape
  reshape,           // ReshapeAttrs; a view
  upsample,          // UpsampleAttrs; nearest or bilinear, integer scale
};

enum class Activation { none, relu, relu6, sigmoid, silu, gelu, hard_swish };
enum class UpsampleMode { nearest, bilinear };

struct NoAttrs {
  bool operator==(const NoAttrs&) const = default;
};

struct ConvAttrs {
  std::int64_t out_channels = 0;
  std::int64_t kernel_h = 1, kernel_w = 1;
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t pad_h = 0, pad_w = 0;
  std::int64_t dilation_h = 1, dilation_w = 1;
  std::int64_t groups = 1;
  std::int64_t output_pad_h = 0, output_pad_w = 0;  // conv_transpose2d only
  bool bias = false;
  Activation activation = Activation::none;
  bool operator==(const ConvAttrs&) const = default;
};

struct BatchNormAttrs {
  double epsilon = 1e-5;
  bool operator==(const BatchNormAttrs&) const = default;
};

struct ActivationAttrs {
  Activation kind = Activation::relu;
  bool operator==(const ActivationAttrs&) const = default;
};

struct PoolAttrs {
  std::int64_t kernel_h = 2, kernel_w = 2;
  std::int64_t stride_h = 2, stride_w = 2;
  std::int64_t pad_h = 0, pad_w = 0;
  bool ceil_mode = false;
  bool operator==(const PoolAttrs&) const = default;
};

struct EltwiseAttrs {
  Activation activation = Activation::none;  // applied to the result
  bool operator==(const EltwiseAttrs&) const = default;
};

struct ConcatAttrs {
  int axis = 1;
  bool operator==(const ConcatAttrs&) const = default;
};

struct FullyConnectedAttrs {
  std::int64_t out_features = 0;
  bool bias = true;
  Activation activation = Activation::none;
  bool operator==(const FullyConnectedAttrs&) const = default;
};

struct SoftmaxAttrs {
  int axis = 1;
  bool operator==(const SoftmaxAttrs&) const = default;
};

struct FlattenAttrs {
  int start_axis = 1;  // dims [start_axis, rank) merge into one
  bool operator==(const FlattenAttrs&) const = default;
};

struct ReshapeAttrs {
  std::vector<std::int64_t> shape;  // at most one -1, inferred
  bool operator==(const ReshapeAttrs&) const = default;
};

struct UpsampleAttrs {
  std::int64_t scale_h = 2, scale_w = 2;
  UpsampleMode mode = UpsampleMode::nearest;
  bool operator==(const UpsampleAttrs&) const = default;
};

using OpAttrs = std::variant<NoAttrs, ConvAttrs, BatchNormAttrs, ActivationAttrs, PoolAttrs,
                             EltwiseAttrs, ConcatAttrs, FullyConnectedAttrs, SoftmaxAttrs,
                             FlattenAttrs, ReshapeAttrs, UpsampleAttrs>;

using TensorId = std::int32_t;

struct Op {
  std::string name;
  OpKind kind = OpKind::activation;
  std::vector<TensorId> inputs;
  TensorId output = -1;
  OpAttrs attrs;
};

std::string_view to_string(OpKind k);
std::optional<OpKind> op_kind_from_string(std::string_view s);
std::string_view to_string(Activation a);
std::optional<Activation> activation_from_string(std::string_view s);
std::string_view to_string(UpsampleMode m);
std::optional<UpsampleMode> upsample_mode_from_string(std::string_view s);

// The attribute type an op kind carries (e.g. ConvAttrs for conv2d); the default-constructed
// value of that alternative.
OpAttrs default_attrs(OpKind k);
// True when `attrs` holds the alternative `k` needs.
bool attrs_match(OpKind k, const OpAttrs& attrs);

// Output shape of `op` given its input shapes. Throws ErrorCode::invalid_argument naming the op
// and the problem (wrong input count, rank, channel mismatch, non-positive result, ...).
TensorShape infer_output_shape(const Op& op, std::span<const TensorShape> inputs);

// Trainable parameters the op owns (PyTorch's count: conv/fc weights and biases, batch-norm
// gamma and beta; running statistics excluded).
std::int64_t op_params(const Op& op, std::span<const TensorShape> inputs);
// Multiply-accumulates of conv, transposed conv and fully connected ops; 0 for the others.
std::int64_t op_macs(const Op& op, std::span<const TensorShape> inputs, const TensorShape& output);
// Floating-point operations: 2 x MACs for conv/fc, one per output element (or per input element
// read, for pooling windows) for the rest; 0 for views (flatten, reshape) and concat (a copy).
std::int64_t op_flops(const Op& op, std::span<const TensorShape> inputs, const TensorShape& output);
// True for ops whose output is a view of their (single) input's storage: flatten, reshape.
bool is_view(OpKind k);

}  // namespace plantune
