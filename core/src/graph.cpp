#include "plantune/core/graph.h"

#include <unordered_set>

#include "plantune/core/error.h"

namespace plantune {

namespace {

// Byte count of a tensor, throwing overflow naming the tensor when it leaves int64.
void check_bytes(const std::string& tensor_name, const TensorShape& s, DType t) {
  std::int64_t n = dtype_size(t);
  for (auto d : s.dims) {
    PT_REQUIRE(!__builtin_mul_overflow(n, d, &n), overflow,
               "tensor '" << tensor_name << "' " << to_string(s) << " " << to_string(t)
                          << ": byte count overflows 64 bits");
  }
}

void check_shape(const std::string& tensor_name, const TensorShape& s) {
  PT_REQUIRE(s.rank() >= 1, invalid_argument, "tensor '" << tensor_name << "' has rank 0");
  PT_REQUIRE(s.valid(), invalid_argument,
             "tensor '" << tensor_name << "' has a non-positive dim: " << to_string(s));
  PT_REQUIRE(s.layout == Layout::nchw || s.rank() == 4, invalid_argument,
             "tensor '" << tensor_name << "' " << to_string(s)
                        << ": layout nhwc applies to 4-D tensors only");
}

}  // namespace

TensorId Graph::add_input(std::string name, TensorShape shape, DType dtype) {
  PT_REQUIRE(!name.empty(), invalid_argument, "graph input with an empty name");
  PT_REQUIRE(!find_tensor(name), invalid_argument,
             "graph input '" << name << "': a tensor of that name already exists");
  check_shape(name, shape);
  check_bytes(name, shape, dtype);
  auto id = static_cast<TensorId>(tensors_.size());
  tensors_.push_back(Tensor{std::move(name), std::move(shape), dtype});
  producer_.push_back(-1);
  inputs_.push_back(id);
  return id;
}

TensorId Graph::add_op(std::string name, OpKind kind, std::vector<TensorId> inputs, OpAttrs attrs,
                       std::string output_name) {
  PT_REQUIRE(!name.empty(), invalid_argument,
             "an op of kind " << to_string(kind) << " has an empty name");
  for (const auto& op : ops_) {
    PT_REQUIRE(
        op.name != name, invalid_argument,
        "op '" << name << "' (" << to_string(kind) << "): an op of that name already exists");
  }
  if (output_name.empty()) output_name = name;
  PT_REQUIRE(!find_tensor(output_name), invalid_argument,
             "op '" << name << "' (" << to_string(kind) << "): output tensor '" << output_name
                    << "' already exists");
  PT_REQUIRE(!inputs.empty(), invalid_argument,
             "op '" << name << "' (" << to_string(kind) << ") has no inputs");
  std::vector<TensorShape> shapes;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    TensorId t = inputs[i];
    PT_REQUIRE(t >= 0 && static_cast<std::size_t>(t) < tensors_.size(), invalid_argument,
               "op '" << name << "' (" << to_string(kind) << "): input " << i << " is tensor id "
                      << t << ", which does not exist (" << tensors_.size() << " tensors)");
    PT_REQUIRE(tensors_[t].dtype == tensors_[inputs[0]].dtype, invalid_argument,
               "op '" << name << "' (" << to_string(kind) << "): input '" << tensors_[t].name
                      << "' is " << to_string(tensors_[t].dtype) << " but input '"
                      << tensors_[inputs[0]].name << "' is "
                      << to_string(tensors_[inputs[0]].dtype));
    shapes.push_back(tensors_[t].shape);
  }
  Op op{std::move(name), kind, std::move(inputs), -1, std::move(attrs)};
  TensorShape out = infer_output_shape(op, shapes);
  DType dtype = tensors_[op.inputs[0]].dtype;
  check_bytes(output_name, out, dtype);
  auto id = static_cast<TensorId>(tensors_.size());
  op.output = id;
  tensors_.push_back(Tensor{std::move(output_name), std::move(out), dtype});
  producer_.push_back(static_cast<std::int32_t>(ops_.size()));
  ops_.push_back(std::move(op));
  return id;
}

void Graph::mark_output(TensorId t) {
  const Tensor& tensor = this->tensor(t);
  for (TensorId o : outputs_) {
    PT_REQUIRE(o != t, invalid_argument,
               "tensor '" << tensor.name << "' is already a graph output");
  }
  outputs_.push_back(t);
}

const Tensor& Graph::tensor(TensorId id) const {
  PT_REQUIRE(id >= 0 && static_cast<std::size_t>(id) < tensors_.size(), invalid_argument,
             "graph '" << name_ << "': tensor id " << id << " does not exist (" << tensors_.size()
                       << " tensors)");
  return tensors_[id];
}

std::optional<TensorId> Graph::find_tensor(std::string_view name) const {
  for (std::size_t i = 0; i < tensors_.size(); ++i) {
    if (tensors_[i].name == name) return static_cast<TensorId>(i);
  }
  return std::nullopt;
}

std::optional<std::size_t> Graph::producer(TensorId t) const {
  tensor(t);  // range check
  if (producer_[t] < 0) return std::nullopt;
  return static_cast<std::size_t>(producer_[t]);
}

std::vector<TensorShape> Graph::input_shapes(std::size_t op_index) const {
  PT_REQUIRE(op_index < ops_.size(), invalid_argument,
             "graph '" << name_ << "': op index " << op_index << " does not exist (" << ops_.size()
                       << " ops)");
  std::vector<TensorShape> shapes;
  for (TensorId t : ops_[op_index].inputs) shapes.push_back(tensor(t).shape);
  return shapes;
}

void Graph::validate() const {
  PT_REQUIRE(producer_.size() == tensors_.size(), internal,
             "graph '" << name_ << "': producer table out of sync");
  std::unordered_set<std::string_view> tensor_names, op_names;
  for (const auto& t : tensors_) {
    PT_REQUIRE(!t.name.empty(), invalid_argument, "graph '" << name_ << "': a tensor has no name");
    PT_REQUIRE(tensor_names.insert(t.name).second, invalid_argument,
               "tensor '" << t.name << "' is defined more than once");
    check_shape(t.name, t.shape);
    check_bytes(t.name, t.shape, t.dtype);
  }
  for (TensorId t : inputs_) {
    tensor(t);  // range check
    PT_REQUIRE(producer_[t] < 0, invalid_argument,
               "graph input '" << tensors_[t].name << "' is also produced by an op");
  }
  for (std::size_t i = 0; i < ops_.size(); ++i) {
    const Op& op = ops_[i];
    PT_REQUIRE(op_names.insert(op.name).second, invalid_argument,
               "op '" << op.name << "' is defined more than once");
    PT_REQUIRE(attrs_match(op.kind, op.attrs), invalid_argument,
               "op '" << op.name << "' (" << to_string(op.kind)
                      << "): attributes are of the wrong type for this kind");
    PT_REQUIRE(!op.inputs.empty(), invalid_argument,
               "op '" << op.name << "' (" << to_string(op.kind) << ") has no inputs");
    for (TensorId t : op.inputs) {
      PT_REQUIRE(t >= 0 && static_cast<std::size_t>(t) < tensors_.size(), invalid_argument,
                 "op '" << op.name << "' (" << to_string(op.kind) << "): input tensor id " << t
                        << " does not exist");
      PT_REQUIRE(producer_[t] < static_cast<std::int32_t>(i), invalid_argument,
                 "op '" << op.name << "' (" << to_string(op.kind) << "): input '"
                        << tensors_[t].name << "' is used before it is defined");
    }
    PT_REQUIRE(op.output >= 0 && static_cast<std::size_t>(op.output) < tensors_.size() &&
                   producer_[op.output] == static_cast<std::int32_t>(i),
               invalid_argument,
               "op '" << op.name << "' (" << to_string(op.kind)
                      << "): its output is not a tensor it defines");
    TensorShape inferred = infer_output_shape(op, input_shapes(i));
    const Tensor& out = tensors_[op.output];
    PT_REQUIRE(inferred == out.shape, invalid_argument,
               "op '" << op.name << "' (" << to_string(op.kind) << "): output '" << out.name
                      << "' has shape " << to_string(out.shape) << " but inference gives "
                      << to_string(inferred));
  }
  PT_REQUIRE(!outputs_.empty(), invalid_argument,
             "graph '" << name_ << "' has no outputs (mark at least one tensor as an output)");
  std::unordered_set<TensorId> seen;
  for (TensorId t : outputs_) {
    tensor(t);
    PT_REQUIRE(seen.insert(t).second, invalid_argument,
               "tensor '" << tensors_[t].name << "' is listed as a graph output more than once");
  }
}

std::int64_t Graph::param_count() const {
  std::int64_t n = 0;
  for (std::size_t i = 0; i < ops_.size(); ++i) {
    n = checked_add(n, op_params(ops_[i], input_shapes(i)), "parameter count");
  }
  return n;
}

std::int64_t Graph::macs() const {
  std::int64_t n = 0;
  for (std::size_t i = 0; i < ops_.size(); ++i) {
    n = checked_add(n, op_macs(ops_[i], input_shapes(i), tensors_[ops_[i].output].shape), "MACs");
  }
  return n;
}

std::int64_t Graph::flops() const {
  std::int64_t n = 0;
  for (std::size_t i = 0; i < ops_.size(); ++i) {
    n = checked_add(n, op_flops(ops_[i], input_shapes(i), tensors_[ops_[i].output].shape), "FLOPs");
  }
  return n;
}

std::size_t Graph::count(OpKind k) const {
  std::size_t n = 0;
  for (const auto& op : ops_) n += op.kind == k;
  return n;
}

}  // namespace plantune
