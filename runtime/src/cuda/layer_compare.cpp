// Layer-by-layer precision comparison: see layer_compare.h.
#include "plantune/runtime/layer_compare.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <utility>

#include "plantune/core/cudnn_handle.h"
#include "plantune/core/device_buffer.h"
#include "plantune/core/error.h"
#include "plantune/core/stream.h"
#include "plantune/precision/host_cast.h"
#include "plantune/runtime/reference_executor.h"
#include "plantune/tuner/conv_workload.h"
#include "plantune/tuner/legacy_source.h"
#include "plantune/tuner/problem_from_graph.h"
#include "plantune/tuner/tuner.h"

namespace plantune::runtime {
namespace {

using tuner::ConvProblem;
using tuner::Precision;
using tuner::Variant;

// The activations of core's Activation enum in fp32 on the host (PyTorch's formulas, as the
// reference executor's kernels compute them).
float activate(Activation a, float v) {
  switch (a) {
    case Activation::none: return v;
    case Activation::relu: return v > 0.0f ? v : 0.0f;
    case Activation::relu6: return std::min(std::max(v, 0.0f), 6.0f);
    case Activation::sigmoid: return 1.0f / (1.0f + std::exp(-v));
    case Activation::silu: return v / (1.0f + std::exp(-v));
    case Activation::gelu: return 0.5f * v * (1.0f + std::erf(v / std::sqrt(2.0f)));
    case Activation::hard_swish: return v * std::min(std::max(v + 3.0f, 0.0f), 6.0f) / 6.0f;
  }
  return v;
}

// How precision `pr` runs a layer: its memory order, and for int8 the variant the tuner lists
// (tuner::conv_variants: channels padded to a multiple of 8 where cuDNN's int8 kernels need a
// multiple of 4; Note [int8 calibration]). A problem int8 cannot run keeps the plain variant, and
// exec_problem() says why.
Variant variant_for(const ConvProblem& p, Precision pr, const CompareOptions& o) {
  const bool tensor_order = pr == Precision::fp16 || pr == Precision::bf16 || pr == Precision::int8;
  const Layout layout = tensor_order || o.nhwc_everywhere ? Layout::nhwc : Layout::nchw;
  const Variant plain{layout, pr, 0, 0};
  if (pr != Precision::int8) return plain;
  const Layout layouts[] = {layout};
  const Precision precisions[] = {pr};
  const auto listed = tuner::conv_variants(p, layouts, precisions, /*pad_channels=*/true);
  return listed.empty() ? plain : listed.front();
}

// Element offset of logical (n, c, h, w) in a dense tensor of dims (N, C, H, W) stored in `l`.
std::int64_t offset(Layout l, std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w,
                    std::int64_t C, std::int64_t H, std::int64_t W) {
  return l == Layout::nhwc ? ((n * H + h) * W + w) * C + c : ((n * C + c) * H + h) * W + w;
}

// A logical NCHW fp32 tensor `src` of dims (N, C, H, W) stored as (N, Cs, H, W), Cs >= C, in
// `layout` and `type`; channels C..Cs-1 are zero. int8 uses per-channel `scales` over C when
// given (filters: per output channel, which is the N slot), else the per-tensor `scale`.
std::vector<std::byte> pack(std::span<const float> src, std::int64_t N, std::int64_t C,
                            std::int64_t H, std::int64_t W, std::int64_t Ns, std::int64_t Cs,
                            Layout layout, DType type, float scale = 1.0f,
                            std::span<const float> n_scales = {}) {
  const std::int64_t count = Ns * Cs * H * W;
  std::vector<std::byte> out(static_cast<std::size_t>(count * dtype_size(type)), std::byte{0});
  for (std::int64_t n = 0; n < N; ++n) {
    const float s = n_scales.empty() ? scale : n_scales[static_cast<std::size_t>(n)];
    for (std::int64_t c = 0; c < C; ++c) {
      for (std::int64_t h = 0; h < H; ++h) {
        for (std::int64_t w = 0; w < W; ++w) {
          const float v = src[static_cast<std::size_t>(((n * C + c) * H + h) * W + w)];
          precision::store_from_float(out.data(), type, offset(layout, n, c, h, w, Cs, H, W), v,
                                      s);
        }
      }
    }
  }
  return out;
}

struct LayerData {
  ConvProblem problem;  // fp32 dtypes, no epilogue
  std::vector<float> x, w, bias, y_ref;
  Activation activation = Activation::none;
};

// Runs one layer in `v` and returns the fp32 NCHW result with the layer's bias and activation.
// Throws Error(not_supported) with cuDNN's reasons when no legacy tactic runs it.
std::vector<float> run_layer(const LayerData& d, const Variant& v, float x_amax,
                             const CompareOptions& o, const CudnnHandle& handle, Stream& stream,
                             std::string& tactic) {
  const ConvProblem& p = d.problem;
  tuner::ConvSourceContext ctx;
  ctx.handle = handle.get();
  ctx.exec = tuner::exec_problem(p, v);  // not_supported for what cannot run in `v`
  ctx.variant = v;
  ctx.workspace_limit = o.workspace_limit;
  const ConvProblem& e = ctx.exec;
  const std::int64_t P = p.out_h(), Q = p.out_w();

  // Operands in the executed layout and dtypes.
  const bool int8 = v.precision == Precision::int8;
  float x_scale = 1.0f;
  std::vector<float> w_scales;
  if (int8) {
    x_scale = precision::scale_from_amax(x_amax);
    const std::int64_t inner = p.c / p.groups * p.r * p.s;
    w_scales = precision::scales_from_amax(
        precision::per_channel_amax(d.w, precision::ScaleLayout{p.k, inner}));
  }
  const auto xb = pack(d.x, p.n, p.c, p.h, p.w, p.n, e.c, v.layout, e.x_dtype, x_scale);
  const auto wb = pack(d.w, p.k, p.c / p.groups, p.r, p.s, e.k, e.c / e.groups, v.layout,
                       e.w_dtype, 1.0f, w_scales);
  DeviceBytes x(xb.size()), w(wb.size());
  x.upload(xb);
  w.upload(wb);
  const std::int64_t y_count = e.n * e.k * P * Q;
  DeviceBytes y(static_cast<std::size_t>(y_count * dtype_size(e.y_dtype)));

  // The legacy heuristic's pick first; only when it does not run, every legacy tactic in order.
  std::string reasons;
  auto try_run = [&](tuner::PreparedTactic& t) {
    if (t.outcome != tuner::Outcome::ok) {
      if (reasons.empty()) reasons = tuner::tactic_id(t.config) + ": " + t.detail;
      return false;
    }
    try {
      t.runner->prepare();
      const std::int64_t ws = t.runner->workspace_bytes();
      DeviceBytes workspace(static_cast<std::size_t>(ws));
      tuner::ConvOperands ops;
      ops.x = x.data();
      ops.w = w.data();
      ops.y = y.data();
      t.runner->enqueue(ops, ws > 0 ? workspace.data() : nullptr, stream.get());
      stream.synchronize();
      tactic = tuner::tactic_id(t.config);
      return true;
    } catch (const Error& err) {
      // A tactic cuDNN declines at run time (or rejects as a bad parameter) leaves the next one
      // to try; a CUDA error is the device's and ends the comparison.
      if (err.code() != ErrorCode::not_supported && err.code() != ErrorCode::cudnn_error) throw;
      if (reasons.empty()) reasons = tuner::tactic_id(t.config) + ": " + err.what();
      return false;
    }
  };
  bool done = false;
  std::optional<tuner::LegacyConvTactic> pick;
  try {
    pick = tuner::legacy_heuristic_pick(ctx);
  } catch (const Error& err) {  // the heuristic declining is no reason to stop: enumerate
    if (err.code() != ErrorCode::not_supported && err.code() != ErrorCode::cudnn_error) throw;
    reasons = std::string("legacy heuristic: ") + err.what();
  }
  if (pick) {
    tuner::PreparedTactic t = tuner::prepare_legacy(ctx, *pick);
    done = try_run(t);
  }
  if (!done) {
    for (auto& t : tuner::legacy_tactics(ctx)) {
      if ((done = try_run(t))) break;
    }
  }
  PT_REQUIRE(done, not_supported,
             "no cuDNN legacy tactic runs " << tuner::problem_key(e) << " as "
                                            << tuner::to_string(v) << " (first reason: "
                                            << reasons << ")");

  // Back to logical NCHW fp32: unpad K, dequantize int8 sums, then bias and activation.
  const std::vector<std::byte> yb = y.to_host();
  std::vector<float> out(static_cast<std::size_t>(p.n * p.k * P * Q));
  for (std::int64_t n = 0; n < p.n; ++n) {
    for (std::int64_t k = 0; k < p.k; ++k) {
      const float dq = int8 ? x_scale * w_scales[static_cast<std::size_t>(k)] : 1.0f;
      const float b = d.bias.empty() ? 0.0f : d.bias[static_cast<std::size_t>(k)];
      for (std::int64_t h = 0; h < P; ++h) {
        for (std::int64_t q = 0; q < Q; ++q) {
          const float raw = precision::load_as_float(yb.data(), e.y_dtype,
                                                     offset(v.layout, n, k, h, q, e.k, P, Q));
          out[static_cast<std::size_t>(((n * p.k + k) * P + h) * Q + q)] =
              activate(d.activation, raw * dq + b);
        }
      }
    }
  }
  return out;
}

std::vector<std::size_t> conv_ops(const Graph& g) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < g.ops().size(); ++i) {
    if (g.ops()[i].kind == OpKind::conv2d) out.push_back(i);
  }
  return out;
}

}  // namespace

std::vector<LayerComparison> compare_conv_layers(
    const Graph& graph, const WeightStore& weights, std::span<const std::vector<float>> input,
    std::span<const std::vector<std::vector<float>>> calibration, const CompareOptions& options,
    const std::function<void(const CompareProgress&)>& progress) {
  PT_REQUIRE(!options.precisions.empty(), invalid_argument, "compare: no precision asked for");
  const bool want_int8 = std::find(options.precisions.begin(), options.precisions.end(),
                                   Precision::int8) != options.precisions.end();
  PT_REQUIRE(!want_int8 || !calibration.empty(), invalid_argument,
             "compare: int8 needs at least one calibration input");
  ReferenceExecutor ref(graph, weights);
  const std::vector<std::size_t> convs = conv_ops(graph);

  // Calibration pass (Note [int8 calibration]): each conv input's values over every calibration
  // input, then one amax per layer.
  std::map<std::size_t, float> amax;
  if (want_int8) {
    std::map<std::size_t, std::vector<float>> seen;
    for (const auto& inputs : calibration) {
      ref.run(inputs);
      for (std::size_t op : convs) {
        const std::vector<float> x = ref.output_of(graph.ops()[op].inputs[0]);
        auto& all = seen[op];
        all.insert(all.end(), x.begin(), x.end());
      }
    }
    for (auto& [op, values] : seen) {
      amax[op] = precision::calibrate_amax(values, options.calibration);
      std::vector<float>().swap(values);
    }
  }

  ref.run(input);
  Stream stream;
  CudnnHandle handle(stream.get());
  std::vector<LayerComparison> out;
  int index = 0;
  for (std::size_t op_index : convs) {
    const Op& op = graph.ops()[op_index];
    ++index;
    if (progress) progress(CompareProgress{index, static_cast<int>(convs.size()), op.name});
    LayerData d;
    d.problem = std::get<ConvProblem>(tuner::problem_from_op(graph, op_index));
    d.problem.x_dtype = d.problem.w_dtype = d.problem.y_dtype = d.problem.compute = DType::fp32;
    d.problem.epilogue = {};
    const auto& attrs = std::get<ConvAttrs>(op.attrs);
    d.activation = attrs.activation;
    d.x = ref.output_of(op.inputs[0]);
    d.y_ref = ref.output_of(op.output);
    d.w = weights.at(op.name + ".weight").data;
    if (attrs.bias) d.bias = weights.at(op.name + ".bias").data;
    const std::string key = tuner::problem_key(d.problem);

    for (Precision pr : options.precisions) {
      LayerComparison row;
      row.op_index = op_index;
      row.layer = op.name;
      row.key = key;
      row.precision = pr;
      const Variant v = variant_for(d.problem, pr, options);
      row.variant = tuner::to_string(v);
      float x_amax = 0.0f;
      if (pr == Precision::int8) {
        x_amax = amax.at(op_index);
        row.input_amax = x_amax;
      }
      try {
        const std::vector<float> y = run_layer(d, v, x_amax, options, handle, stream, row.tactic);
        row.metrics = precision::compare(y, d.y_ref, options.metrics);
        row.ran = true;
      } catch (const Error& err) {
        if (err.code() != ErrorCode::not_supported) throw;
        row.why_not = err.what();
      }
      out.push_back(std::move(row));
    }
  }
  return out;
}

}  // namespace plantune::runtime
