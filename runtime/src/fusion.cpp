#include "plantune/runtime/fusion.h"

#include <algorithm>

#include "plantune/core/error.h"

namespace plantune::runtime {

std::size_t FusionResult::executed_layers() const {
  return static_cast<std::size_t>(std::count_if(
      layers.begin(), layers.end(), [](const Layer& l) { return !is_view(l.kind); }));
}

namespace {

// Readers of every tensor (op indices, one entry per read) and whether it is a graph output.
struct Uses {
  std::vector<std::vector<std::size_t>> readers;
  std::vector<bool> is_output;
};

Uses uses_of(const Graph& g) {
  Uses u;
  u.readers.resize(g.tensors().size());
  u.is_output.assign(g.tensors().size(), false);
  for (std::size_t i = 0; i < g.ops().size(); ++i)
    for (TensorId t : g.ops()[i].inputs) u.readers[static_cast<std::size_t>(t)].push_back(i);
  for (TensorId t : g.outputs()) u.is_output[static_cast<std::size_t>(t)] = true;
  return u;
}

// The single op reading `t`, when exactly one read exists and `t` is not a graph output.
std::optional<std::size_t> sole_reader(const Uses& u, TensorId t) {
  const auto& r = u.readers[static_cast<std::size_t>(t)];
  if (r.size() != 1 || u.is_output[static_cast<std::size_t>(t)]) return std::nullopt;
  return r.front();
}

std::string why_not_sole(const Uses& u, TensorId t) {
  if (u.is_output[static_cast<std::size_t>(t)]) return "its output is a graph output";
  return "its output is read by " + std::to_string(u.readers[static_cast<std::size_t>(t)].size()) +
         " ops";
}

Activation own_activation(const Op& op) {
  if (const auto* c = std::get_if<ConvAttrs>(&op.attrs)) return c->activation;
  if (const auto* f = std::get_if<FullyConnectedAttrs>(&op.attrs)) return f->activation;
  if (const auto* e = std::get_if<EltwiseAttrs>(&op.attrs)) return e->activation;
  return Activation::none;
}

bool own_bias(const Op& op) {
  if (const auto* c = std::get_if<ConvAttrs>(&op.attrs)) return c->bias;
  if (const auto* f = std::get_if<FullyConnectedAttrs>(&op.attrs)) return f->bias;
  return false;
}

}  // namespace

FusionResult fuse(const Graph& g, const FusionOptions& options) {
  const auto& ops = g.ops();
  const Uses uses = uses_of(g);
  FusionResult result;
  result.ops_before = ops.size();

  // absorbed[i]: op i was absorbed into an earlier-started layer.
  std::vector<bool> absorbed(ops.size(), false);
  // Layers in the order of their last absorbed op (a topological order: every input of the
  // layer is produced by an op before its primary op or by the residual's producer, which is
  // earlier than the add it was taken from).
  std::vector<std::pair<std::size_t, Layer>> placed;

  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (absorbed[i]) continue;
    const Op& op = ops[i];
    Layer layer;
    layer.name = op.name;
    layer.primary_op = i;
    layer.kind = op.kind;
    layer.inputs = op.inputs;
    layer.output = op.output;
    layer.ops.push_back(i);
    layer.epilogue.bias = own_bias(op);
    layer.epilogue.activation = own_activation(op);
    std::size_t last = i;

    const bool conv = op.kind == OpKind::conv2d;
    const bool fc = op.kind == OpKind::fully_connected;
    const bool add = op.kind == OpKind::add;

    // conv2d -> batch_norm
    if (conv && options.fold_batch_norm && layer.epilogue.activation == Activation::none) {
      auto r = sole_reader(uses, layer.output);
      if (r && ops[*r].kind == OpKind::batch_norm) {
        layer.folded_bn = *r;
        layer.epilogue.bias = true;
        layer.ops.push_back(*r);
        layer.output = ops[*r].output;
        absorbed[*r] = true;
        last = *r;
      } else if (!r && !uses.readers[static_cast<std::size_t>(layer.output)].empty()) {
        for (std::size_t reader : uses.readers[static_cast<std::size_t>(layer.output)])
          if (ops[reader].kind == OpKind::batch_norm) {
            result.notes.push_back({op.name, "batch norm '" + ops[reader].name +
                                                 "' not folded: " +
                                                 why_not_sole(uses, layer.output)});
            break;
          }
      }
    }

    // conv2d -> add(conv, z) with z computed before the add (always true in a topological
    // order) -> the add becomes the conv's residual epilogue.
    if (conv && options.fuse_residual && layer.epilogue.activation == Activation::none) {
      auto r = sole_reader(uses, layer.output);
      if (r && ops[*r].kind == OpKind::add && !absorbed[*r]) {
        const Op& a = ops[*r];
        const TensorId other = a.inputs[0] == layer.output ? a.inputs[1] : a.inputs[0];
        if (a.inputs[0] == a.inputs[1]) {
          result.notes.push_back({a.name, "add reads the same tensor twice"});
        } else {
          layer.epilogue.residual = other;
          layer.epilogue.activation = std::get<EltwiseAttrs>(a.attrs).activation;
          layer.ops.push_back(*r);
          layer.output = a.output;
          absorbed[*r] = true;
          last = *r;
        }
      }
    }

    // -> activation
    if ((conv || fc || add) && options.fuse_activation &&
        layer.epilogue.activation == Activation::none) {
      auto r = sole_reader(uses, layer.output);
      if (r && ops[*r].kind == OpKind::activation) {
        layer.epilogue.activation = std::get<ActivationAttrs>(ops[*r].attrs).kind;
        layer.ops.push_back(*r);
        layer.output = ops[*r].output;
        absorbed[*r] = true;
        last = *r;
      }
    }
    placed.emplace_back(last, std::move(layer));
  }

  std::stable_sort(placed.begin(), placed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  result.layers.reserve(placed.size());
  for (auto& [pos, layer] : placed) result.layers.push_back(std::move(layer));

  // Every op in exactly one layer; every layer's reads produced earlier (or graph inputs).
  std::vector<bool> ready(g.tensors().size(), false);
  for (TensorId t : g.inputs()) ready[static_cast<std::size_t>(t)] = true;
  std::size_t covered = 0;
  for (const Layer& l : result.layers) {
    for (TensorId t : l.reads())
      PT_REQUIRE(ready[static_cast<std::size_t>(t)], internal,
                 "fusion: layer '" + l.name + "' reads tensor '" + g.tensor(t).name +
                     "' before it is produced");
    ready[static_cast<std::size_t>(l.output)] = true;
    covered += l.ops.size();
  }
  PT_REQUIRE(covered == ops.size(), internal,
             "fusion: layers cover " + std::to_string(covered) + " of " +
                 std::to_string(ops.size()) + " ops");
  return result;
}

}  // namespace plantune::runtime
