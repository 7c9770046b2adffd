// ReferenceExecutor against a CPU executor written here in fp64 from the ops' definitions (a
// scatter-form transposed convolution, batch norm from its four statistics, ...), on small
// random graphs that cover every op kind and attribute (groups, dilation, strides, pads,
// output_pad, ceil_mode, broadcasts, concat and softmax axes), a mini residual block, and
// ResNet-18 at 64x64, batch 2. Each graph is checked twice: layer by layer (every op's GPU
// output vs the CPU op applied to the GPU's own inputs, via output_of) and end to end. The
// argument checks run without a GPU.
#include "plantune/runtime/reference_executor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "core/conv_reference.h"
#include "plantune/core/error.h"
#include "plantune/core/graph_builder.h"
#include "plantune/models/registry.h"
#include "plantune/precision/error_metrics.h"
#include "plantune/runtime/weights.h"
#include "support/gpu_skip.h"

namespace plantune::runtime {
namespace {

using Dims = std::vector<std::int64_t>;

std::int64_t prod(const Dims& d, std::size_t from, std::size_t to) {
  std::int64_t p = 1;
  for (std::size_t i = from; i < to; ++i) p *= d[i];
  return p;
}

double act_ref(Activation a, double v) {
  switch (a) {
    case Activation::none: return v;
    case Activation::relu: return std::max(v, 0.0);
    case Activation::relu6: return std::clamp(v, 0.0, 6.0);
    case Activation::sigmoid: return 1.0 / (1.0 + std::exp(-v));
    case Activation::silu: return v / (1.0 + std::exp(-v));
    case Activation::gelu: return 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)));
    case Activation::hard_swish: return v * std::clamp(v + 3.0, 0.0, 6.0) / 6.0;
  }
  return v;
}

// ---- the CPU executor (fp64, NCHW) --------------------------------------------------------------

struct Nchw {
  std::int64_t n, c, h, w;
  explicit Nchw(const Dims& d) : n(d[0]), c(d[1]), h(d[2]), w(d[3]) {}
  std::size_t operator()(std::int64_t i, std::int64_t j, std::int64_t y, std::int64_t x) const {
    return static_cast<std::size_t>(((i * c + j) * h + y) * w + x);
  }
};

std::vector<double> cpu_conv(const Op& op, const std::vector<double>& x, const Dims& xd,
                             const Dims& yd, const WeightStore& ws) {
  const auto& a = std::get<ConvAttrs>(op.attrs);
  const Nchw X(xd), Y(yd);
  const auto& wt = ws.at(op.name + ".weight").data;
  const std::int64_t cg = X.c / a.groups, kg = Y.c / a.groups;
  std::vector<double> y(static_cast<std::size_t>(prod(yd, 0, 4)), 0.0);
  if (op.kind == OpKind::conv2d) {
    for (std::int64_t n = 0; n < Y.n; ++n)
      for (std::int64_t k = 0; k < Y.c; ++k)
        for (std::int64_t oh = 0; oh < Y.h; ++oh)
          for (std::int64_t ow = 0; ow < Y.w; ++ow) {
            double s = 0.0;
            const std::int64_t g = k / kg;
            for (std::int64_t c = 0; c < cg; ++c)
              for (std::int64_t r = 0; r < a.kernel_h; ++r)
                for (std::int64_t q = 0; q < a.kernel_w; ++q) {
                  const std::int64_t ih = oh * a.stride_h - a.pad_h + r * a.dilation_h;
                  const std::int64_t iw = ow * a.stride_w - a.pad_w + q * a.dilation_w;
                  if (ih < 0 || ih >= X.h || iw < 0 || iw >= X.w) continue;
                  s += x[X(n, g * cg + c, ih, iw)] *
                       wt[static_cast<std::size_t>(((k * cg + c) * a.kernel_h + r) * a.kernel_w +
                                                   q)];
                }
            y[Y(n, k, oh, ow)] = s;
          }
  } else {
    // Scatter: every input element adds x * w into the outputs its window covers.
    for (std::int64_t n = 0; n < X.n; ++n)
      for (std::int64_t c = 0; c < X.c; ++c) {
        const std::int64_t g = c / cg;
        for (std::int64_t ih = 0; ih < X.h; ++ih)
          for (std::int64_t iw = 0; iw < X.w; ++iw) {
            const double v = x[X(n, c, ih, iw)];
            for (std::int64_t kl = 0; kl < kg; ++kl)
              for (std::int64_t r = 0; r < a.kernel_h; ++r)
                for (std::int64_t q = 0; q < a.kernel_w; ++q) {
                  const std::int64_t oh = ih * a.stride_h - a.pad_h + r * a.dilation_h;
                  const std::int64_t ow = iw * a.stride_w - a.pad_w + q * a.dilation_w;
                  if (oh < 0 || oh >= Y.h || ow < 0 || ow >= Y.w) continue;
                  y[Y(n, g * kg + kl, oh, ow)] +=
                      v * wt[static_cast<std::size_t>(((c * kg + kl) * a.kernel_h + r) *
                                                          a.kernel_w +
                                                      q)];
                }
          }
      }
  }
  for (std::int64_t n = 0; n < Y.n; ++n)
    for (std::int64_t k = 0; k < Y.c; ++k)
      for (std::int64_t i = 0; i < Y.h * Y.w; ++i) {
        double& v = y[Y(n, k, 0, 0) + static_cast<std::size_t>(i)];
        if (a.bias) v += ws.at(op.name + ".bias").data[static_cast<std::size_t>(k)];
        v = act_ref(a.activation, v);
      }
  return y;
}

std::vector<double> cpu_pool(const Op& op, const std::vector<double>& x, const Dims& xd,
                             const Dims& yd) {
  const auto& a = std::get<PoolAttrs>(op.attrs);
  const Nchw X(xd), Y(yd);
  std::vector<double> y(static_cast<std::size_t>(prod(yd, 0, 4)));
  for (std::int64_t n = 0; n < Y.n; ++n)
    for (std::int64_t c = 0; c < Y.c; ++c)
      for (std::int64_t oh = 0; oh < Y.h; ++oh)
        for (std::int64_t ow = 0; ow < Y.w; ++ow) {
          double m = -std::numeric_limits<double>::infinity(), sum = 0.0;
          int positions = 0;  // count_include_pad=True: positions inside input + padding
          for (std::int64_t r = 0; r < a.kernel_h; ++r)
            for (std::int64_t q = 0; q < a.kernel_w; ++q) {
              const std::int64_t ih = oh * a.stride_h - a.pad_h + r;
              const std::int64_t iw = ow * a.stride_w - a.pad_w + q;
              if (ih < X.h + a.pad_h && iw < X.w + a.pad_w) ++positions;
              if (ih < 0 || ih >= X.h || iw < 0 || iw >= X.w) continue;
              m = std::max(m, x[X(n, c, ih, iw)]);
              sum += x[X(n, c, ih, iw)];
            }
          y[Y(n, c, oh, ow)] = op.kind == OpKind::max_pool ? m : sum / positions;
        }
  return y;
}

std::vector<double> cpu_upsample(const Op& op, const std::vector<double>& x, const Dims& xd,
                                 const Dims& yd) {
  const auto& a = std::get<UpsampleAttrs>(op.attrs);
  const Nchw X(xd), Y(yd);
  std::vector<double> y(static_cast<std::size_t>(prod(yd, 0, 4)));
  auto src = [](std::int64_t o, std::int64_t s) { return std::max((o + 0.5) / s - 0.5, 0.0); };
  for (std::int64_t n = 0; n < Y.n; ++n)
    for (std::int64_t c = 0; c < Y.c; ++c)
      for (std::int64_t oh = 0; oh < Y.h; ++oh)
        for (std::int64_t ow = 0; ow < Y.w; ++ow) {
          if (a.mode == UpsampleMode::nearest) {
            y[Y(n, c, oh, ow)] = x[X(n, c, oh / a.scale_h, ow / a.scale_w)];
            continue;
          }
          const double fy = src(oh, a.scale_h), fx = src(ow, a.scale_w);
          const auto y0 = static_cast<std::int64_t>(fy), x0 = static_cast<std::int64_t>(fx);
          const std::int64_t y1 = std::min(y0 + 1, X.h - 1), x1 = std::min(x0 + 1, X.w - 1);
          const double ly = fy - y0, lx = fx - x0;
          y[Y(n, c, oh, ow)] =
              (1 - ly) * ((1 - lx) * x[X(n, c, y0, x0)] + lx * x[X(n, c, y0, x1)]) +
              ly * ((1 - lx) * x[X(n, c, y1, x0)] + lx * x[X(n, c, y1, x1)]);
        }
  return y;
}

std::size_t axis_of(int axis, std::size_t rank) {
  return static_cast<std::size_t>(axis < 0 ? axis + static_cast<int>(rank) : axis);
}

// One op on the CPU: `in` holds its inputs' values (NCHW, logical order).
std::vector<double> cpu_op(const Graph& g, const Op& op, const std::vector<std::vector<double>>& in,
                           const WeightStore& ws) {
  const Dims& xd = g.tensor(op.inputs[0]).shape.dims;
  const Dims& yd = g.tensor(op.output).shape.dims;
  const std::vector<double>& x = in[0];
  std::vector<double> y(static_cast<std::size_t>(prod(yd, 0, yd.size())));
  switch (op.kind) {
    case OpKind::conv2d:
    case OpKind::conv_transpose2d:
      return cpu_conv(op, x, xd, yd, ws);
    case OpKind::batch_norm: {
      const double eps = std::get<BatchNormAttrs>(op.attrs).epsilon;
      const auto& gamma = ws.at(op.name + ".weight").data;
      const auto& beta = ws.at(op.name + ".bias").data;
      const auto& mean = ws.at(op.name + ".running_mean").data;
      const auto& var = ws.at(op.name + ".running_var").data;
      const std::int64_t inner = prod(xd, 2, xd.size());
      for (std::size_t i = 0; i < y.size(); ++i) {
        const auto c = static_cast<std::size_t>((static_cast<std::int64_t>(i) / inner) % xd[1]);
        y[i] = (x[i] - mean[c]) / std::sqrt(var[c] + eps) * gamma[c] + beta[c];
      }
      return y;
    }
    case OpKind::activation:
      for (std::size_t i = 0; i < y.size(); ++i) {
        y[i] = act_ref(std::get<ActivationAttrs>(op.attrs).kind, x[i]);
      }
      return y;
    case OpKind::max_pool:
    case OpKind::avg_pool:
      return cpu_pool(op, x, xd, yd);
    case OpKind::global_avg_pool: {
      const std::int64_t hw = xd[2] * xd[3];
      for (std::size_t p = 0; p < y.size(); ++p) {
        double s = 0.0;
        for (std::int64_t j = 0; j < hw; ++j) s += x[p * static_cast<std::size_t>(hw) + j];
        y[p] = s / hw;
      }
      return y;
    }
    case OpKind::add:
    case OpKind::mul: {
      const Activation act = std::get<EltwiseAttrs>(op.attrs).activation;
      const Dims& bd = g.tensor(op.inputs[1]).shape.dims;
      const bool broadcast = bd != xd;  // [N, C, 1, 1]
      const std::int64_t hw = broadcast ? xd[2] * xd[3] : 1;
      for (std::size_t i = 0; i < y.size(); ++i) {
        const double b = in[1][broadcast ? i / static_cast<std::size_t>(hw) : i];
        y[i] = act_ref(act, op.kind == OpKind::add ? x[i] + b : x[i] * b);
      }
      return y;
    }
    case OpKind::concat: {
      const std::size_t axis = axis_of(std::get<ConcatAttrs>(op.attrs).axis, yd.size());
      const std::int64_t outer = prod(yd, 0, axis), inner = prod(yd, axis + 1, yd.size());
      std::int64_t offset = 0;  // along the axis
      for (std::size_t k = 0; k < in.size(); ++k) {
        const std::int64_t len = g.tensor(op.inputs[k]).shape.dims[axis];
        for (std::int64_t o = 0; o < outer; ++o)
          for (std::int64_t j = 0; j < len; ++j)
            for (std::int64_t i = 0; i < inner; ++i) {
              y[static_cast<std::size_t>((o * yd[axis] + offset + j) * inner + i)] =
                  in[k][static_cast<std::size_t>((o * len + j) * inner + i)];
            }
        offset += len;
      }
      return y;
    }
    case OpKind::fully_connected: {
      const auto& a = std::get<FullyConnectedAttrs>(op.attrs);
      const auto& wt = ws.at(op.name + ".weight").data;
      const std::int64_t f = prod(xd, 1, xd.size());
      for (std::int64_t n = 0; n < xd[0]; ++n)
        for (std::int64_t o = 0; o < a.out_features; ++o) {
          double s = a.bias ? ws.at(op.name + ".bias").data[static_cast<std::size_t>(o)] : 0.0;
          for (std::int64_t i = 0; i < f; ++i) {
            s += x[static_cast<std::size_t>(n * f + i)] * wt[static_cast<std::size_t>(o * f + i)];
          }
          y[static_cast<std::size_t>(n * a.out_features + o)] = act_ref(a.activation, s);
        }
      return y;
    }
    case OpKind::softmax: {
      const std::size_t axis = axis_of(std::get<SoftmaxAttrs>(op.attrs).axis, xd.size());
      const std::int64_t outer = prod(xd, 0, axis), len = xd[axis];
      const std::int64_t inner = prod(xd, axis + 1, xd.size());
      for (std::int64_t o = 0; o < outer; ++o)
        for (std::int64_t i = 0; i < inner; ++i) {
          auto at = [&](std::int64_t j) {
            return static_cast<std::size_t>((o * len + j) * inner + i);
          };
          double m = -std::numeric_limits<double>::infinity(), s = 0.0;
          for (std::int64_t j = 0; j < len; ++j) m = std::max(m, x[at(j)]);
          for (std::int64_t j = 0; j < len; ++j) s += std::exp(x[at(j)] - m);
          for (std::int64_t j = 0; j < len; ++j) y[at(j)] = std::exp(x[at(j)] - m) / s;
        }
      return y;
    }
    case OpKind::flatten:
    case OpKind::reshape:
      return x;
    case OpKind::upsample:
      return cpu_upsample(op, x, xd, yd);
  }
  ADD_FAILURE() << "unknown op kind";
  return y;
}

// ---- checks -------------------------------------------------------------------------------------

std::vector<double> widen(const std::vector<float>& v) { return {v.begin(), v.end()}; }

std::vector<std::vector<float>> random_inputs(const Graph& g, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  std::vector<std::vector<float>> inputs;
  for (TensorId t : g.inputs()) {
    std::vector<float> v(static_cast<std::size_t>(g.tensor(t).shape.numel()));
    for (float& f : v) f = u(rng);
    inputs.push_back(std::move(v));
  }
  return inputs;
}

struct Limits {
  double max_rel, rel_l2;
};
constexpr Limits kPerLayer{2e-3, 2e-5};  // one op in fp32 vs fp64, same inputs

void expect_close(const std::vector<float>& got, const std::vector<double>& want,
                  const Limits& lim, const std::string& what) {
  const precision::ErrorMetrics m = precision::compare(widen(got), want);
  EXPECT_EQ(m.nonfinite, 0) << what;
  EXPECT_LE(m.max_rel, lim.max_rel) << what << ": max_abs " << m.max_abs << ", rel_l2 "
                                    << m.rel_l2;
  EXPECT_LE(m.rel_l2, lim.rel_l2) << what << ": max_rel " << m.max_rel;
}

// Runs `g` on the GPU and checks every op against the CPU op on the GPU's own inputs, then the
// graph outputs against a full CPU run. Returns the executor for further checks.
ReferenceExecutor check_graph(const Graph& g, std::uint64_t seed, const Limits& end_to_end) {
  const WeightStore ws = random_weights(g, seed);
  const auto inputs = random_inputs(g, static_cast<std::uint32_t>(seed));
  ReferenceExecutor ex(g, ws);
  const auto outputs = ex.run(inputs);

  std::vector<std::vector<double>> cpu(g.tensors().size());
  for (std::size_t i = 0; i < g.inputs().size(); ++i) {
    cpu[static_cast<std::size_t>(g.inputs()[i])] = widen(inputs[i]);
  }
  for (const Op& op : g.ops()) {
    std::vector<std::vector<double>> gpu_in, cpu_in;
    for (TensorId t : op.inputs) {
      gpu_in.push_back(widen(ex.output_of(t)));
      cpu_in.push_back(cpu[static_cast<std::size_t>(t)]);
    }
    expect_close(ex.output_of(op.output), cpu_op(g, op, gpu_in, ws), kPerLayer,
                 g.name() + ": op '" + op.name + "' (" + std::string(to_string(op.kind)) + ")");
    cpu[static_cast<std::size_t>(op.output)] = cpu_op(g, op, cpu_in, ws);
  }
  EXPECT_EQ(outputs.size(), g.outputs().size());
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const TensorId t = g.outputs()[i];
    expect_close(outputs[i], cpu[static_cast<std::size_t>(t)], end_to_end,
                 g.name() + ": graph output '" + g.tensor(t).name + "'");
    EXPECT_EQ(outputs[i], ex.output_of(t));
  }
  return ex;
}

constexpr Limits kSmallGraph{5e-3, 5e-5};

ConvAttrs conv_attrs(std::int64_t k_out, std::int64_t kh, std::int64_t kw, std::int64_t sh,
                     std::int64_t sw, std::int64_t ph, std::int64_t pw, std::int64_t dh,
                     std::int64_t dw, std::int64_t groups, bool bias, Activation act,
                     std::int64_t oph = 0, std::int64_t opw = 0) {
  ConvAttrs a;
  a.out_channels = k_out;
  a.kernel_h = kh;
  a.kernel_w = kw;
  a.stride_h = sh;
  a.stride_w = sw;
  a.pad_h = ph;
  a.pad_w = pw;
  a.dilation_h = dh;
  a.dilation_w = dw;
  a.groups = groups;
  a.bias = bias;
  a.activation = act;
  a.output_pad_h = oph;
  a.output_pad_w = opw;
  return a;
}

// ---- small graphs, one family of op kinds each --------------------------------------------------

TEST(ReferenceExecutor, Convolutions) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: reference executor";
  Graph g("convs");
  const TensorId x = g.add_input("x", {{2, 6, 11, 9}});
  const TensorId a = g.add_op("same3x3", OpKind::conv2d, {x},
                              conv_attrs(13, 3, 3, 1, 1, 1, 1, 1, 1, 1, true, Activation::relu));
  const TensorId b = g.add_op("strided_dilated_grouped", OpKind::conv2d, {x},
                              conv_attrs(4, 3, 3, 2, 2, 0, 1, 2, 1, 2, true, Activation::silu));
  const TensorId c = g.add_op("depthwise", OpKind::conv2d, {x},
                              conv_attrs(6, 3, 3, 1, 1, 1, 1, 1, 1, 6, false, Activation::relu6));
  const TensorId d = g.add_op("rect", OpKind::conv2d, {c},
                              conv_attrs(17, 5, 3, 2, 1, 2, 1, 1, 1, 1, false, Activation::none));
  const TensorId e = g.add_op("pointwise", OpKind::conv2d, {a},
                              conv_attrs(9, 1, 1, 1, 1, 0, 0, 1, 1, 1, true, Activation::gelu));
  g.mark_output(b);
  g.mark_output(d);
  g.mark_output(e);
  check_graph(g, 101, kSmallGraph);
}

TEST(ReferenceExecutor, TransposedConvolutions) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: reference executor";
  Graph g("conv_transposes");
  const TensorId x = g.add_input("x", {{2, 6, 5, 7}});
  // 3x3 stride 2 pad 1 output_pad 1: exact 2x upsampling.
  const TensorId a =
      g.add_op("up2", OpKind::conv_transpose2d, {x},
               conv_attrs(5, 3, 3, 2, 2, 1, 1, 1, 1, 1, true, Activation::none, 1, 1));
  const TensorId b = g.add_op("grouped4x4", OpKind::conv_transpose2d, {x},
                              conv_attrs(4, 4, 4, 2, 2, 1, 1, 1, 1, 2, false, Activation::relu));
  const TensorId c =
      g.add_op("dilated_rect", OpKind::conv_transpose2d, {x},
               conv_attrs(9, 3, 2, 1, 3, 0, 1, 2, 1, 3, true, Activation::sigmoid, 0, 2));
  g.mark_output(a);
  g.mark_output(b);
  g.mark_output(c);
  check_graph(g, 102, kSmallGraph);
}

TEST(ReferenceExecutor, BatchNormAndEveryActivation) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: reference executor";
  Graph g("bn_acts");
  GraphBuilder bld(g);
  TensorId x = bld.input("x", {3, 7, 5, 6});
  x = g.add_op("bn", OpKind::batch_norm, {x}, BatchNormAttrs{1e-3});
  for (Activation a : {Activation::relu, Activation::relu6, Activation::sigmoid, Activation::silu,
                       Activation::gelu, Activation::hard_swish}) {
    const TensorId y = bld.act(std::string("act_") + std::string(to_string(a)), x, a);
    bld.output(y);
  }
  // batch_norm on a 2-D [N, F] tensor.
  const TensorId f = bld.input("f", {4, 10});
  bld.output(bld.batch_norm("bn2d", f));
  check_graph(g, 103, kSmallGraph);
}

TEST(ReferenceExecutor, Pooling) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: reference executor";
  Graph g("pools");
  GraphBuilder bld(g);
  const TensorId x = bld.input("x", {2, 5, 11, 9});
  bld.output(bld.max_pool("max3s2p1", x, 3, 2, 1));
  bld.output(bld.avg_pool("avg3s2p1", x, 3, 2, 1));
  bld.output(g.add_op("avg_ceil", OpKind::avg_pool, {x}, PoolAttrs{3, 2, 2, 2, 1, 1, true}));
  bld.output(g.add_op("max_ceil", OpKind::max_pool, {x}, PoolAttrs{2, 2, 2, 2, 0, 0, true}));
  bld.output(g.add_op("avg5s3", OpKind::avg_pool, {x}, PoolAttrs{5, 5, 3, 3, 2, 2, true}));
  bld.output(bld.global_avg_pool("gap", x));
  check_graph(g, 104, kSmallGraph);
}

TEST(ReferenceExecutor, EltwiseSoftmaxFullyConnectedAndViews) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: reference executor";
  Graph g("eltwise_heads");
  GraphBuilder bld(g);
  const TensorId x = bld.input("x", {2, 6, 4, 5});
  const TensorId z = bld.input("z", {2, 6, 4, 5});
  const TensorId s = bld.add("sum", x, z, Activation::relu);
  const TensorId p = bld.mul("prod", x, z);
  // Squeeze-and-excitation: gap -> 1x1 conv -> sigmoid -> broadcast mul.
  TensorId se = bld.global_avg_pool("se.gap", s);
  se = bld.conv("se.fc", se, 6, 1, 1, 0, 1, true, Activation::sigmoid);
  const TensorId scaled = g.add_op("se.mul", OpKind::mul, {p, se},
                                   EltwiseAttrs{Activation::hard_swish});
  bld.output(scaled);
  // Softmax over channels of a 4-D tensor, and over the last axis.
  bld.output(bld.softmax("softmax_c", scaled, 1));
  bld.output(bld.softmax("softmax_w", scaled, -1));
  // fc on [N, F, 1, 1] straight from a pool, and on a flattened feature map.
  bld.output(bld.fc("fc_pooled", se, 7, true, Activation::relu));
  const TensorId flat = bld.flatten("flatten", s);
  const TensorId logits = bld.fc("fc", flat, 10, false);
  bld.output(bld.softmax("probs", logits, 1));
  bld.output(bld.reshape("reshape", s, {2, -1, 10}));
  check_graph(g, 105, kSmallGraph);
}

TEST(ReferenceExecutor, ConcatAndUpsample) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: reference executor";
  Graph g("concat_upsample");
  GraphBuilder bld(g);
  const TensorId a = bld.input("a", {2, 3, 5, 7});
  const TensorId b = bld.input("b", {2, 5, 5, 7});
  const TensorId c = bld.input("c", {2, 3, 2, 7});
  const TensorId cat = bld.concat("cat_c", {a, b, a}, 1);
  bld.output(cat);
  bld.output(bld.concat("cat_h", {a, c}, 2));
  bld.output(bld.concat("cat_w", {a, a}, -1));
  bld.output(bld.upsample("up_nearest", cat, 2));
  bld.output(bld.upsample("up_bilinear", a, 2, UpsampleMode::bilinear));
  bld.output(g.add_op("up_bilinear_3x2", OpKind::upsample, {b},
                      UpsampleAttrs{3, 2, UpsampleMode::bilinear}));
  bld.output(g.add_op("up_nearest_1x3", OpKind::upsample, {c},
                      UpsampleAttrs{1, 3, UpsampleMode::nearest}));
  check_graph(g, 106, kSmallGraph);
}

TEST(ReferenceExecutor, MiniResidualBlock) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: reference executor";
  Graph g("residual_block");
  GraphBuilder bld(g);
  const TensorId x = bld.input("x", {2, 8, 9, 9});
  TensorId y = bld.conv("conv1", x, 8, 3);
  y = bld.batch_norm("bn1", y);
  y = bld.act("relu1", y, Activation::relu);
  y = bld.conv("conv2", y, 8, 3);
  y = bld.batch_norm("bn2", y);
  TensorId shortcut = bld.conv("downsample.0", x, 8, 1);
  shortcut = bld.batch_norm("downsample.1", shortcut);
  y = bld.add("add", y, shortcut);
  y = bld.act("relu2", y, Activation::relu);
  y = bld.add("add_identity", y, x, Activation::relu);
  bld.output(y);
  check_graph(g, 107, kSmallGraph);
}

// ---- ResNet-18 ----------------------------------------------------------------------------------

TEST(ReferenceExecutor, ResNet18At64x64Batch2MatchesCpuLayerByLayerAndEndToEnd) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: reference executor";
  const Graph g = models::build_model("resnet18", {2, 64, DType::fp32});
  ReferenceExecutor ex = check_graph(g, 2024, {1e-2, 1e-4});

  // The stem convolution once more against the shared fp64 conv reference of the core tests,
  // with its error measured against sum |x * w| of each output.
  const Op& conv1 = g.ops().front();
  ASSERT_EQ(conv1.kind, OpKind::conv2d);
  const WeightStore ws = random_weights(g, 2024);
  testing::ConvShape sh;
  sh.n = 2;
  sh.c = 3;
  sh.h = sh.w = 64;
  sh.k = 64;
  sh.r = sh.s = 7;
  sh.stride_h = sh.stride_w = 2;
  sh.pad_h = sh.pad_w = 3;
  const auto x = ex.output_of(conv1.inputs[0]);
  const auto ref = testing::conv2d_reference(sh, x, ws.at("conv1.weight").data);
  const auto got = widen(ex.output_of(conv1.output));
  const testing::ConvError err = testing::compare_to_reference(got, ref);
  EXPECT_LT(err.worst, 2e-5) << err.describe();
}

// ResNet-50 at batch 32, 224x224: the size the Engine is checked at. A run must take seconds,
// not minutes; its stem and classifier are checked against the CPU on the GPU's own inputs.
TEST(ReferenceExecutor, ResNet50Batch32RunsInSeconds) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: reference executor";
  const Graph g = models::build_model("resnet50", {32, 224, DType::fp32});
  const WeightStore ws = random_weights(g, 50);
  ReferenceExecutor ex(g, ws);
  const auto inputs = random_inputs(g, 50);
  ex.run(inputs);  // warm-up (module loading)
  const auto t0 = std::chrono::steady_clock::now();
  const auto outputs = ex.run(inputs);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  RecordProperty("resnet50_b32_seconds", std::to_string(seconds));
  std::printf("reference executor, resnet50 batch 32: %.3f s per run\n", seconds);
  EXPECT_LT(seconds, 5.0);

  ASSERT_EQ(outputs.size(), 1u);
  ASSERT_EQ(outputs[0].size(), 32u * 1000u);
  // Stem conv (first image only: the CPU side is slow) and the final fc on the GPU's inputs.
  const Op& conv1 = g.ops().front();
  const auto x = ex.output_of(conv1.inputs[0]);
  testing::ConvShape sh;
  sh.n = 1;
  sh.c = 3;
  sh.h = sh.w = 224;
  sh.k = 64;
  sh.r = sh.s = 7;
  sh.stride_h = sh.stride_w = 2;
  sh.pad_h = sh.pad_w = 3;
  const auto ref = testing::conv2d_reference(
      sh, std::span<const float>(x).first(sh.x_count()), ws.at("conv1.weight").data);
  const auto y = ex.output_of(conv1.output);
  const std::vector<double> got(y.begin(), y.begin() + static_cast<std::ptrdiff_t>(sh.y_count()));
  const testing::ConvError err = testing::compare_to_reference(got, ref);
  EXPECT_LT(err.worst, 2e-5) << err.describe();

  const Op& fc = g.ops().back();
  ASSERT_EQ(fc.kind, OpKind::fully_connected);
  expect_close(ex.output_of(fc.output), cpu_op(g, fc, {widen(ex.output_of(fc.inputs[0]))}, ws),
               kPerLayer, "resnet50 fc");
}

// ---- errors -------------------------------------------------------------------------------------

TEST(ReferenceExecutor, RunRejectsWrongInputs) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: reference executor";
  Graph g("tiny");
  GraphBuilder bld(g);
  bld.output(bld.act("relu", bld.input("x", {1, 2, 3, 3}), Activation::relu));
  ReferenceExecutor ex(g, WeightStore{});
  EXPECT_THROW(ex.output_of(1), Error);  // before the first run
  const std::vector<std::vector<float>> none;
  EXPECT_THROW(ex.run(none), Error);
  const std::vector<std::vector<float>> short_input{std::vector<float>(17, 1.0f)};
  try {
    ex.run(short_input);
    ADD_FAILURE() << "a short input was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("needs 18 values, got 17"), std::string::npos) << e.what();
  }
  const auto out = ex.run(random_inputs(g, 1));
  EXPECT_THROW(ex.output_of(2), Error);
  EXPECT_THROW(ex.output_of(-1), Error);
  EXPECT_EQ(out[0], ex.output_of(1));
}

// Missing or mis-shaped weights fail before any CUDA call (so this runs without a GPU too).
TEST(ReferenceExecutorArguments, MissingOrMisshapedWeightsNameTheTensor) {
  Graph g("one_conv");
  GraphBuilder bld(g);
  bld.output(bld.conv("conv", bld.input("x", {1, 3, 8, 8}), 4, 3, 1, 1, 1, true));
  WeightStore ws = random_weights(g, 7);
  WeightStore missing;
  missing.set("conv.weight", ws.at("conv.weight"));
  try {
    ReferenceExecutor ex(g, missing);
    ADD_FAILURE() << "a missing bias was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("conv.bias"), std::string::npos) << e.what();
  }
  HostTensor wrong{{4, 3, 3, 2}, std::vector<float>(72, 0.5f)};
  ws.set("conv.weight", wrong);
  try {
    ReferenceExecutor ex(g, ws);
    ADD_FAILURE() << "a mis-shaped weight was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("conv.weight"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace plantune::runtime
