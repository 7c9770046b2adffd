#include "plantune/runtime/step_weights.h"

#include <cmath>
#include <cstring>

#include "plantune/core/error.h"
#include "plantune/layouts/filter_transform.h"
#include "plantune/precision/host_cast.h"
#include "plantune/runtime/bn_folding.h"

namespace plantune::runtime {

namespace {

const Op& op_named(const Graph& g, const std::string& name, const std::string& step) {
  for (const Op& op : g.ops())
    if (op.name == name) return op;
  PT_FAIL(invalid_argument, "schedule step '" << step << "' names op '" << name
                                              << "', which the network does not have");
}

const HostTensor& tensor(const WeightStore& w, const std::string& name, std::size_t numel,
                         const std::string& step) {
  const HostTensor* t = w.find(name);
  PT_REQUIRE(t != nullptr, invalid_argument,
             "step '" << step << "': weight '" << name << "' is missing");
  PT_REQUIRE(t->data.size() == numel, invalid_argument,
             "step '" << step << "': weight '" << name << "' has " << t->data.size()
                      << " values, expected " << numel);
  return *t;
}

std::vector<std::byte> cast(const std::vector<float>& v, DType t) {
  std::vector<std::byte> out(v.size() * static_cast<std::size_t>(dtype_size(t)));
  precision::cast_host(v.data(), DType::fp32, out.data(), t, static_cast<std::int64_t>(v.size()));
  return out;
}

std::size_t product(const std::vector<std::int64_t>& d) {
  std::size_t n = 1;
  for (auto x : d) n *= static_cast<std::size_t>(x);
  return n;
}

}  // namespace

StepWeights prepare_step_weights(const Schedule& s, const ScheduleStep& st,
                                 const WeightStore& weights) {
  StepWeights out;
  if (st.kind != StepKind::layer) return out;
  const Graph& g = s.graph;
  const DType run = tuner::storage_dtype(s.precision);
  const Op& op = op_named(g, st.ops.at(0), st.name);
  if (op.kind == OpKind::conv2d) {
    const auto& a = std::get<ConvAttrs>(op.attrs);
    const auto in_shape = g.tensor(op.inputs.at(0)).shape;
    const std::int64_t k = a.out_channels, c = in_shape.dims.at(1) / a.groups;
    const std::vector<std::int64_t> wd = {k, c, a.kernel_h, a.kernel_w};
    HostTensor w = tensor(weights, op.name + ".weight", product(wd), st.name);
    w.dims = wd;
    std::vector<float> bias;
    if (a.bias) bias = tensor(weights, op.name + ".bias", static_cast<std::size_t>(k), st.name).data;
    if (st.folded_bn) {
      const Op& bn = op_named(g, *st.folded_bn, st.name);
      const auto kk = static_cast<std::size_t>(k);
      FoldedConv f = fold_batch_norm(
          w, a.bias ? &bias : nullptr, tensor(weights, bn.name + ".weight", kk, st.name),
          tensor(weights, bn.name + ".bias", kk, st.name),
          tensor(weights, bn.name + ".running_mean", kk, st.name),
          tensor(weights, bn.name + ".running_var", kk, st.name),
          std::get<BatchNormAttrs>(bn.attrs).epsilon);
      w = std::move(f.weight);
      bias = std::move(f.bias);
    }
    PT_REQUIRE(st.tactic.has_value(), invalid_argument,
               "schedule step '" << st.name << "' (conv2d) has no tactic");
    const auto& v = st.tactic->tactic.variant;
    PT_REQUIRE(v.padded_c == 0 && v.padded_k == 0, invalid_argument,
               "schedule step '" << st.name << "': channel-padded variants ("
                                 << tuner::to_string(v) << ") are not run by the engine");
    out.dtype = tuner::storage_dtype(v.precision);
    std::vector<float> laid = w.data;
    if (v.layout == Layout::nhwc)
      laid = layouts::transform_filter(w.data, layouts::Dims4{k, c, a.kernel_h, a.kernel_w},
                                       layouts::kKCRS, layouts::kKRSC);
    out.weight = cast(laid, out.dtype);
    if (st.bias) {
      PT_REQUIRE(bias.size() == static_cast<std::size_t>(k), invalid_argument,
                 "schedule step '" << st.name << "' has a bias but the conv has none to fold");
      out.bias = cast(bias, out.dtype);
    }
  } else if (op.kind == OpKind::fully_connected) {
    const auto& a = std::get<FullyConnectedAttrs>(op.attrs);
    const std::int64_t in = g.tensor(op.inputs.at(0)).shape.numel() /
                            g.tensor(op.inputs.at(0)).shape.dims.at(0);
    const auto& w = tensor(weights, op.name + ".weight",
                           static_cast<std::size_t>(a.out_features * in), st.name);
    out.dtype = run;
    out.weight = cast(w.data, run);
    if (a.bias)
      out.bias = cast(tensor(weights, op.name + ".bias",
                             static_cast<std::size_t>(a.out_features), st.name).data, run);
  } else if (op.kind == OpKind::batch_norm) {
    const auto c = static_cast<std::size_t>(g.tensor(op.inputs.at(0)).shape.dims.at(1));
    const auto& gamma = tensor(weights, op.name + ".weight", c, st.name).data;
    const auto& beta = tensor(weights, op.name + ".bias", c, st.name).data;
    const auto& mean = tensor(weights, op.name + ".running_mean", c, st.name).data;
    const auto& var = tensor(weights, op.name + ".running_var", c, st.name).data;
    const double eps = std::get<BatchNormAttrs>(op.attrs).epsilon;
    out.dtype = DType::fp32;
    for (std::size_t i = 0; i < c; ++i) {
      const double sc = gamma[i] / std::sqrt(static_cast<double>(var[i]) + eps);
      out.scale.push_back(static_cast<float>(sc));
      out.shift.push_back(static_cast<float>(beta[i] - mean[i] * sc));
    }
  }
  return out;
}

}  // namespace plantune::runtime
