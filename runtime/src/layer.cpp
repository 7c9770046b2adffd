#include "plantune/runtime/layer.h"

namespace plantune::runtime {

std::vector<TensorId> Layer::reads() const {
  std::vector<TensorId> r = inputs;
  if (epilogue.residual) r.push_back(*epilogue.residual);
  return r;
}

std::string describe(const Layer& layer) {
  std::string s(to_string(layer.kind));
  if (layer.folded_bn) s += "+bn";
  if (layer.epilogue.bias && !layer.folded_bn) s += "+bias";
  if (layer.epilogue.residual) s += "+add";
  if (layer.epilogue.activation != Activation::none) {
    s += "+";
    s += to_string(layer.epilogue.activation);
  }
  return s;
}

}  // namespace plantune::runtime
