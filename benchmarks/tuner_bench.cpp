// ResNet-50's distinct convolutions (default batch 32, fp16, NHWC), each run with the tactic
// four ways of choosing one pick:
//   legacy_heuristic   cudnnGetConvolutionForwardAlgorithm_v7's first choice
//   legacy_find        cudnnFindConvolutionForwardAlgorithmEx's fastest
//   graph_heuristic_a  graph-API heuristic mode A's first configuration that builds a plan
//   tuned              plantune's winner (from --tuner_db, tuned here when missing)
// and, with --tuner_oracle, `oracle`: the database's sound tactics within 1.5x of its winner
// re-timed with 10x the repetitions, fastest kept (the tuner should be within 3% of it). With
// --tuner_oracle_db FILE those tactics come from FILE instead, e.g. a database of a full search
// that kept every candidate (`plantune tune --search full --keep-candidates all`), so that the
// default staged search's winner is held against the best of every tactic.
// Each iteration is one execution timed by CUDA events after a spin kernel that outlasts the
// host's enqueue (Note [timing protocol] in measure.h): GPU time, inputs rotating over more than
// 2x L2; Google Benchmark's manual time. The host's cost of one enqueue is the counter
// host_enqueue_us (cuDNN's legacy API spends far more there than the graph API). Output
// checked against the fp64 reference before timing.
//
//   tuner_bench [--tuner_model resnet50] [--tuner_batch 32] [--tuner_precision fp16]
//               [--tuner_layout nhwc] [--tuner_db FILE] [--tuner_oracle]
//               [--tuner_oracle_db FILE]
//               [--tuner_list_engines] [--tuner_max_shapes N]
//               [benchmark flags, e.g. --benchmark_out=x.json]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "plantune/core/cuda_check.h"
#include "plantune/core/cudnn_backend_names.h"
#include "plantune/core/device_buffer.h"
#include "plantune/core/event.h"
#include "plantune/models/registry.h"
#include "plantune/tuner/device_environment.h"
#include "plantune/tuner/graph_source.h"
#include "plantune/tuner/legacy_source.h"
#include "plantune/tuner/problem_from_graph.h"
#include "plantune/tuner/reference.h"
#include "plantune/tuner/tactic_db_store.h"
#include "plantune/tuner/tuner.h"

namespace {

using namespace plantune;
using namespace plantune::tuner;

struct Settings {
  std::string model = "resnet50";
  std::int64_t batch = 32;
  Precision precision = Precision::fp16;
  Layout layout = Layout::nhwc;
  std::string db;
  bool oracle = false;
  std::string oracle_db;  // where the oracle's tactics come from (default: db)
  bool list_engines = false;  // print each problem's graph tactics and exit
  int max_shapes = 1 << 30;
};

struct Shape {
  std::string name;  // first layer with this problem
  ConvProblem problem;
  std::unique_ptr<ConvWorkload> wl;
  std::unique_ptr<ConvReference> ref;
  std::map<std::string, TacticConfig> picks;  // method -> tactic
};

ConvTuner* g_tuner = nullptr;
Settings g_settings;
std::vector<std::unique_ptr<Shape>> g_shapes;

double conv_flops(const ConvProblem& p) {
  return 2.0 * static_cast<double>(p.n * p.k * p.out_h() * p.out_w()) *
         static_cast<double>(p.c / p.groups * p.r * p.s);
}

void run_method(benchmark::State& state, Shape* shape, const std::string& method) {
  const auto it = shape->picks.find(method);
  if (it == shape->picks.end()) {
    state.SkipWithError("no tactic for this method");
    return;
  }
  const Variant v{g_settings.layout, g_settings.precision, 0, 0};
  TuneOptions o;
  const ConvSourceContext ctx = g_tuner->context(shape->problem, v, o);
  PreparedTactic t = prepare_tactic(ctx, it->second);
  if (t.outcome != Outcome::ok) {
    state.SkipWithError(("tactic cannot run: " + t.detail).c_str());
    return;
  }
  cudaStream_t s = g_tuner->stream();
  ConvWorkload& wl = *shape->wl;
  try {
    t.runner->prepare();
    void* ws = wl.workspace(t.runner->workspace_bytes(), s);
    wl.poison_output(s);
    t.runner->enqueue(wl.operands(0), ws, s);
    const Validation val = check_output(wl, *shape->ref, default_tolerance(v.precision), s);
    if (!val.passed()) {
      state.SkipWithError("output does not match the reference");
      return;
    }
    // Warm-up, and the host's cost of one enqueue: the spin before each timed run outlasts it,
    // so the events time the GPU's work, not the launch (Note [timing protocol]).
    // The legacy API's cost varies from call to call (50 to 230 us seen on an H100): the spin
    // covers twice the worst of the warm-up runs after the first.
    int slot = 0;
    double host_us = 0, host_max_us = 0;
    for (int i = 0; i < 8; ++i) {
      const auto h0 = std::chrono::steady_clock::now();
      t.runner->enqueue(wl.operands(slot), ws, s);
      host_us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - h0).count();
      if (i > 0) host_max_us = std::max(host_max_us, host_us);
      slot = (slot + 1) % wl.slot_count();
      PT_CUDA_CHECK(cudaStreamSynchronize(s));
    }
    const double spin_us = 2.0 * host_max_us + 20.0;
    Event start, end;
    for (auto _ : state) {
      enqueue_spin(s, spin_us);
      start.record(s);
      t.runner->enqueue(wl.operands(slot), ws, s);
      end.record(s);
      state.SetIterationTime(static_cast<double>(end - start) / 1e3);
      slot = (slot + 1) % wl.slot_count();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(conv_flops(shape->problem)) *
                            static_cast<std::int64_t>(state.iterations()));
    state.counters["host_enqueue_us"] = host_us;
    state.counters["host_enqueue_max_us"] = host_max_us;
    state.SetLabel(tactic_id(it->second) + " | ws " + std::to_string(t.runner->workspace_bytes()));
  } catch (const Error& e) {
    state.SkipWithError(e.what());
  }
}

// The oracle: the database entry's sound tactics whose stored median is within 1.5x of its
// winner's (the others lost by far more than any timing noise), re-timed with 10x the runs;
// the fastest.
std::optional<TacticConfig> oracle_pick(const Shape& shape, const VariantResult& stored,
                                        const Candidate& tuned) {
  const Candidate* w = stored.winner();
  if (w == nullptr) return std::nullopt;
  std::vector<TacticConfig> near;
  for (const Candidate& c : stored.candidates) {
    if (c.outcome == Outcome::ok && c.timing->median_ms <= 1.5 * w->timing->median_ms) {
      near.push_back(c.tactic);
    }
  }
  TuneOptions o;
  o.measure.min_runs = o.measure.max_runs = 10 * MeasureOptions::kDefaultMinRuns;
  o.measure.budget_ms = 10 * MeasureOptions::kDefaultBudgetMs;
  const Variant v{g_settings.layout, g_settings.precision, 0, 0};
  const auto cands = g_tuner->evaluate(shape.problem, v, near, o);
  const Candidate* best = nullptr;
  for (const Candidate& c : cands) {
    if (c.outcome == Outcome::ok && (!best || c.timing->median_ms < best->timing->median_ms)) best = &c;
  }
  if (!best) return std::nullopt;
  std::fprintf(stderr, "oracle %s: %zu tactics re-timed, best %s %.4f ms (tuned %s %.4f ms)\n",
               shape.name.c_str(), near.size(), tactic_id(best->tactic).c_str(),
               best->timing->median_ms, tactic_id(tuned.tactic).c_str(),
               tuned.timing->median_ms);
  return best->tactic;
}

void list_engines(const ConvSourceContext& ctx, const std::string& name) {
  GraphSourceOptions go;
  const GraphTactics g = graph_tactics(ctx, go);
  std::printf("# %s %s: %lld global engines, %lld support the graph, %zu tactics\n", name.c_str(),
              problem_key(ctx.exec).c_str(), static_cast<long long>(g.engine_count),
              static_cast<long long>(g.engines_supported), g.tactics.size());
  for (const auto& n : g.notes) std::printf("#   note: %s\n", n.c_str());
  for (const PreparedTactic& t : g.tactics) {
    const auto& ge = std::get<GraphEngineTactic>(t.config);
    if (t.outcome == Outcome::not_supported && ge.knobs.empty() && ge.numerical_notes.empty()) continue;
    std::string notes;
    for (const auto& n : ge.numerical_notes) notes.append(" ").append(n, 21);
    for (const auto& n : ge.behavior_notes) notes.append(" ").append(n, 20);
    std::printf("#   %-40s %-12s %-20s ws %lld%s\n", tactic_id(t.config).c_str(),
                std::string(to_string(ge.source)).c_str(), std::string(to_string(t.outcome)).c_str(),
                static_cast<long long>(t.workspace_bytes), notes.c_str());
  }
}

// Removes "--name=value", "--name value" or a bare "--name" from argv; true when present.
bool take_flag(int& argc, char** argv, const char* name, std::string* value) {
  const std::size_t len = std::strlen(name);
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], name, len) != 0) continue;
    int used = 1;
    if (argv[i][len] == '=') {
      if (value) *value = argv[i] + len + 1;
    } else if (argv[i][len] != '\0') {
      continue;
    } else if (value) {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "tuner_bench: %s needs a value\n", name);
        std::exit(2);
      }
      *value = argv[i + 1];
      used = 2;
    }
    for (int j = i; j + used < argc; ++j) argv[j] = argv[j + used];
    argc -= used;
    return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  std::string v;
  if (take_flag(argc, argv, "--tuner_model", &v)) g_settings.model = v;
  if (take_flag(argc, argv, "--tuner_batch", &v)) g_settings.batch = std::stoll(v);
  if (take_flag(argc, argv, "--tuner_precision", &v)) g_settings.precision = *precision_from_string(v);
  if (take_flag(argc, argv, "--tuner_layout", &v)) g_settings.layout = *layout_from_string(v);
  if (take_flag(argc, argv, "--tuner_db", &v)) g_settings.db = v;
  g_settings.oracle = take_flag(argc, argv, "--tuner_oracle", nullptr);
  if (take_flag(argc, argv, "--tuner_oracle_db", &v)) g_settings.oracle_db = v;
  g_settings.list_engines = take_flag(argc, argv, "--tuner_list_engines", nullptr);
  if (take_flag(argc, argv, "--tuner_max_shapes", &v)) g_settings.max_shapes = std::stoi(v);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  try {
    const Environment env = device_environment();
    ConvTuner tuner;
    g_tuner = &tuner;
    TacticDb db(env);
    if (!g_settings.db.empty()) {
      LoadResult l = load_tactic_db(g_settings.db, &env, /*missing_ok=*/true);
      std::fprintf(stderr, "%s\n", l.summary(g_settings.db).c_str());
      db = std::move(l.db);
    }
    TacticDb oracle_db;
    if (!g_settings.oracle_db.empty()) {
      LoadResult l = load_tactic_db(g_settings.oracle_db, &env);
      std::fprintf(stderr, "oracle: %s\n", l.summary(g_settings.oracle_db).c_str());
      oracle_db = std::move(l.db);
    }
    const TacticDb& oracle_source = g_settings.oracle_db.empty() ? db : oracle_db;
    models::ModelOptions mo;
    mo.batch = g_settings.batch;
    const Graph g = models::build_model(g_settings.model, mo);
    std::map<std::string, bool> seen;
    const Variant variant{g_settings.layout, g_settings.precision, 0, 0};
    bool db_changed = false;
    for (const TunableOp& op : tunable_ops(g, g_settings.batch)) {
      const Problem prob = problem_from_op(g, op.op_index, g_settings.batch);
      if (!std::holds_alternative<ConvProblem>(prob) || seen.count(op.key) != 0) continue;
      if (static_cast<int>(seen.size()) >= g_settings.max_shapes) break;
      seen[op.key] = true;
      auto sh = std::make_unique<Shape>();
      sh->name = g.ops()[op.op_index].name;
      sh->problem = std::get<ConvProblem>(prob);
      const TuneOptions o;
      const ConvSourceContext ctx = tuner.context(sh->problem, variant, o);
      if (g_settings.list_engines) {
        list_engines(ctx, sh->name);
        continue;
      }
      WorkloadOptions wo;
      sh->wl = std::make_unique<ConvWorkload>(sh->problem, variant, wo, tuner.stream());
      sh->ref = std::make_unique<ConvReference>(*sh->wl, tuner.stream());
      if (auto p = legacy_heuristic_pick(ctx)) sh->picks["legacy_heuristic"] = *p;
      if (auto p = legacy_find_best(ctx, sh->wl->operands(0))) sh->picks["legacy_find"] = *p;
      if (auto p = graph_heuristic_first(ctx)) sh->picks["graph_heuristic_a"] = *p;
      const std::string key = problem_key(sh->problem);
      if (!db.lookup(key, variant)) {
        std::fprintf(stderr, "tuning %s (%s)\n", sh->name.c_str(), key.c_str());
        tuner.tune(sh->problem, std::vector<Variant>{variant}, o, db);
        db_changed = true;
      }
      if (auto c = db.lookup(key, variant)) sh->picks["tuned"] = c->winner.tactic;
      const Entry* tuned_entry = db.find(key);
      const VariantResult* tuned = tuned_entry ? tuned_entry->find(variant) : nullptr;
      if (g_settings.oracle && tuned && tuned->winner()) {
        const Entry* e = oracle_source.find(key);
        if (const VariantResult* r = e ? e->find(variant) : nullptr) {
          if (auto p = oracle_pick(*sh, *r, *tuned->winner())) sh->picks["oracle"] = *p;
        } else {
          std::fprintf(stderr, "oracle %s: not in %s\n", sh->name.c_str(),
                       g_settings.oracle_db.c_str());
        }
      }
      Shape* raw = sh.get();
      const std::string prefix = g_settings.model + "_b" + std::to_string(g_settings.batch) + "/" +
                                 sh->name + "/";
      for (const char* m : {"legacy_heuristic", "legacy_find", "graph_heuristic_a", "tuned", "oracle"}) {
        if (std::string(m) == "oracle" && !g_settings.oracle) continue;
        const std::string method = m;
        benchmark::RegisterBenchmark((prefix + method).c_str(),
                                     [raw, method](benchmark::State& st) { run_method(st, raw, method); })
            ->UseManualTime()
            ->Unit(benchmark::kMicrosecond);
      }
      g_shapes.push_back(std::move(sh));
    }
    if (db_changed && !g_settings.db.empty()) save_tactic_db(db, g_settings.db, SaveMode::merge);
    benchmark::AddCustomContext("plantune.environment", env.describe());
    benchmark::AddCustomContext("plantune.problem_count", std::to_string(g_shapes.size()));
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    g_shapes.clear();  // device memory goes back before the CUDA runtime unloads
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tuner_bench: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
