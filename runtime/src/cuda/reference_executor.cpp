// ReferenceExecutor: the graph's ops in order, each on its own buffers with the plain kernels of
// reference_kernels.cuh, on one stream; one synchronisation at the end of a run.
#include "plantune/runtime/reference_executor.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>

#include "plantune/core/cuda_check.h"
#include "plantune/core/device_buffer.h"
#include "plantune/core/error.h"
#include "plantune/core/stream.h"
#include "reference_kernels.cuh"

namespace plantune::runtime {

namespace {

// Device copies of one op's parameters (empty buffers where the op has none).
struct OpParams {
  DeviceBuffer<float> weight, bias;   // conv, conv_transpose, fully connected
  DeviceBuffer<float> scale, shift;   // batch_norm, folded from its four tensors
};

DeviceBuffer<float> upload(const std::vector<float>& host) {
  DeviceBuffer<float> d(host.size());
  d.upload(host);
  return d;
}

std::int64_t product(const std::vector<std::int64_t>& dims, std::size_t from, std::size_t to) {
  std::int64_t p = 1;
  for (std::size_t i = from; i < to; ++i) p *= dims[i];
  return p;
}

std::size_t normalize_axis(int axis, int rank) {
  return static_cast<std::size_t>(axis < 0 ? axis + rank : axis);
}

reference::ConvGeometry conv_geometry(const ConvAttrs& a, const TensorShape& x,
                                      const TensorShape& y) {
  return {x.dims[0], x.dims[1], x.dims[2], x.dims[3], y.dims[1], y.dims[2], y.dims[3],
          a.kernel_h, a.kernel_w, a.stride_h, a.stride_w, a.pad_h, a.pad_w, a.dilation_h,
          a.dilation_w, a.groups};
}

// `g` after validate() and check_weights(): run before any CUDA call, so that bad input fails
// the same way with or without a device.
const Graph& checked(const Graph& g, const WeightStore& weights) {
  g.validate();
  check_weights(g, weights);
  return g;
}

}  // namespace

struct ReferenceExecutor::Impl {
  Graph graph;
  Stream stream;
  std::vector<DeviceBuffer<float>> tensors;  // one per graph tensor
  std::vector<OpParams> params;              // one per op
  bool ran = false;

  explicit Impl(const Graph& g) : graph(g) {}

  const float* in(const Op& op, std::size_t i) const {
    return tensors[static_cast<std::size_t>(op.inputs[i])].data();
  }
  const TensorShape& shape(TensorId t) const { return graph.tensor(t).shape; }

  void run_op(std::size_t index);
};

ReferenceExecutor::ReferenceExecutor(const Graph& graph, const WeightStore& weights)
    : impl_(std::make_unique<Impl>(checked(graph, weights))) {
  Impl& m = *impl_;

  m.tensors.reserve(m.graph.tensors().size());
  for (const Tensor& t : m.graph.tensors()) {
    m.tensors.emplace_back(static_cast<std::size_t>(t.shape.numel()));
  }

  m.params.resize(m.graph.ops().size());
  for (std::size_t i = 0; i < m.graph.ops().size(); ++i) {
    const Op& op = m.graph.ops()[i];
    OpParams& p = m.params[i];
    const std::string prefix = op.name + ".";
    switch (op.kind) {
      case OpKind::conv2d:
      case OpKind::conv_transpose2d:
        p.weight = upload(weights.at(prefix + "weight").data);
        if (std::get<ConvAttrs>(op.attrs).bias) p.bias = upload(weights.at(prefix + "bias").data);
        break;
      case OpKind::fully_connected:
        p.weight = upload(weights.at(prefix + "weight").data);
        if (std::get<FullyConnectedAttrs>(op.attrs).bias) {
          p.bias = upload(weights.at(prefix + "bias").data);
        }
        break;
      case OpKind::batch_norm: {
        // y = (x - mean) / sqrt(var + eps) * gamma + beta = x * scale + shift, in fp64.
        const double eps = std::get<BatchNormAttrs>(op.attrs).epsilon;
        const auto& gamma = weights.at(prefix + "weight").data;
        const auto& beta = weights.at(prefix + "bias").data;
        const auto& mean = weights.at(prefix + "running_mean").data;
        const auto& var = weights.at(prefix + "running_var").data;
        std::vector<float> scale(gamma.size()), shift(gamma.size());
        for (std::size_t c = 0; c < gamma.size(); ++c) {
          PT_REQUIRE(var[c] + eps > 0.0, invalid_argument,
                     "reference executor: batch_norm '" << op.name << "' channel " << c
                                                        << ": running_var " << var[c]
                                                        << " + epsilon is not positive");
          const double s = gamma[c] / std::sqrt(static_cast<double>(var[c]) + eps);
          scale[c] = static_cast<float>(s);
          shift[c] = static_cast<float>(beta[c] - mean[c] * s);
        }
        p.scale = upload(scale);
        p.shift = upload(shift);
        break;
      }
      default:
        break;
    }
  }
}

ReferenceExecutor::~ReferenceExecutor() = default;
ReferenceExecutor::ReferenceExecutor(ReferenceExecutor&&) noexcept = default;
ReferenceExecutor& ReferenceExecutor::operator=(ReferenceExecutor&&) noexcept = default;

const Graph& ReferenceExecutor::graph() const { return impl_->graph; }

std::vector<std::vector<float>> ReferenceExecutor::run(
    std::span<const std::vector<float>> inputs) {
  Impl& m = *impl_;
  const auto& ids = m.graph.inputs();
  PT_REQUIRE(inputs.size() == ids.size(), invalid_argument,
             "reference executor: graph '" << m.graph.name() << "' has " << ids.size()
                                           << " inputs, " << inputs.size() << " given");
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const Tensor& t = m.graph.tensor(ids[i]);
    PT_REQUIRE(static_cast<std::int64_t>(inputs[i].size()) == t.shape.numel(), invalid_argument,
               "reference executor: input " << i << " '" << t.name << "' "
                                            << to_string(t.shape) << " needs "
                                            << t.shape.numel() << " values, got "
                                            << inputs[i].size());
  }
  m.ran = false;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    m.tensors[static_cast<std::size_t>(ids[i])].upload(inputs[i]);
  }
  for (std::size_t i = 0; i < m.graph.ops().size(); ++i) m.run_op(i);
  m.stream.synchronize();
  m.ran = true;

  std::vector<std::vector<float>> outputs;
  for (TensorId t : m.graph.outputs()) outputs.push_back(output_of(t));
  return outputs;
}

std::vector<float> ReferenceExecutor::output_of(TensorId t) const {
  const Impl& m = *impl_;
  PT_REQUIRE(t >= 0 && static_cast<std::size_t>(t) < m.tensors.size(), invalid_argument,
             "reference executor: tensor id " << t << " is out of range (graph '"
                                              << m.graph.name() << "' has " << m.tensors.size()
                                              << " tensors)");
  PT_REQUIRE(m.ran, invalid_argument,
             "reference executor: tensor '" << m.graph.tensor(t).name
                                            << "' has no value before the first run");
  return m.tensors[static_cast<std::size_t>(t)].to_host();
}

void ReferenceExecutor::Impl::run_op(std::size_t index) {
  const Op& op = graph.ops()[index];
  const OpParams& p = params[index];
  const TensorShape& x = shape(op.inputs[0]);
  const TensorShape& y = shape(op.output);
  float* out = tensors[static_cast<std::size_t>(op.output)].data();
  const cudaStream_t s = stream.get();
  const std::int64_t count = y.numel();

  switch (op.kind) {
    case OpKind::conv2d: {
      const auto& a = std::get<ConvAttrs>(op.attrs);
      reference::conv2d(in(op, 0), p.weight.data(), p.bias.data(), out, conv_geometry(a, x, y),
                        a.activation, s);
      return;
    }
    case OpKind::conv_transpose2d: {
      const auto& a = std::get<ConvAttrs>(op.attrs);
      reference::conv_transpose2d(in(op, 0), p.weight.data(), p.bias.data(), out,
                                  conv_geometry(a, x, y), a.activation, s);
      return;
    }
    case OpKind::batch_norm:
      reference::scale_shift(in(op, 0), p.scale.data(), p.shift.data(), out, x.dims[0],
                             x.dims[1], product(x.dims, 2, x.dims.size()), s);
      return;
    case OpKind::activation:
      reference::activation(in(op, 0), out, count, std::get<ActivationAttrs>(op.attrs).kind, s);
      return;
    case OpKind::max_pool:
    case OpKind::avg_pool: {
      const auto& a = std::get<PoolAttrs>(op.attrs);
      const reference::PoolGeometry g{x.dims[0] * x.dims[1], x.dims[2], x.dims[3], y.dims[2],
                                      y.dims[3], a.kernel_h, a.kernel_w, a.stride_h,
                                      a.stride_w, a.pad_h, a.pad_w};
      if (op.kind == OpKind::max_pool) {
        reference::max_pool(in(op, 0), out, g, s);
      } else {
        reference::avg_pool(in(op, 0), out, g, s);
      }
      return;
    }
    case OpKind::global_avg_pool:
      reference::global_avg_pool(in(op, 0), out, x.dims[0] * x.dims[1], x.dims[2] * x.dims[3],
                                 s);
      return;
    case OpKind::add:
      reference::add(in(op, 0), in(op, 1), out, count,
                     std::get<EltwiseAttrs>(op.attrs).activation, s);
      return;
    case OpKind::mul: {
      // Equal shapes, or a [N, C, 1, 1] factor: element i of the product uses b[i / (H * W)].
      const std::int64_t b_div =
          shape(op.inputs[1]).numel() == count ? 1 : x.dims[2] * x.dims[3];
      reference::mul(in(op, 0), in(op, 1), out, count, b_div,
                     std::get<EltwiseAttrs>(op.attrs).activation, s);
      return;
    }
    case OpKind::concat: {
      const std::size_t axis = normalize_axis(std::get<ConcatAttrs>(op.attrs).axis, y.rank());
      const std::int64_t outer = product(y.dims, 0, axis);
      const std::int64_t inner = product(y.dims, axis + 1, y.dims.size());
      std::int64_t offset = 0;
      for (std::size_t i = 0; i < op.inputs.size(); ++i) {
        const std::int64_t part = shape(op.inputs[i]).dims[axis] * inner;
        reference::concat_part(in(op, i), out, outer, part, y.dims[axis] * inner, offset, s);
        offset += part;
      }
      return;
    }
    case OpKind::fully_connected: {
      const auto& a = std::get<FullyConnectedAttrs>(op.attrs);
      reference::fully_connected(in(op, 0), p.weight.data(), p.bias.data(), out, x.dims[0],
                                 x.numel() / x.dims[0], a.out_features, a.activation, s);
      return;
    }
    case OpKind::softmax: {
      const std::size_t axis = normalize_axis(std::get<SoftmaxAttrs>(op.attrs).axis, x.rank());
      reference::softmax(in(op, 0), out, product(x.dims, 0, axis), x.dims[axis],
                         product(x.dims, axis + 1, x.dims.size()), s);
      return;
    }
    case OpKind::flatten:
    case OpKind::reshape:
      // A view in the graph; here a copy into the output's own buffer.
      PT_CUDA_CHECK_MSG(cudaMemcpyAsync(out, in(op, 0),
                                        static_cast<std::size_t>(count) * sizeof(float),
                                        cudaMemcpyDeviceToDevice, s),
                        "reference executor: copying the view '" << op.name << "'");
      return;
    case OpKind::upsample: {
      const auto& a = std::get<UpsampleAttrs>(op.attrs);
      reference::upsample(in(op, 0), out, x.dims[0] * x.dims[1], x.dims[2], x.dims[3], a.scale_h,
                          a.scale_w, a.mode, s);
      return;
    }
  }
  PT_FAIL(internal, "reference executor: op '" << op.name << "' has an unknown kind "
                                                << static_cast<int>(op.kind));
}

}  // namespace plantune::runtime
