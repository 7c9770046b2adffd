#include "plantune/tuner/problem_from_graph.h"

#include <unordered_set>

#include "plantune/core/error.h"

namespace plantune::tuner {
namespace {

DType accumulation_for(DType t) { return t == DType::int8 ? DType::int32 : DType::fp32; }

}  // namespace

bool is_tunable(OpKind k) { return k == OpKind::conv2d || k == OpKind::fully_connected; }

Problem problem_from_op(const Graph& g, std::size_t op_index, std::optional<std::int64_t> batch) {
  PT_REQUIRE(op_index < g.ops().size(), invalid_argument,
             "graph '" << g.name() << "' has " << g.ops().size() << " ops; no op " << op_index);
  const Op& op = g.ops()[op_index];
  PT_REQUIRE(is_tunable(op.kind) && !op.inputs.empty(), invalid_argument,
             "op '" << op.name << "' (" << to_string(op.kind)
                    << ") is not tunable: only conv2d and fully_connected ops are");
  PT_REQUIRE(!batch || *batch > 0, invalid_argument,
             "batch override for op '" << op.name << "' must be positive, got " << *batch);
  const Tensor& in = g.tensor(op.inputs[0]);
  const Tensor& out = g.tensor(op.output);
  const auto& d = in.shape.dims;

  if (op.kind == OpKind::conv2d) {
    PT_REQUIRE(d.size() == 4, invalid_argument,
               "conv2d op '" << op.name << "': input '" << in.name << "' has shape "
                             << to_string(in.shape) << ", expected [N, C, H, W]");
    const auto& a = std::get<ConvAttrs>(op.attrs);
    ConvProblem p;
    p.n = batch.value_or(d[0]);
    p.c = d[1], p.h = d[2], p.w = d[3];
    p.k = a.out_channels, p.r = a.kernel_h, p.s = a.kernel_w;
    p.pad_h = a.pad_h, p.pad_w = a.pad_w;
    p.stride_h = a.stride_h, p.stride_w = a.stride_w;
    p.dilation_h = a.dilation_h, p.dilation_w = a.dilation_w;
    p.groups = a.groups;
    p.x_dtype = p.w_dtype = in.dtype;
    p.y_dtype = out.dtype;
    p.compute = accumulation_for(in.dtype);
    p.validate();
    return p;
  }

  // fully_connected: input [N, F] or [N, F, 1, 1]
  bool flat = d.size() == 2 || (d.size() == 4 && d[2] == 1 && d[3] == 1);
  PT_REQUIRE(flat, invalid_argument,
             "fully_connected op '" << op.name << "': input '" << in.name << "' has shape "
                                    << to_string(in.shape) << ", expected [N, F] or [N, F, 1, 1]");
  const auto& a = std::get<FullyConnectedAttrs>(op.attrs);
  GemmProblem p;
  p.m = batch.value_or(d[0]);
  p.k = d[1];
  p.n = a.out_features;
  p.transa = false;
  p.transb = true;
  p.a_dtype = p.b_dtype = in.dtype;
  p.d_dtype = out.dtype;
  p.compute = accumulation_for(in.dtype);
  p.bias = a.bias;
  p.activation = a.activation;
  p.validate();
  return p;
}

std::vector<TunableOp> tunable_ops(const Graph& g, std::optional<std::int64_t> batch) {
  std::vector<TunableOp> out;
  for (std::size_t i = 0; i < g.ops().size(); ++i) {
    if (!is_tunable(g.ops()[i].kind)) continue;
    out.push_back({i, problem_key(problem_from_op(g, i, batch))});
  }
  return out;
}

std::vector<std::string> tunable_keys(const Graph& g, std::optional<std::int64_t> batch) {
  std::vector<std::string> keys;
  std::unordered_set<std::string> seen;
  for (auto& t : tunable_ops(g, batch)) {
    if (seen.insert(t.key).second) keys.push_back(std::move(t.key));
  }
  return keys;
}

}  // namespace plantune::tuner
