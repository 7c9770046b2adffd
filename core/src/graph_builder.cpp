#include "plantune/core/graph_builder.h"

#include "plantune/core/error.h"

namespace plantune {

TensorId GraphBuilder::input(const std::string& name, std::vector<std::int64_t> dims, DType t) {
  return g_.add_input(name, TensorShape{std::move(dims)}, t);
}

TensorId GraphBuilder::conv(const std::string& name, TensorId x, std::int64_t out_channels,
                            std::int64_t k, std::int64_t stride, std::int64_t pad,
                            std::int64_t groups, bool bias, Activation act, std::int64_t dilation) {
  ConvAttrs a;
  a.out_channels = out_channels;
  a.kernel_h = a.kernel_w = k;
  a.stride_h = a.stride_w = stride;
  a.pad_h = a.pad_w = pad < 0 ? (k - 1) / 2 * dilation : pad;
  a.dilation_h = a.dilation_w = dilation;
  a.groups = groups;
  a.bias = bias;
  a.activation = act;
  return g_.add_op(name, OpKind::conv2d, {x}, a);
}

TensorId GraphBuilder::conv_transpose(const std::string& name, TensorId x,
                                      std::int64_t out_channels, std::int64_t k,
                                      std::int64_t stride, bool bias) {
  ConvAttrs a;
  a.out_channels = out_channels;
  a.kernel_h = a.kernel_w = k;
  a.stride_h = a.stride_w = stride;
  a.bias = bias;
  return g_.add_op(name, OpKind::conv_transpose2d, {x}, a);
}

TensorId GraphBuilder::batch_norm(const std::string& name, TensorId x) {
  return g_.add_op(name, OpKind::batch_norm, {x}, BatchNormAttrs{});
}

TensorId GraphBuilder::act(const std::string& name, TensorId x, Activation a) {
  return g_.add_op(name, OpKind::activation, {x}, ActivationAttrs{a});
}

namespace {
PoolAttrs pool_attrs(std::int64_t k, std::int64_t stride, std::int64_t pad) {
  PoolAttrs a;
  a.kernel_h = a.kernel_w = k;
  a.stride_h = a.stride_w = stride;
  a.pad_h = a.pad_w = pad;
  return a;
}
}  // namespace

TensorId GraphBuilder::max_pool(const std::string& name, TensorId x, std::int64_t k,
                                std::int64_t stride, std::int64_t pad) {
  return g_.add_op(name, OpKind::max_pool, {x}, pool_attrs(k, stride, pad));
}

TensorId GraphBuilder::avg_pool(const std::string& name, TensorId x, std::int64_t k,
                                std::int64_t stride, std::int64_t pad) {
  return g_.add_op(name, OpKind::avg_pool, {x}, pool_attrs(k, stride, pad));
}

TensorId GraphBuilder::global_avg_pool(const std::string& name, TensorId x) {
  return g_.add_op(name, OpKind::global_avg_pool, {x}, NoAttrs{});
}

TensorId GraphBuilder::add(const std::string& name, TensorId a, TensorId b, Activation act) {
  return g_.add_op(name, OpKind::add, {a, b}, EltwiseAttrs{act});
}

TensorId GraphBuilder::mul(const std::string& name, TensorId a, TensorId b) {
  return g_.add_op(name, OpKind::mul, {a, b}, EltwiseAttrs{});
}

TensorId GraphBuilder::concat(const std::string& name, std::vector<TensorId> xs, int axis) {
  return g_.add_op(name, OpKind::concat, std::move(xs), ConcatAttrs{axis});
}

TensorId GraphBuilder::fc(const std::string& name, TensorId x, std::int64_t out_features, bool bias,
                          Activation act) {
  return g_.add_op(name, OpKind::fully_connected, {x},
                   FullyConnectedAttrs{out_features, bias, act});
}

TensorId GraphBuilder::softmax(const std::string& name, TensorId x, int axis) {
  return g_.add_op(name, OpKind::softmax, {x}, SoftmaxAttrs{axis});
}

TensorId GraphBuilder::flatten(const std::string& name, TensorId x, int start_axis) {
  return g_.add_op(name, OpKind::flatten, {x}, FlattenAttrs{start_axis});
}

TensorId GraphBuilder::reshape(const std::string& name, TensorId x,
                               std::vector<std::int64_t> shape) {
  return g_.add_op(name, OpKind::reshape, {x}, ReshapeAttrs{std::move(shape)});
}

TensorId GraphBuilder::upsample(const std::string& name, TensorId x, std::int64_t scale,
                                UpsampleMode mode) {
  return g_.add_op(name, OpKind::upsample, {x}, UpsampleAttrs{scale, scale, mode});
}

}  // namespace plantune
