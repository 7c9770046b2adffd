#pragma once
// The network Graph IR: named tensors (shape, dtype) and ops in topological order.
//
// A Graph is built by appending ops whose inputs already exist, so the op list is always a
// topological order. add_op() infers the output shape; validate() re-checks everything (used
// after reading a file). Tensor ids index tensors(); op i defines tensor ops()[i].output.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plantune/core/dtype.h"
#include "plantune/core/op.h"
#include "plantune/core/shape.h"

namespace plantune {

struct Tensor {
  std::string name;
  TensorShape shape;
  DType dtype = DType::fp32;
};

class Graph {
 public:
  explicit Graph(std::string name = "network") : name_(std::move(name)) {}

  const std::string& name() const { return name_; }

  // Declares a graph input. Throws invalid_argument on a duplicate name or a non-positive dim.
  TensorId add_input(std::string name, TensorShape shape, DType dtype = DType::fp32);
  // Appends an op reading `inputs` and creating one output tensor named `output_name`
  // (the op's name when empty); infers its shape. Throws invalid_argument naming the op.
  TensorId add_op(std::string name, OpKind kind, std::vector<TensorId> inputs, OpAttrs attrs,
                  std::string output_name = {});
  // Marks a tensor as a graph output (it must stay alive to the end).
  void mark_output(TensorId t);

  const std::vector<Tensor>& tensors() const { return tensors_; }
  const std::vector<Op>& ops() const { return ops_; }
  const std::vector<TensorId>& inputs() const { return inputs_; }
  const std::vector<TensorId>& outputs() const { return outputs_; }
  const Tensor& tensor(TensorId id) const;
  std::optional<TensorId> find_tensor(std::string_view name) const;
  // Index of the op that defines tensor t; nullopt for graph inputs.
  std::optional<std::size_t> producer(TensorId t) const;
  // Input shapes of op i, in order.
  std::vector<TensorShape> input_shapes(std::size_t op_index) const;

  // Re-checks the whole graph: unique names, inputs defined before use, attributes matching
  // kinds, every output shape equal to its inference, byte counts within 64 bits, at least one
  // output. Throws invalid_argument naming the op or tensor (overflow for a byte count).
  void validate() const;

  std::int64_t param_count() const;
  std::int64_t macs() const;
  std::int64_t flops() const;
  // Number of ops of a kind (e.g. conv2d layers).
  std::size_t count(OpKind k) const;

 private:
  std::string name_;
  std::vector<Tensor> tensors_;
  std::vector<Op> ops_;
  std::vector<TensorId> inputs_;
  std::vector<TensorId> outputs_;
  std::vector<std::int32_t> producer_;  // per tensor: op index or -1
};

}  // namespace plantune
