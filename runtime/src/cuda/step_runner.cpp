#include "step_runner.h"

#include <memory>

#include "plantune/core/cuda_check.h"
#include "plantune/core/error.h"
#include "plantune/layouts/transform.h"
#include "plantune/runtime/kernels.h"
#include "plantune/tuner/conv_workload.h"
#include "plantune/tuner/gemm_source.h"
#include "plantune/tuner/tuner.h"

namespace plantune::runtime::detail {

namespace {

using kernels::TensorRef;

TensorRef ref(const Schedule& s, const StepContext& ctx, int tensor) {
  const auto& t = s.tensors.at(static_cast<std::size_t>(tensor));
  TensorRef r;
  r.data = ctx.arena + t.offset;
  r.dtype = t.dtype;
  r.layout = t.layout;
  const auto& d = t.dims;
  PT_REQUIRE(!d.empty() && d.size() <= 4, invalid_argument,
             "engine: tensor '" << t.name << "' has rank " << d.size() << " (1 to 4 supported)");
  r.n = d[0];
  r.c = d.size() > 1 ? d[1] : 1;
  r.h = d.size() > 2 ? d[2] : 1;
  r.w = d.size() > 3 ? d[3] : 1;
  return r;
}

const Op& op_named(const Graph& g, const std::string& name) {
  for (const Op& op : g.ops())
    if (op.name == name) return op;
  PT_FAIL(invalid_argument, "engine: the network has no op '" << name << "'");
}

// The step's planned workspace, checked against what its tactic needs on this device.
void* step_workspace(const ScheduleStep& st, std::int64_t need, const StepContext& ctx) {
  if (need <= 0) return nullptr;
  const std::int64_t planned = st.tactic ? st.tactic->workspace_bytes : 0;
  PT_REQUIRE(st.workspace_offset >= 0 && need <= planned, not_supported,
             "engine: step '" << st.name << "' needs " << need
                              << " bytes of workspace here, the schedule planned " << planned);
  return ctx.arena + st.workspace_offset;
}

StepFn convert_step(const Schedule& s, const ScheduleStep& st, const StepContext& ctx) {
  const auto& src = s.tensors.at(static_cast<std::size_t>(st.inputs.at(0)));
  const auto& dst = s.tensors.at(static_cast<std::size_t>(st.output));
  layouts::TransformDesc d;
  const TensorRef r = ref(s, ctx, st.inputs.at(0));
  d.dims = layouts::Dims4{r.n, r.c, r.h, r.w};
  d.src_layout = src.layout == Layout::nhwc ? layouts::kNHWC : layouts::kNCHW;
  d.dst_layout = dst.layout == Layout::nhwc ? layouts::kNHWC : layouts::kNCHW;
  d.src_dtype = src.dtype;
  d.dst_dtype = dst.dtype;
  layouts::validate(d);
  const void* in = ctx.arena + src.offset;
  void* out = ctx.arena + dst.offset;
  return [d, in, out](cudaStream_t stream) { layouts::transform(d, in, out, stream); };
}

StepFn conv_step(const Schedule& s, const ScheduleStep& st, const DeviceStepWeights& w,
                 const StepContext& ctx) {
  PT_REQUIRE(st.tactic.has_value(), invalid_argument,
             "engine: conv step '" << st.name << "' has no tactic");
  const StepTactic& t = *st.tactic;
  const tuner::ConvProblem p = tuner::parse_conv_key(t.key);
  tuner::ConvSourceContext sc;
  sc.handle = ctx.cudnn;
  sc.exec = tuner::exec_problem(p, t.tactic.variant);
  sc.variant = t.tactic.variant;
  sc.workspace_limit = std::max<std::int64_t>(s.memory.workspace_bytes, 0);
  tuner::PreparedTactic prepared = tuner::prepare_tactic(sc, t.tactic.config);
  PT_REQUIRE(prepared.outcome == tuner::Outcome::ok && prepared.runner, not_supported,
             "engine: step '" << st.name << "': tactic " << tuner::to_string(t.tactic)
                              << " does not run here (" << tuner::to_string(prepared.outcome)
                              << (prepared.detail.empty() ? "" : ": " + prepared.detail) << ")");
  prepared.runner->prepare();
  const std::int64_t prepared_ws = prepared.runner->workspace_bytes();
  void* workspace = step_workspace(st, prepared_ws, ctx);
  const bool fused = st.epilogue_fused;
  tuner::ConvOperands ops;
  ops.x = ctx.arena + s.tensors.at(static_cast<std::size_t>(st.inputs.at(0))).offset;
  ops.w = w.weight;
  ops.y = ctx.arena + s.tensors.at(static_cast<std::size_t>(st.output)).offset;
  if (fused) {
    if (p.epilogue.bias) ops.bias = w.bias;
    if (p.epilogue.residual) {
      PT_REQUIRE(st.residual.has_value(), invalid_argument,
                 "engine: step '" << st.name << "': the tactic adds a residual the step lacks");
      ops.z = ctx.arena + s.tensors.at(static_cast<std::size_t>(*st.residual)).offset;
    }
  }
  std::shared_ptr<tuner::ConvRunner> runner = std::move(prepared.runner);
  const TensorRef y = ref(s, ctx, st.output);
  std::optional<TensorRef> z;
  if (st.residual) z = ref(s, ctx, *st.residual);
  const void* bias = st.bias ? w.bias : nullptr;
  const Activation act = st.activation;
  const bool epilogue = !fused && (bias || z || act != Activation::none);
  // Graph-API steps start from a zeroed workspace (a few hundred bytes for most engines; each
  // step's workspace shares its bytes with other steps' tensors). This alone did not remove the
  // run-to-run differences seen under CUDA-graph replay (Note [runtime-compiled engines under
  // CUDA-graph replay] in schedule_builder.h); the replays verified exact on the H100 ran with it.
  const std::int64_t ws_bytes =
      api_of(t.tactic.config) == tuner::Api::cudnn_graph && workspace != nullptr
          ? prepared_ws
          : 0;
  return [runner, ops, workspace, ws_bytes, epilogue, y, z, bias, act](cudaStream_t stream) {
    if (ws_bytes > 0)
      PT_CUDA_CHECK(cudaMemsetAsync(workspace, 0, static_cast<std::size_t>(ws_bytes), stream));
    runner->enqueue(ops, workspace, stream);
    if (epilogue)
      kernels::bias_residual_activation(y, bias, z ? &*z : nullptr, act, stream);
  };
}

StepFn fc_step(const Schedule& s, const ScheduleStep& st, const DeviceStepWeights& w,
               const StepContext& ctx) {
  const Graph& g = s.graph;
  const Op& op = op_named(g, st.ops.at(0));
  const auto& a = std::get<FullyConnectedAttrs>(op.attrs);
  const TensorRef x = ref(s, ctx, st.inputs.at(0));
  const TensorRef y = ref(s, ctx, st.output);
  tuner::GemmProblem p;
  p.m = x.n;
  p.k = x.c * x.h * x.w;
  p.n = a.out_features;
  p.transb = true;
  p.a_dtype = p.b_dtype = p.d_dtype = x.dtype;
  p.compute = DType::fp32;
  p.bias = a.bias;
  p.activation = st.activation;
  std::optional<tuner::CublasLtTactic> tactic;
  if (st.tactic) tactic = std::get<tuner::CublasLtTactic>(st.tactic->tactic.config);
  std::shared_ptr<tuner::GemmRunner> runner =
      tuner::make_gemm_runner(ctx.cublaslt, p, s.precision, tactic);
  const std::int64_t ws = runner->workspace_bytes();
  void* workspace = step_workspace(st, ws, ctx);
  tuner::GemmOperands ops;
  ops.a = x.data;
  ops.b = w.weight;
  ops.bias = w.bias;
  ops.d = y.data;
  return [runner, ops, workspace, ws](cudaStream_t stream) {
    runner->enqueue(ops, workspace, ws, stream);
  };
}

}  // namespace

StepFn make_step(const Schedule& s, std::size_t index, const DeviceStepWeights& w,
                 const StepContext& ctx) {
  const ScheduleStep& st = s.steps.at(index);
  if (st.kind == StepKind::convert) return convert_step(s, st, ctx);
  const Op& op = op_named(s.graph, st.ops.at(0));
  auto in = [&](std::size_t i) { return ref(s, ctx, st.inputs.at(i)); };
  const TensorRef y = ref(s, ctx, st.output);
  const Activation act = st.activation;
  switch (st.op) {
    case OpKind::conv2d:
      return conv_step(s, st, w, ctx);
    case OpKind::fully_connected:
      return fc_step(s, st, w, ctx);
    case OpKind::flatten:
    case OpKind::reshape:
      return [](cudaStream_t) {};  // a view: same storage
    case OpKind::max_pool: {
      const auto a = std::get<PoolAttrs>(op.attrs);
      const TensorRef x = in(0);
      return [x, y, a](cudaStream_t stream) { kernels::max_pool(x, y, a, stream); };
    }
    case OpKind::avg_pool: {
      const auto a = std::get<PoolAttrs>(op.attrs);
      const TensorRef x = in(0);
      return [x, y, a](cudaStream_t stream) { kernels::avg_pool(x, y, a, stream); };
    }
    case OpKind::global_avg_pool: {
      const TensorRef x = in(0);
      return [x, y](cudaStream_t stream) { kernels::global_avg_pool(x, y, stream); };
    }
    case OpKind::add: {
      const TensorRef a = in(0), b = in(1);
      return [a, b, y, act](cudaStream_t stream) { kernels::add(a, b, y, act, stream); };
    }
    case OpKind::mul: {
      const TensorRef a = in(0), b = in(1);
      return [a, b, y, act](cudaStream_t stream) { kernels::mul(a, b, y, act, stream); };
    }
    case OpKind::activation: {
      const TensorRef x = in(0);
      const Activation k = std::get<ActivationAttrs>(op.attrs).kind;
      return [x, y, k](cudaStream_t stream) { kernels::activation(x, y, k, stream); };
    }
    case OpKind::batch_norm: {
      const TensorRef x = in(0);
      const float* scale = w.scale;
      const float* shift = w.shift;
      return [x, y, scale, shift, act](cudaStream_t stream) {
        kernels::scale_shift(x, y, scale, shift, stream, act);
      };
    }
    case OpKind::softmax: {
      PT_REQUIRE(std::get<SoftmaxAttrs>(op.attrs).axis == 1, invalid_argument,
                 "engine: step '" << st.name << "': softmax over axis "
                                  << std::get<SoftmaxAttrs>(op.attrs).axis
                                  << " is not run by the engine (axis 1 only)");
      const TensorRef x = in(0);
      return [x, y](cudaStream_t stream) { kernels::softmax(x, y, stream); };
    }
    case OpKind::concat: {
      std::vector<TensorRef> xs;
      for (std::size_t i = 0; i < st.inputs.size(); ++i) xs.push_back(in(i));
      return [xs, y](cudaStream_t stream) { kernels::concat(xs, y, stream); };
    }
    case OpKind::upsample: {
      const auto a = std::get<UpsampleAttrs>(op.attrs);
      const TensorRef x = in(0);
      return [x, y, a](cudaStream_t stream) { kernels::upsample(x, y, a, stream); };
    }
    case OpKind::conv_transpose2d:
      break;
  }
  PT_FAIL(invalid_argument, "engine: step '" << st.name << "': " << to_string(st.op)
                                             << " layers are not run by the engine yet");
}

}  // namespace plantune::runtime::detail
