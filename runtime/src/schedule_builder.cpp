#include "plantune/runtime/schedule_builder.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <regex>
#include <set>

#include "plantune/core/error.h"
#include "plantune/layouts/transform_cost.h"
#include "plantune/runtime/layout_assignment.h"
#include "plantune/runtime/schedule_memory.h"
#include "plantune/tuner/problem_from_graph.h"

namespace plantune::runtime {

namespace {

using tuner::Precision;
using tuner::Variant;

constexpr double kInf = std::numeric_limits<double>::infinity();

// A tensor whose bytes are the same in NCHW and NHWC (no spatial extent, or one channel).
bool layout_free(const std::vector<std::int64_t>& dims) {
  if (dims.size() != 4) return true;
  return dims[2] * dims[3] == 1 || dims[1] == 1;
}

double bytes_ms(double bytes, double gbps) { return bytes / (gbps * 1e9) * 1e3; }

// What converting a tensor of `dims` between layouts costs: the database's measured transform
// costs (layouts::predict_ms: that transform, else the nearest-sized one of its kind), else the
// bytes at the assumed bandwidth.
double conversion_ms(const std::vector<std::int64_t>& dims, Layout from, Layout to, DType dtype,
                     const tuner::TacticDb& db, double gbps) {
  if (dims.size() == 4) {
    const layouts::TransformDesc desc{{dims[0], dims[1], dims[2], dims[3]},
                                      layouts::TensorLayout{from, 1, 1}, dtype,
                                      layouts::TensorLayout{to, 1, 1}, dtype};
    if (auto ms = layouts::predict_ms(db.transforms(), desc)) return *ms;
  }
  std::int64_t numel = 1;
  for (std::int64_t d : dims) numel *= d;
  return bytes_ms(2.0 * static_cast<double>(numel * dtype_size(dtype)), gbps);
}

tuner::ConvProblem conv_problem(const Graph& g, const Layer& l, bool fused) {
  auto p = std::get<tuner::ConvProblem>(tuner::problem_from_op(g, l.primary_op));
  if (fused) {
    p.epilogue.bias = l.epilogue.bias;
    p.epilogue.residual = l.epilogue.residual.has_value();
    p.epilogue.activation = l.epilogue.activation;
  }
  return p;
}

// The first ok candidate of `key`/`v` whose workspace fits; nullopt when none.
std::optional<StepTactic> pick(const tuner::TacticDb& db, const std::string& key,
                               const Variant& v, std::int64_t workspace_limit,
                               const std::vector<tuner::Api>& apis,
                               const std::optional<std::regex>& exclude,
                               const std::set<std::int64_t>& avoid_engines) {
  const tuner::Entry* e = db.find(key);
  if (e == nullptr) return std::nullopt;
  const tuner::VariantResult* r = e->find(v);
  if (r == nullptr || r->needs_reverify) return std::nullopt;
  for (const tuner::Candidate& c : r->candidates) {
    if (c.outcome != tuner::Outcome::ok || !c.timing) continue;
    if (c.workspace_bytes > workspace_limit) continue;
    if (!apis.empty() && std::find(apis.begin(), apis.end(), tuner::api_of(c.tactic)) == apis.end())
      continue;
    if (exclude && std::regex_search(tuner::tactic_id(c.tactic), *exclude)) continue;
    if (const auto* g = std::get_if<tuner::GraphEngineTactic>(&c.tactic);
        g != nullptr && avoid_engines.count(g->engine_id))
      continue;
    return StepTactic{key, tuner::Tactic{v, c.tactic}, c.timing->median_ms, c.workspace_bytes};
  }
  return std::nullopt;
}

bool has_variant(const tuner::TacticDb& db, const std::string& key, const Variant& v) {
  const tuner::Entry* e = db.find(key);
  return e != nullptr && e->find(v) != nullptr && !e->find(v)->needs_reverify;
}

// What each layer may run as, per layout label (index into options.layouts).
struct LayerChoice {
  std::vector<double> cost;                        // per label; kInf: not allowed
  std::vector<std::optional<StepTactic>> tactic;   // conv / fc, per label
  std::vector<bool> fused;                         // epilogue fused, per label
  std::vector<std::string> note;                   // per label
};

}  // namespace

namespace {

// The problems of `f`'s layers (see schedule_problems()).
std::vector<TuneRequest> problems_of(const Graph& g, const FusionResult& f,
                                     const ScheduleOptions& options) {
  std::vector<TuneRequest> out;
  std::map<std::string, std::size_t> index;
  auto want = [&](const tuner::Problem& p, std::vector<Variant> variants, const std::string& layer) {
    const std::string key = tuner::problem_key(p);
    auto [it, fresh] = index.emplace(key, out.size());
    if (fresh) out.push_back(TuneRequest{p, key, std::move(variants), {}});
    out[it->second].layers.push_back(layer);
  };
  for (const Layer& l : f.layers) {
    if (l.kind == OpKind::conv2d) {
      std::vector<Variant> vs;
      for (Layout lay : options.layouts) vs.push_back(Variant{lay, options.precision, 0, 0});
      const auto fused = conv_problem(g, l, options.fused_epilogues);
      want(fused, vs, l.name);
    } else if (l.kind == OpKind::fully_connected) {
      auto p = std::get<tuner::GemmProblem>(tuner::problem_from_op(g, l.primary_op));
      p.activation = l.epilogue.activation;
      want(p, {Variant{Layout::nchw, options.precision, 0, 0}}, l.name);
    }
  }
  return out;
}

}  // namespace

std::vector<TuneRequest> schedule_problems(const Graph& g, const ScheduleOptions& options) {
  return problems_of(g, fuse(g, options.fusion), options);
}

Schedule build_schedule(const Graph& g, tuner::TacticDb& db, const ScheduleOptions& options) {
  PT_REQUIRE(!options.layouts.empty(), invalid_argument, "schedule: no layout allowed");
  PT_REQUIRE(options.workspace_limit >= 0, invalid_argument, "schedule: negative workspace limit");
  PT_REQUIRE(options.gbps > 0, invalid_argument, "schedule: bandwidth must be positive");
  g.validate();
  const FusionResult f = fuse(g, options.fusion);
  const DType run_dtype = tuner::storage_dtype(options.precision);
  const std::size_t labels = options.layouts.size();
  // Graph-API engines the database records as runtime-compiled (Note [runtime-compiled engines
  // under CUDA-graph replay] in schedule_builder.h).
  std::set<std::int64_t> avoid;
  if (options.avoid_runtime_compiled)
    for (const tuner::Entry* e : db.sorted_entries())
      for (const auto& v : e->variants)
        for (const auto& c : v.candidates)
          if (tuner::is_runtime_compiled(c.tactic))
            avoid.insert(std::get<tuner::GraphEngineTactic>(c.tactic).engine_id);
  std::optional<std::regex> exclude;
  if (!options.exclude.empty()) {
    try {
      exclude.emplace(options.exclude);
    } catch (const std::regex_error& e) {
      PT_FAIL(invalid_argument, "schedule: bad exclude pattern '" << options.exclude << "': " << e.what());
    }
  }

  // ---- tune what the database lacks -------------------------------------------------------
  if (options.tune_missing) {
    std::vector<TuneRequest> missing;
    for (TuneRequest& r : problems_of(g, f, options)) {
      std::vector<Variant> lacking;
      for (const Variant& v : r.variants)
        if (!has_variant(db, r.key, v)) lacking.push_back(v);
      if (lacking.empty()) continue;
      r.variants = std::move(lacking);
      missing.push_back(std::move(r));
    }
    if (!missing.empty()) options.tune_missing(missing, db);
  }

  // ---- per layer and layout: what runs and what it costs -----------------------------------
  std::vector<LayerChoice> choice(f.layers.size());
  std::vector<std::string> failures;
  for (std::size_t i = 0; i < f.layers.size(); ++i) {
    const Layer& l = f.layers[i];
    LayerChoice& c = choice[i];
    c.cost.assign(labels, 0.0);
    c.tactic.assign(labels, std::nullopt);
    c.fused.assign(labels, true);
    c.note.assign(labels, "");
    const TensorShape& out_shape = g.tensor(l.output).shape;
    const double out_bytes = static_cast<double>(out_shape.numel() * dtype_size(run_dtype));
    double in_bytes = 0;
    for (TensorId t : l.reads())
      in_bytes += static_cast<double>(g.tensor(t).shape.numel() * dtype_size(run_dtype));
    if (l.kind == OpKind::conv2d) {
      const auto fused = conv_problem(g, l, options.fused_epilogues);
      const auto plain = conv_problem(g, l, false);
      const std::string fkey = tuner::problem_key(fused), pkey = tuner::problem_key(plain);
      for (std::size_t k = 0; k < labels; ++k) {
        const Variant v{options.layouts[k], options.precision, 0, 0};
        if (auto t = pick(db, fkey, v, options.workspace_limit, options.apis, exclude, avoid)) {
          c.cost[k] = t->median_ms;
          c.tactic[k] = std::move(t);
          continue;
        }
        const bool needs_epilogue = !l.epilogue.empty();
        if (needs_epilogue && fkey != pkey) {
          if (auto t = pick(db, pkey, v, options.workspace_limit, options.apis, exclude, avoid)) {
            // The epilogue kernel reads y (and z) and writes y once more.
            const double extra =
                bytes_ms(out_bytes * (l.epilogue.residual ? 3.0 : 2.0), options.gbps);
            c.cost[k] = t->median_ms + extra;
            c.tactic[k] = std::move(t);
            c.fused[k] = false;
            c.note[k] = has_variant(db, fkey, v)
                            ? "no fused tactic ran for " + to_string(v) +
                                  ": plain convolution + epilogue kernel"
                            : "fused problem not in the database: plain convolution + epilogue kernel";
            continue;
          }
        }
        c.cost[k] = kInf;
      }
      if (std::all_of(c.cost.begin(), c.cost.end(), [](double x) { return std::isinf(x); })) {
        bool known = false;
        for (Layout lay : options.layouts)
          known = known || has_variant(db, fkey, Variant{lay, options.precision, 0, 0}) ||
                  has_variant(db, pkey, Variant{lay, options.precision, 0, 0});
        failures.push_back(
            "layer '" + l.name + "': " +
            (known ? "no tactic within the workspace limit of " +
                         std::to_string(options.workspace_limit) + " bytes"
                   : std::string("not in the database")) +
            ": " + fkey);
      }
    } else if (l.kind == OpKind::fully_connected) {
      auto p = std::get<tuner::GemmProblem>(tuner::problem_from_op(g, l.primary_op));
      p.activation = l.epilogue.activation;
      const std::string key = tuner::problem_key(p);
      auto t = pick(db, key, Variant{Layout::nchw, options.precision, 0, 0}, options.workspace_limit,
                    options.apis, exclude, avoid);
      for (std::size_t k = 0; k < labels; ++k) {
        c.tactic[k] = t;
        c.cost[k] = t ? t->median_ms : bytes_ms(in_bytes + out_bytes, options.gbps);
        if (!t) c.note[k] = "GEMM not in the database: cuBLASLt's heuristic choice at engine build";
      }
    } else {
      const double est = is_view(l.kind) ? 0.0 : bytes_ms(in_bytes + out_bytes, options.gbps);
      for (std::size_t k = 0; k < labels; ++k) c.cost[k] = est;
      // A view of a tensor with spatial extent reorders nothing only in NCHW.
      if (is_view(l.kind) && !layout_free(g.tensor(l.inputs.at(0)).shape.dims))
        for (std::size_t k = 0; k < labels; ++k)
          if (options.layouts[k] != Layout::nchw) c.cost[k] = kInf;
    }
  }
  if (!failures.empty()) {
    std::string msg = "schedule: " + std::to_string(failures.size()) +
                      " convolution(s) without a tactic for " +
                      std::string(tuner::to_string(options.precision)) +
                      " (tune them on the GPU first: plantune schedule or plantune tune):";
    constexpr std::size_t kShown = 5;
    for (std::size_t i = 0; i < std::min(kShown, failures.size()); ++i) msg += "\n  " + failures[i];
    if (failures.size() > kShown)
      msg += "\n  ... and " + std::to_string(failures.size() - kShown) + " more";
    PT_FAIL(invalid_argument, msg);
  }

  // ---- layouts ------------------------------------------------------------------------------
  std::map<TensorId, std::size_t> producer_layer;
  for (std::size_t i = 0; i < f.layers.size(); ++i) producer_layer[f.layers[i].output] = i;
  LayoutProblem lp;
  lp.label_count = static_cast<int>(labels);
  for (const LayerChoice& c : choice) lp.node_cost.push_back(c.cost);
  for (std::size_t i = 0; i < f.layers.size(); ++i)
    for (TensorId t : f.layers[i].reads()) {
      auto it = producer_layer.find(t);
      if (it == producer_layer.end()) continue;  // a graph input: converted anyway
      const auto& dims = g.tensor(t).shape.dims;
      LayoutProblem::Edge e;
      e.from = static_cast<int>(it->second);
      e.to = static_cast<int>(i);
      e.cost.assign(labels * labels, 0.0);
      for (std::size_t a = 0; a < labels; ++a)
        for (std::size_t b = 0; b < labels; ++b)
          if (a != b && !layout_free(dims)) {
            e.cost[a * labels + b] = conversion_ms(dims, options.layouts[a], options.layouts[b],
                                                   run_dtype, db, options.gbps);
          }
      lp.edges.push_back(std::move(e));
    }
  const LayoutSolution sol = assign_layouts(lp);

  // ---- tensors and steps ---------------------------------------------------------------------
  Schedule s;
  s.graph = g;
  s.precision = options.precision;
  s.environment = db.environment();
  s.ops_before = f.ops_before;
  s.layers_after = f.executed_layers();
  s.layout_method = sol.method;
  s.layout_exact = sol.exact;
  s.command = options.command;
  s.created = tuner::Provenance::now("", "", 0).date;

  // (graph tensor, layout, dtype) -> schedule tensor id. Layout-free tensors are stored as NCHW.
  std::map<std::tuple<TensorId, Layout, DType>, int> stored;
  auto norm = [&](TensorId t, Layout l) {
    return layout_free(g.tensor(t).shape.dims) ? Layout::nchw : l;
  };
  auto add_tensor = [&](TensorId t, Layout l, DType d, bool suffix) {
    const Tensor& gt = g.tensor(t);
    ScheduleTensor st;
    st.source = gt.name;
    st.name = suffix ? gt.name + "@" + storage_suffix(l, d) : gt.name;
    st.dims = gt.shape.dims;
    st.layout = l;
    st.dtype = d;
    st.bytes = checked_mul(gt.shape.numel(), dtype_size(d), "tensor " + gt.name);
    s.tensors.push_back(std::move(st));
    const int id = static_cast<int>(s.tensors.size()) - 1;
    stored[{t, l, d}] = id;
    return id;
  };
  std::map<TensorId, int> primary;  // the first stored form of each graph tensor
  for (TensorId t : g.inputs()) {
    const int id = add_tensor(t, Layout::nchw, DType::fp32, false);
    s.tensors[static_cast<std::size_t>(id)].graph_input = true;
    primary[t] = id;
  }
  // The stored form of graph tensor t in layout l and dtype d, converting when needed.
  auto get = [&](TensorId t, Layout l, DType d) -> int {
    l = norm(t, l);
    if (auto it = stored.find({t, l, d}); it != stored.end()) return it->second;
    const int src = primary.at(t);
    const int id = add_tensor(t, l, d, true);
    ScheduleStep st;
    st.kind = StepKind::convert;
    st.name = "convert " + s.tensors[static_cast<std::size_t>(id)].name;
    st.inputs = {src};
    st.output = id;
    st.estimated_ms = bytes_ms(static_cast<double>(s.tensors[static_cast<std::size_t>(src)].bytes +
                                                   s.tensors[static_cast<std::size_t>(id)].bytes),
                               options.gbps);
    s.steps.push_back(std::move(st));
    return id;
  };

  for (std::size_t i = 0; i < f.layers.size(); ++i) {
    const Layer& l = f.layers[i];
    const auto k = static_cast<std::size_t>(sol.labels[i]);
    const Layout lay = options.layouts[k];
    ScheduleStep st;
    st.kind = StepKind::layer;
    st.name = l.name;
    st.op = l.kind;
    for (std::size_t op : l.ops) st.ops.push_back(g.ops()[op].name);
    for (TensorId t : l.inputs) st.inputs.push_back(get(t, lay, run_dtype));
    if (l.epilogue.residual) st.residual = get(*l.epilogue.residual, lay, run_dtype);
    st.bias = l.epilogue.bias;
    if (l.folded_bn) st.folded_bn = g.ops()[*l.folded_bn].name;
    st.activation = l.epilogue.activation;
    st.tactic = choice[i].tactic[k];
    st.epilogue_fused = choice[i].fused[k];
    st.note = choice[i].note[k];
    st.estimated_ms = choice[i].cost[k];
    if (is_view(l.kind)) {
      // Same storage as the input: same layout and dtype.
      const auto& in = s.tensors[static_cast<std::size_t>(st.inputs.at(0))];
      st.output = add_tensor(l.output, in.layout, in.dtype, false);
    } else {
      st.output = add_tensor(l.output, norm(l.output, lay), run_dtype, false);
    }
    primary[l.output] = st.output;
    s.steps.push_back(std::move(st));
  }
  // Outputs back to the user as fp32 NCHW.
  for (TensorId t : g.outputs()) {
    const int id = get(t, Layout::nchw, DType::fp32);
    s.tensors[static_cast<std::size_t>(id)].graph_output = true;
  }

  // ---- in place: a fused residual's output over the residual when that is its last use -------
  std::vector<int> last_reader(s.tensors.size(), -1);
  std::vector<int> viewers(s.tensors.size(), 0);
  for (std::size_t i = 0; i < s.steps.size(); ++i) {
    const auto& st = s.steps[i];
    for (int t : st.inputs) last_reader[static_cast<std::size_t>(t)] = static_cast<int>(i);
    if (st.residual) last_reader[static_cast<std::size_t>(*st.residual)] = static_cast<int>(i);
    if (st.kind == StepKind::layer && is_view(st.op)) {
      viewers[static_cast<std::size_t>(st.inputs.at(0))]++;
      viewers[static_cast<std::size_t>(st.output)]++;
    }
  }
  for (std::size_t i = 0; i < s.steps.size(); ++i) {
    auto& st = s.steps[i];
    if (st.kind != StepKind::layer || !options.in_place) continue;
    std::optional<int> over;
    if (st.residual) over = *st.residual;
    else if ((st.op == OpKind::activation || st.op == OpKind::add || st.op == OpKind::mul) &&
             !st.inputs.empty())
      over = st.inputs[0];
    if (!over) continue;
    // An unfused epilogue reads the residual after the convolution wrote y: never in place.
    if (st.residual && !st.epilogue_fused) continue;
    const auto& z = s.tensors[static_cast<std::size_t>(*over)];
    const auto& y = s.tensors[static_cast<std::size_t>(st.output)];
    if (last_reader[static_cast<std::size_t>(*over)] != static_cast<int>(i)) continue;
    if (z.graph_input || z.graph_output || y.graph_output) continue;
    if (viewers[static_cast<std::size_t>(*over)] != 0) continue;
    if (z.bytes != y.bytes || z.layout != y.layout || z.dtype != y.dtype) continue;
    // Read twice by this step (e.g. add(x, x)) is fine for an element-wise kernel only.
    st.in_place = true;
  }

  for (const auto& st : s.steps) s.estimated_ms += std::isfinite(st.estimated_ms) ? st.estimated_ms : 0;
  plan_memory(s, options.plan);
  s.validate();
  return s;
}

}  // namespace plantune::runtime
