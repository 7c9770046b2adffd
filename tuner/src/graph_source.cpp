#include "plantune/tuner/graph_source.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <set>
#include <tuple>
#include <utility>

#include "device_threads.h"
#include "plantune/core/cuda_check.h"
#include "plantune/core/cudnn_backend_names.h"
#include "plantune/core/cudnn_dtype.h"
#include "plantune/core/cudnn_graph_ops.h"
#include "plantune/core/error.h"
#include "stopwatch.h"

namespace plantune::tuner {
namespace {

constexpr std::int64_t kUidX = 1, kUidW = 2, kUidY = 3, kUidBias = 4, kUidZ = 5;
constexpr std::int64_t kUidVirtual = 100;  // + 1, 2, 3: the fused graph's fp32 intermediates

// The operation graph of one executed problem, with the descriptors it was built from
// (Note [graph fused epilogue]).
struct ConvOpGraph {
  std::deque<BackendDescriptor> parts;
  std::vector<BackendDescriptor> ops;
  BackendDescriptor graph;
  ConvEpilogue epilogue;
  float alpha = 1.0f;  // the convolution's, fixed in the graph (Note [conv alpha])

  explicit ConvOpGraph(const ConvSourceContext& ctx)
      : epilogue(ctx.exec.epilogue), alpha(ctx.alpha) {
    const ConvProblem& p = ctx.exec;
    const bool cl = ctx.variant.layout == Layout::nhwc;
    // int8: x and w CUDNN_DATA_INT8, y CUDNN_DATA_FLOAT, compute CUDNN_DATA_INT32 (Note [int8
    // convolution] in conv_workload.h). bias and z are stored in y's dtype.
    const cudnnDataType_t yt = plantune::to_cudnn(p.y_dtype);
    const cudnnDataType_t compute = plantune::to_cudnn(p.compute);
    const std::vector<std::int64_t> xd = {p.n, p.c, p.h, p.w};
    const std::vector<std::int64_t> wd = {p.k, p.c / p.groups, p.r, p.s};
    const std::vector<std::int64_t> yd = {p.n, p.k, p.out_h(), p.out_w()};
    const std::vector<std::int64_t> ys = packed_strides(yd, cl);
    const BackendDescriptor& x =
        part(make_tensor(kUidX, plantune::to_cudnn(p.x_dtype), xd, packed_strides(xd, cl)));
    const BackendDescriptor& w =
        part(make_tensor(kUidW, plantune::to_cudnn(p.w_dtype), wd, packed_strides(wd, cl)));
    const BackendDescriptor& y = part(make_tensor(kUidY, yt, yd, ys));
    const std::vector<std::int64_t> pad = {p.pad_h, p.pad_w}, stride = {p.stride_h, p.stride_w},
                                    dil = {p.dilation_h, p.dilation_w};
    const BackendDescriptor& conv = part(make_convolution(pad, pad, stride, dil, compute));
    if (epilogue.empty()) {
      ops.push_back(make_conv_forward(x, w, y, conv, compute, alpha));
      graph = make_operation_graph(ctx.handle, ops);
      return;
    }
    // conv -> fp32 virtual -> [+ bias] -> [+ z] -> [act] -> y: the last step writes y.
    const int steps = (epilogue.bias ? 1 : 0) + (epilogue.residual ? 1 : 0) +
                      (epilogue.activation != Activation::none ? 1 : 0);
    int step = 0;
    std::int64_t next_virtual = kUidVirtual;
    // The output of the next step: y for the last one, else a new fp32 virtual tensor.
    auto output = [&]() -> const BackendDescriptor& {
      if (++step == steps) return y;
      return part(make_tensor(++next_virtual, CUDNN_DATA_FLOAT, yd, ys, 16, true));
    };
    const BackendDescriptor* cur =
        &part(make_tensor(++next_virtual, CUDNN_DATA_FLOAT, yd, ys, 16, true));
    ops.push_back(make_conv_forward(x, w, *cur, conv, compute, alpha));
    const BackendDescriptor* add = nullptr;
    if (epilogue.bias || epilogue.residual) add = &part(make_pointwise(CUDNN_POINTWISE_ADD));
    if (epilogue.bias) {
      const std::vector<std::int64_t> bd = {1, p.k, 1, 1};
      const BackendDescriptor& bias = part(make_tensor(kUidBias, yt, bd, packed_strides(bd, cl)));
      const BackendDescriptor& out = output();
      ops.push_back(make_pointwise_op(*add, *cur, bias, out));
      cur = &out;
    }
    if (epilogue.residual) {
      const BackendDescriptor& z = part(make_tensor(kUidZ, yt, yd, ys));
      const BackendDescriptor& out = output();
      ops.push_back(make_pointwise_op(*add, *cur, z, out));
      cur = &out;
    }
    if (epilogue.activation != Activation::none) {
      const auto act = graph_activation(epilogue.activation);
      PT_REQUIRE(act.has_value(), not_supported,
                 "cuDNN has no pointwise mode for " << to_string(epilogue.activation));
      const BackendDescriptor& pw = part(make_pointwise(act->mode, CUDNN_DATA_FLOAT, act->params));
      ops.push_back(make_pointwise_op(pw, *cur, output()));
    }
    graph = make_operation_graph(ctx.handle, ops);
  }

 private:
  // Keeps `d` alive with the graph (Note [cuDNN backend descriptors]). A deque: references to
  // earlier parts stay valid.
  const BackendDescriptor& part(BackendDescriptor d) {
    parts.push_back(std::move(d));
    return parts.back();
  }
};

std::string with_prefix(const std::string& name, const std::string& kind_prefix,
                        const std::string& full_prefix) {
  // Unknown values come back as "<KIND>_<n>" (e.g. "KNOB_TYPE_57"): prefix "CUDNN_" only.
  if (name.rfind(kind_prefix, 0) == 0) return "CUDNN_" + name;
  return full_prefix + name;
}

GraphEngineTactic to_tactic(const EngineInfo& info, const std::vector<KnobChoice>& knobs,
                            GraphSource source) {
  GraphEngineTactic t;
  t.engine_id = info.global_index;
  for (const KnobChoice& k : knobs) t.set_knob(knob_name(k.type), k.value);
  t.source = source;
  for (auto n : info.behavior_notes) {
    t.behavior_notes.push_back(
        with_prefix(plantune::to_string(n), "BEHAVIOR_NOTE_", "CUDNN_BEHAVIOR_NOTE_"));
  }
  for (auto n : info.numerical_notes) {
    t.numerical_notes.push_back(
        with_prefix(plantune::to_string(n), "NUMERICAL_NOTE_", "CUDNN_NUMERICAL_NOTE_"));
  }
  return t;
}

std::string finalize_detail(const std::string& what, const BackendDescriptor& d) {
  std::string s = what + ": " + status_string(d.finalize_status());
  if (!d.finalize_message().empty()) s += "; " + d.finalize_message();
  return s;
}

class GraphRunner final : public ConvRunner {
 public:
  GraphRunner(cudnnHandle_t handle, std::shared_ptr<const ConvOpGraph> graph,
              BackendDescriptor config, std::int64_t ws)
      : handle_(handle), graph_(std::move(graph)), config_(std::move(config)), ws_(ws) {}

  void prepare() override {
    if (plan_.finalized()) return;
    BackendDescriptor plan = try_make_execution_plan(handle_, config_);
    if (!plan.finalized()) {
      PT_FAIL(not_supported, finalize_detail("execution plan", plan));
    }
    ws_ = workspace_size(plan);
    plan_ = std::move(plan);
  }

  // Finalizing an execution plan reads the handle and this runner's engine configuration (no
  // stream, no device memory); the cuDNN frontend documents building one graph's plans in
  // parallel (build_plan_at_index) as its autotuning use.
  bool thread_safe_prepare() const override { return true; }

  std::int64_t workspace_bytes() const override { return ws_; }

  void enqueue(const ConvOperands& op, void* workspace, cudaStream_t stream) override {
    PT_REQUIRE(plan_.finalized(), internal, "graph tactic enqueued before prepare()");
    if (stream != stream_) {
      PT_CUDNN_CHECK(cudnnSetStream(handle_, stream));
      stream_ = stream;
    }
    PT_REQUIRE(op.alpha == graph_->alpha, invalid_argument,
               "graph convolution prepared for alpha = "
                   << graph_->alpha << " enqueued with alpha = " << op.alpha
                   << ": the graph API fixes alpha in the operation graph; prepare the tactic "
                      "with ConvSourceContext::alpha = "
                   << op.alpha << " (Note [conv alpha] in conv_tactic.h)");
    const ConvEpilogue& e = graph_->epilogue;
    PT_REQUIRE(!e.bias || op.bias != nullptr, invalid_argument,
               "fused graph convolution: the epilogue adds a bias, the operands have none");
    PT_REQUIRE(!e.residual || op.z != nullptr, invalid_argument,
               "fused graph convolution: the epilogue adds z, the operands have none");
    const void* bias = e.bias ? op.bias : nullptr;
    const void* z = e.residual ? op.z : nullptr;
    const Key key{op.x, op.w, op.y, bias, z, workspace};
    auto it = packs_.find(key);
    if (it == packs_.end()) {
      if (packs_.size() >= kMaxPacks) packs_.clear();
      std::vector<std::int64_t> uids = {kUidX, kUidW, kUidY};
      std::vector<void*> ptrs = {const_cast<void*>(op.x), const_cast<void*>(op.w), op.y};
      if (bias != nullptr) {
        uids.push_back(kUidBias);
        ptrs.push_back(const_cast<void*>(bias));
      }
      if (z != nullptr) {
        uids.push_back(kUidZ);
        ptrs.push_back(const_cast<void*>(z));
      }
      it = packs_.emplace(key, make_variant_pack(uids, ptrs, workspace)).first;
    }
    PT_CUDNN_CHECK_MSG(cudnnBackendExecute(handle_, plan_.get(), it->second.get()),
                       "executing a cuDNN graph plan");
  }

 private:
  using Key = std::tuple<const void*, const void*, void*, const void*, const void*, void*>;
  static constexpr std::size_t kMaxPacks = 4096;
  cudnnHandle_t handle_;
  std::shared_ptr<const ConvOpGraph> graph_;
  BackendDescriptor config_, plan_;
  std::int64_t ws_;
  std::map<Key, BackendDescriptor> packs_;
  cudaStream_t stream_ = reinterpret_cast<cudaStream_t>(~std::uintptr_t{0});
};

// A finalized engine configuration -> a PreparedTactic (plan built later, in prepare()).
PreparedTactic prepare_config(const ConvSourceContext& ctx,
                              const std::shared_ptr<const ConvOpGraph>& graph,
                              BackendDescriptor config, GraphEngineTactic tactic) {
  const std::int64_t ws = workspace_size(config);
  if (ws > ctx.workspace_limit) {
    return unrunnable(std::move(tactic), Outcome::over_workspace_limit,
                      "needs " + std::to_string(ws) + " bytes, limit " +
                          std::to_string(ctx.workspace_limit),
                      ws);
  }
  PreparedTactic out;
  out.config = std::move(tactic);
  out.workspace_bytes = ws;
  out.runner = std::make_unique<GraphRunner>(ctx.handle, graph, std::move(config), ws);
  return out;
}

// The operation graph of `ctx`. A fused graph cuDNN cannot express (Note [graph fused
// epilogue]) is nullptr, with the reason appended to `notes` (when given); a plain
// convolution's graph always builds or throws.
std::shared_ptr<const ConvOpGraph> try_make_graph(const ConvSourceContext& ctx,
                                                  std::vector<std::string>* notes) {
  if (ctx.exec.epilogue.empty()) return std::make_shared<const ConvOpGraph>(ctx);
  try {
    return std::make_shared<const ConvOpGraph>(ctx);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::not_supported) throw;
    if (notes != nullptr) {
      notes->push_back("no graph tactics: the fused graph (" + problem_key(ctx.exec) +
                       ") cannot be built: " + e.what());
    }
    return nullptr;
  }
}

std::vector<std::int64_t> knob_values(const KnobInfo& k) {
  if (k.stride <= 0 || k.max_value < k.min_value) return {k.min_value};
  const std::int64_t count = (k.max_value - k.min_value) / k.stride + 1;
  std::set<std::int64_t> v;
  if (count <= kMaxValuesPerKnob) {
    for (std::int64_t i = 0; i < count; ++i) v.insert(k.min_value + i * k.stride);
  } else {
    for (std::int64_t i = 0; i < 4; ++i) v.insert(k.min_value + i * k.stride);
    for (std::int64_t p = 1; p > 0 && p <= k.max_value &&
                             static_cast<int>(v.size()) < kMaxValuesPerKnob;
         p *= 2) {
      if (p >= k.min_value && (p - k.min_value) % k.stride == 0) v.insert(p);
    }
  }
  return {v.begin(), v.end()};
}

}  // namespace

std::optional<GraphActivation> graph_activation(Activation a) {
  GraphActivation g;
  switch (a) {
    case Activation::none: return std::nullopt;
    case Activation::relu: g.mode = CUDNN_POINTWISE_RELU_FWD; return g;
    case Activation::relu6:
      g.mode = CUDNN_POINTWISE_RELU_FWD;
      g.params.relu_upper_clip = 6.0;
      return g;
    case Activation::sigmoid: g.mode = CUDNN_POINTWISE_SIGMOID_FWD; return g;
    case Activation::silu: g.mode = CUDNN_POINTWISE_SWISH_FWD; return g;  // beta 1
    case Activation::gelu: g.mode = CUDNN_POINTWISE_GELU_FWD; return g;   // the erf form
    case Activation::hard_swish: return std::nullopt;
  }
  return std::nullopt;
}

std::string knob_name(cudnnBackendKnobType_t type) {
  return with_prefix(plantune::to_string(type), "KNOB_TYPE_", "CUDNN_KNOB_TYPE_");
}

std::optional<cudnnBackendKnobType_t> knob_type_of(const std::string& name) {
  const std::string prefix = "CUDNN_KNOB_TYPE_";
  if (name.rfind(prefix, 0) != 0) return std::nullopt;
  if (auto t = knob_type_from_string(name.substr(prefix.size()))) return t;
  return knob_type_from_string(name.substr(6));  // "KNOB_TYPE_<n>"
}

bool engine_allowed(Precision p, const EngineInfo& info) {
  if (p != Precision::fp32) return true;
  return !info.has(CUDNN_NUMERICAL_NOTE_TENSOR_CORE) &&
         !info.has(CUDNN_NUMERICAL_NOTE_DOWN_CONVERT_INPUTS);
}

std::vector<std::vector<KnobChoice>> knob_assignments(const std::vector<KnobInfo>& knobs,
                                                      int max_tries) {
  std::vector<std::vector<KnobChoice>> out;
  if (max_tries <= 0) return out;
  out.push_back({});
  std::vector<std::vector<std::int64_t>> values;
  std::size_t longest = 0;
  for (const KnobInfo& k : knobs) {
    values.push_back(knob_values(k));
    longest = std::max(longest, values.back().size());
  }
  auto full = [&]() { return static_cast<int>(out.size()) >= max_tries; };
  // One knob at a time, round-robin over the knobs.
  for (std::size_t j = 0; j < longest && !full(); ++j) {
    for (std::size_t i = 0; i < knobs.size() && !full(); ++i) {
      if (j < values[i].size()) out.push_back({KnobChoice{knobs[i].type, values[i][j]}});
    }
  }
  // Full assignments, mixed radix (the last knob changes fastest).
  if (knobs.size() >= 2) {
    std::vector<std::size_t> idx(knobs.size(), 0);
    while (!full()) {
      std::vector<KnobChoice> a;
      for (std::size_t i = 0; i < knobs.size(); ++i) a.push_back({knobs[i].type, values[i][idx[i]]});
      out.push_back(std::move(a));
      std::size_t d = knobs.size();
      while (d > 0) {
        --d;
        if (++idx[d] < values[d].size()) break;
        idx[d] = 0;
        if (d == 0) return out;
      }
    }
  }
  return out;
}

namespace {

// One global engine's tactics: its knob configurations that finalize (Note [knob
// enumeration]), or one not_supported tactic when the engine or its defaults do not. `seen`
// holds the heuristics' tactic ids (read only: engines run on several threads).
struct EngineTactics {
  std::vector<PreparedTactic> tactics;
  bool supported = false;  // the engine finalized for the graph
  std::exception_ptr error;
};

EngineTactics engine_tactics(const ConvSourceContext& ctx,
                             const std::shared_ptr<const ConvOpGraph>& graph, std::int64_t id,
                             const GraphSourceOptions& options, const std::set<std::string>& seen) {
  EngineTactics out;
  BackendDescriptor engine = try_make_engine(graph->graph, id);
  if (!engine.finalized()) {
    if (options.record_unsupported_engines) {
      GraphEngineTactic t;
      t.engine_id = id;
      out.tactics.push_back(
          unrunnable(std::move(t), Outcome::not_supported, finalize_detail("engine", engine)));
    }
    return out;
  }
  out.supported = true;
  const EngineInfo info = query_engine(engine);
  if (!engine_allowed(ctx.variant.precision, info)) return out;
  const int cap = info.has(CUDNN_BEHAVIOR_NOTE_RUNTIME_COMPILATION)
                      ? options.max_configs_runtime_compiled
                      : options.max_configs_per_engine;
  int kept = 0;
  for (const auto& knobs : knob_assignments(info.knobs, options.max_knob_tries)) {
    if (kept >= cap) break;
    GraphEngineTactic t = to_tactic(info, knobs, GraphSource::engine_enum);
    if (seen.count(tactic_id(t)) != 0) {
      ++kept;  // already proposed by a heuristic: counts against the cap
      continue;
    }
    BackendDescriptor cfg = try_make_engine_config(engine, knobs);
    if (!cfg.finalized()) {
      // The defaults failing means the engine cannot run here: record it; other knob values
      // that cuDNN rejects are simply not part of the space.
      if (knobs.empty()) {
        out.tactics.push_back(unrunnable(std::move(t), Outcome::not_supported,
                                         finalize_detail("engine configuration", cfg)));
      }
      continue;
    }
    ++kept;
    out.tactics.push_back(prepare_config(ctx, graph, std::move(cfg), std::move(t)));
  }
  return out;
}

}  // namespace

GraphTactics graph_tactics(const ConvSourceContext& ctx, const GraphSourceOptions& options) {
  GraphTactics out;
  auto graph = try_make_graph(ctx, &out.notes);
  if (!graph) return out;
  out.engine_count = engine_global_count(graph->graph);
  std::set<std::string> seen;
  auto add = [&](PreparedTactic t) {
    if (seen.insert(tactic_id(t.config)).second) out.tactics.push_back(std::move(t));
  };

  auto from_heuristic = [&](cudnnBackendHeurMode_t mode, GraphSource source) {
    std::vector<BackendDescriptor> configs;
    try {
      configs = heuristic_engine_configs(graph->graph, mode, options.max_heuristic_configs);
    } catch (const Error& e) {
      out.notes.push_back(std::string(to_string(source)) + " gave no configurations: " + e.what());
      return;
    }
    for (BackendDescriptor& cfg : configs) {
      const EngineInfo info = query_engine(engine_of(cfg));
      if (!engine_allowed(ctx.variant.precision, info)) continue;
      GraphEngineTactic t = to_tactic(info, knob_choices_of(cfg), source);
      if (seen.count(tactic_id(t)) != 0) continue;
      add(prepare_config(ctx, graph, std::move(cfg), std::move(t)));
    }
  };
  using detail::Clock;
  using detail::seconds_since;
  const auto t0 = Clock::now();
  if (options.heuristic_a) from_heuristic(CUDNN_HEUR_MODE_A, GraphSource::heuristic_a);
  const auto t_b = Clock::now();
  if (options.heuristic_b) from_heuristic(CUDNN_HEUR_MODE_B, GraphSource::heuristic_b);
  out.heuristic_b_seconds = seconds_since(t_b);
  if (options.fallback) from_heuristic(CUDNN_HEUR_MODE_FALLBACK, GraphSource::fallback);
  out.heuristics_seconds = seconds_since(t0);

  if (!options.engines) return out;
  // Engines in parallel (Note [knob enumeration]), gathered in id order: the list does not
  // depend on the thread count.
  std::vector<EngineTactics> per(
      static_cast<std::size_t>(std::max<std::int64_t>(out.engine_count, 0)));
  detail::for_each_on_device_threads(per.size(), options.threads, [&](std::size_t i) {
    try {
      per[i] = engine_tactics(ctx, graph, static_cast<std::int64_t>(i), options, seen);
    } catch (...) {
      per[i].error = std::current_exception();
    }
  });
  for (EngineTactics& e : per) {
    if (e.error) std::rethrow_exception(e.error);
    out.engines_supported += e.supported ? 1 : 0;
    for (PreparedTactic& t : e.tactics) add(std::move(t));
  }
  return out;
}

PreparedTactic prepare_graph(const ConvSourceContext& ctx, const GraphEngineTactic& tactic) {
  std::vector<std::string> why;
  auto graph = try_make_graph(ctx, &why);
  if (!graph) return unrunnable(tactic, Outcome::not_supported, why.front());
  BackendDescriptor engine = try_make_engine(graph->graph, tactic.engine_id);
  if (!engine.finalized()) {
    return unrunnable(tactic, Outcome::not_supported, finalize_detail("engine", engine));
  }
  std::vector<KnobChoice> knobs;
  for (const Knob& k : tactic.knobs) {
    auto type = knob_type_of(k.name);
    if (!type) {
      return unrunnable(tactic, Outcome::not_supported, "unknown knob " + k.name);
    }
    knobs.push_back({*type, k.value});
  }
  BackendDescriptor cfg = try_make_engine_config(engine, knobs);
  if (!cfg.finalized()) {
    return unrunnable(tactic, Outcome::not_supported,
                      finalize_detail("engine configuration", cfg));
  }
  return prepare_config(ctx, graph, std::move(cfg), tactic);
}

std::optional<GraphEngineTactic> graph_heuristic_first(const ConvSourceContext& ctx,
                                                       cudnnBackendHeurMode_t mode,
                                                       bool require_plan) {
  auto graph = try_make_graph(ctx, nullptr);
  if (!graph) return std::nullopt;
  std::vector<BackendDescriptor> configs;
  try {
    configs = heuristic_engine_configs(graph->graph, mode);
  } catch (const Error&) {
    return std::nullopt;
  }
  const GraphSource source = mode == CUDNN_HEUR_MODE_A   ? GraphSource::heuristic_a
                             : mode == CUDNN_HEUR_MODE_B ? GraphSource::heuristic_b
                                                         : GraphSource::fallback;
  for (BackendDescriptor& cfg : configs) {
    const EngineInfo info = query_engine(engine_of(cfg));
    if (!engine_allowed(ctx.variant.precision, info)) continue;
    if (workspace_size(cfg) > ctx.workspace_limit) continue;
    GraphEngineTactic t = to_tactic(info, knob_choices_of(cfg), source);
    if (!require_plan) return t;
    BackendDescriptor plan = try_make_execution_plan(ctx.handle, cfg);
    if (plan.finalized() && workspace_size(plan) <= ctx.workspace_limit) return t;
  }
  return std::nullopt;
}

}  // namespace plantune::tuner
