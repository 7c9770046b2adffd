// `plantune tune`: tune every distinct convolution (cuDNN) and fully connected layer (cuBLASLt
// GEMM) of a model or network file on this GPU and keep the results in a tactic database.
// Progress goes to stderr; the per-layer table (winner, time, the winner's error against fp32
// as rel_l2 for convolutions (Note [error vs fp32] in tuner.h), speedups over the legacy
// heuristic and over graph heuristic A's first choice for convolutions, over the cuBLASLt
// heuristic's first configuration for GEMMs, workspace) to stdout. GEMMs have no layout: they
// are tuned once per precision and stored under the nchw placeholder variant (gemm_tuner.h).
// int8 applies to convolutions only (NHWC; Note [int8 convolution] in conv_workload.h): GEMMs
// are tuned in the other precisions listed, and a convolution no int8 variant runs is listed as
// not tuned.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "args.h"
#include "commands.h"
#include "plantune/core/stream.h"
#include "plantune/layouts/transform_timing.h"
#include "plantune/models/registry.h"
#include "plantune/precision/error_metrics_json.h"
#include "plantune/tuner/device_environment.h"
#include "plantune/tuner/gemm_tuner.h"
#include "plantune/tuner/problem_from_graph.h"
#include "plantune/tuner/tactic_db_store.h"
#include "plantune/tuner/tuner.h"
#include "table.h"

namespace plantune::cli {
namespace {

using namespace plantune::tuner;

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::vector<Precision> parse_precisions(const std::string& s) {
  std::vector<Precision> out;
  for (const auto& p : split_list(s)) {
    auto v = precision_from_string(p);
    if (!v) throw UsageError("--precision: '" + p + "' is not one of fp32, tf32, fp16, bf16, int8");
    out.push_back(*v);
  }
  if (out.empty()) throw UsageError("--precision: empty list");
  return out;
}

std::vector<Layout> parse_layouts(const std::string& s) {
  std::vector<Layout> out;
  for (const auto& l : split_list(s)) {
    auto v = layout_from_string(l);
    if (!v) throw UsageError("--layouts: '" + l + "' is not one of nchw, nhwc");
    out.push_back(*v);
  }
  if (out.empty()) throw UsageError("--layouts: empty list");
  return out;
}

std::string ms(double v) { return fixed(v, 4); }

std::string speedup(const std::optional<Candidate>& base, const Candidate* winner) {
  if (!base || !base->timing || winner == nullptr || !winner->timing) return "-";
  return fixed(base->timing->median_ms / winner->timing->median_ms, 2) + "x";
}

// The error column: rel_l2 against fp32 ("3.1e-04"), "-" when none was measured.
std::string error_cell(const VariantResult& r) {
  return r.error_vs_fp32 ? scientific(r.error_vs_fp32->rel_l2, 1) : "-";
}

// The report's "error_vs_fp32": the metrics (error_metrics_json.h), null when none.
nlohmann::json error_json(const VariantResult& r) {
  return r.error_vs_fp32 ? precision::error_metrics_to_json(*r.error_vs_fp32) : nlohmann::json();
}

std::string shape_of(const ConvProblem& p) {
  std::string s = cat(std::to_string(p.c), "x", std::to_string(p.h), "x", std::to_string(p.w),
                      "->", std::to_string(p.k), " ", std::to_string(p.r), "x",
                      std::to_string(p.s));
  if (p.stride_h != 1 || p.stride_w != 1) s += cat(" s", std::to_string(p.stride_h));
  if (p.groups != 1) s += cat(" g", std::to_string(p.groups));
  if (p.dilation_h != 1) s += cat(" d", std::to_string(p.dilation_h));
  return s;
}

// "fc 2048->1000 +bias +relu" for a fully connected layer's GEMM, else the sizes and transposes.
std::string shape_of(const GemmProblem& p) {
  std::string s = p.transb && !p.transa
                      ? cat("fc ", std::to_string(p.k), "->", std::to_string(p.n))
                      : cat("gemm m", std::to_string(p.m), " n", std::to_string(p.n), " k",
                            std::to_string(p.k), p.transa ? " ta" : "", p.transb ? " tb" : "");
  if (p.bias) s += " +bias";
  if (p.activation != Activation::none) s += cat(" +", to_string(p.activation));
  return s;
}

std::string shape_of_key(const std::string& key) {
  const Problem p = parse_problem_key(key);
  if (const auto* c = std::get_if<ConvProblem>(&p)) return shape_of(*c);
  return shape_of(std::get<GemmProblem>(p));
}

std::string current_commit() {
  if (const char* c = std::getenv("PLANTUNE_COMMIT")) return c;
  return "";
}

// With both layouts tuned, what moving between them costs: the NCHW <-> NHWC transforms of the
// problem's input (N, C, H, W) and output (N, K, P, Q) in each precision's storage dtype, timed
// once into the database's transform costs (docs/tactic-db-format.md), where the schedule
// builder reads them. Transforms the database already holds are not measured again. Returns the
// number measured.
int measure_layout_transforms(const ConvProblem& p, std::span<const Precision> precisions,
                              TacticDb& db, cudaStream_t stream) {
  std::vector<DType> dtypes;
  for (Precision pr : precisions) {
    const DType d = storage_dtype(pr);
    if (std::find(dtypes.begin(), dtypes.end(), d) == dtypes.end()) dtypes.push_back(d);
  }
  const layouts::Dims4 x{p.n, p.c, p.h, p.w}, y{p.n, p.k, p.out_h(), p.out_w()};
  int measured = 0;
  for (DType d : dtypes) {
    for (const layouts::Dims4& dims : {x, y}) {
      for (bool to_nhwc : {true, false}) {
        const layouts::TransformDesc desc{dims, to_nhwc ? layouts::kNCHW : layouts::kNHWC, d,
                                          to_nhwc ? layouts::kNHWC : layouts::kNCHW, d};
        const auto& have = db.transforms();
        if (std::any_of(have.begin(), have.end(), [&](const layouts::TransformCost& c) {
              return c.desc == desc && c.provider == "plantune";
            })) {
          continue;
        }
        db.put_transform(layouts::time_transform(desc, stream));
        ++measured;
      }
    }
  }
  return measured;
}

}  // namespace

int cmd_tune(const Args& args) {
  ArgParser p("plantune tune",
              "tune every distinct convolution and fully connected layer of a model or network "
              "JSON file on this GPU (cuDNN legacy algorithms and graph-API engines x knobs; "
              "cuBLASLt heuristic and enumerated GEMM configurations; each validated, then "
              "timed) and store the winners in a tactic database");
  p.positional("model", "built-in model name or network JSON file");
  p.option("--db", "FILE", "tactic database (read first, written back merged)");
  p.option("--batch", "N", "batch size (default: the model's, 1 for built-ins)");
  p.option("--precision", "LIST",
           "run precisions, comma separated: fp32,tf32,fp16,bf16,int8 (int8: convolutions "
           "only, NHWC, int8 x and w, fp32 y, int32 accumulation)",
           "fp16");
  p.option("--layouts", "LIST", "layouts, comma separated: nchw,nhwc", "nchw,nhwc");
  p.option("--workspace-limit", "BYTES", "largest workspace a tactic may use",
           std::to_string(kDefaultWorkspaceLimit));
  p.option("--budget-seconds", "S", "time budget for the whole run, 0 for none", "0");
  p.option("--max-configs-per-engine", "N", "knob configurations tried per graph engine",
           std::to_string(GraphSourceOptions::kDefaultMaxConfigsPerEngine));
  p.option("--gemm-enumerated", "N",
           "enumerated cuBLASLt configurations tried per GEMM and precision (besides the "
           "heuristic's)",
           std::to_string(GemmSourceOptions::kDefaultMaxEnumerated));
  p.option("--search", "MODE",
           "full: validate and time every listed tactic; staged: the knob variations of only "
           "the engines whose default configurations are fastest (about half the time)",
           "staged");
  p.option("--keep-candidates", "N",
           "ok candidates stored per variant (the fastest; incorrect ones and the heuristics' "
           "picks are always kept), or 'all'",
           std::to_string(TuneOptions::kDefaultKeepOk));
  p.option("--prepare-threads", "N",
           "host threads that build graph execution plans during validation (0: the "
           "hardware's, at most " +
               std::to_string(TuneOptions::kMaxAutoPrepareThreads) +
               "; 1: none beside the main one)",
           "0");
  p.option("--max-runtime-compiled", "N",
           "graph plans whose kernels are compiled at run time (seconds each) validated per "
           "variant, the rest recorded as timeout (e.g. " +
               std::to_string(TuneOptions::kRuntimeCompiledWhenAllowed) +
               "; schedules use them only with --allow-runtime-compiled)",
           std::to_string(TuneOptions::kDefaultMaxRuntimeCompiled));
  p.option("--round-warmup-ms", "MS",
           "warm-up of each contender in each successive-halving round (timing protocol)",
           fixed(HalvingOptions::kDefaultRoundWarmupMs, 2));
  p.option("--first-round-runs", "N",
           "samples of each contender in the first successive-halving round, doubling each "
           "round (timing protocol)",
           std::to_string(HalvingOptions::kDefaultFirstRoundRuns));
  p.option("--final-budget-ms", "MS",
           "sampling time of each finalist and heuristic pick, after its warm-up (timing "
           "protocol)",
           fixed(MeasureOptions::kDefaultBudgetMs, 0));
  p.option("--final-max-runs", "N",
           "most samples of each finalist and heuristic pick (timing protocol)",
           std::to_string(MeasureOptions::kDefaultMaxRuns));
  p.option("--spin", "MODE",
           "spin kernel before each timed batch: adaptive (only what the runs' own GPU time "
           "does not cover) or batch (the host's enqueue time of the whole batch) (timing "
           "protocol)",
           "adaptive");
  p.option("--spin-margin", "X",
           "safety factor on the host's lead the spin kernel covers, >= 1 (timing protocol)",
           fixed(MeasureOptions::kDefaultSpinMargin, 2));
  p.option("--report", "FILE", "also write the per-layer results as JSON");
  p.flag("--no-pad",
         "do not try variants with C and K padded to multiples of 8 (int8: layers whose C or K "
         "is not a multiple of 4 then get no int8 variant)");
  p.flag("--retune", "tune even what the database already has");
  if (!p.parse(args)) return 0;
  if (!p.has("--db")) throw UsageError("--db FILE is required");

  const std::string db_path = p.get("--db");
  const auto precisions = parse_precisions(p.get("--precision"));
  // GEMMs have no int8 path (gemm_tuner.h): they are tuned in the other precisions.
  std::vector<Precision> gemm_precisions;
  for (Precision pr : precisions) {
    if (pr != Precision::int8) gemm_precisions.push_back(pr);
  }
  const auto layouts = parse_layouts(p.get("--layouts"));
  const std::int64_t ws_limit = p.get_int("--workspace-limit");
  if (ws_limit < 0) throw UsageError("--workspace-limit must be >= 0");
  const double budget = p.get_double("--budget-seconds");
  if (budget < 0) throw UsageError("--budget-seconds must be >= 0");
  const std::int64_t max_cfg = p.get_int("--max-configs-per-engine");
  if (max_cfg < 1) throw UsageError("--max-configs-per-engine must be >= 1");
  const auto search = search_mode_from_string(p.get("--search"));
  if (!search) throw UsageError("--search: '" + p.get("--search") + "' is not one of full, staged");
  int keep_ok = -1;
  if (p.get("--keep-candidates") != "all") {
    const std::int64_t k = p.get_int("--keep-candidates");
    if (k < 1 || k > 1000000) throw UsageError("--keep-candidates must be 'all' or >= 1");
    keep_ok = static_cast<int>(k);
  }
  const std::int64_t prepare_threads = p.get_int("--prepare-threads");
  if (prepare_threads < 0 || prepare_threads > 256)
    throw UsageError("--prepare-threads must be between 0 and 256");
  const std::int64_t max_rc = p.get_int("--max-runtime-compiled");
  if (max_rc < 0 || max_rc > 100000)
    throw UsageError("--max-runtime-compiled must be between 0 and 100000");
  const double round_warmup = p.get_double("--round-warmup-ms");
  if (!(round_warmup >= 0 && round_warmup <= 1000))
    throw UsageError("--round-warmup-ms must be between 0 and 1000");
  const std::int64_t first_round_runs = p.get_int("--first-round-runs");
  if (first_round_runs < 1 || first_round_runs > 1000)
    throw UsageError("--first-round-runs must be between 1 and 1000");
  const double final_budget = p.get_double("--final-budget-ms");
  if (!(final_budget > 0 && final_budget <= 60000))
    throw UsageError("--final-budget-ms must be > 0 and at most 60000");
  const std::int64_t final_max_runs = p.get_int("--final-max-runs");
  if (final_max_runs < MeasureOptions::kDefaultMinRuns || final_max_runs > 100000)
    throw UsageError("--final-max-runs must be between " +
                     std::to_string(MeasureOptions::kDefaultMinRuns) + " and 100000");
  const std::string spin = p.get("--spin");
  if (spin != "adaptive" && spin != "batch")
    throw UsageError("--spin: '" + spin + "' is not one of adaptive, batch");
  const double spin_margin = p.get_double("--spin-margin");
  if (!(spin_margin >= 1 && spin_margin <= 10))
    throw UsageError("--spin-margin must be between 1 and 10");
  const std::int64_t gemm_enum = p.get_int("--gemm-enumerated");
  if (gemm_enum < 0 || gemm_enum > 100000)
    throw UsageError("--gemm-enumerated must be between 0 and 100000");

  models::ModelOptions mo;
  std::optional<std::int64_t> batch;
  if (p.has("--batch")) {
    batch = p.get_int("--batch");
    if (*batch <= 0) throw UsageError("--batch must be > 0");
    mo.batch = *batch;
  }
  const Graph g = models::load_network(p.get("model"), mo);

  // Distinct problems (convolutions and GEMMs, in op order), with the layers that share each.
  // GEMMs whose activation has no cuBLASLt epilogue cannot run as one GEMM: listed, not tuned.
  std::vector<std::string> keys;
  std::map<std::string, std::vector<std::string>> layers_of;
  int n_conv = 0, n_gemm = 0;
  for (const TunableOp& t : tunable_ops(g, batch)) {
    if (layers_of[t.key].empty()) {
      keys.push_back(t.key);
      (std::holds_alternative<ConvProblem>(parse_problem_key(t.key)) ? n_conv : n_gemm) += 1;
    }
    layers_of[t.key].push_back(g.ops()[t.op_index].name);
  }

  const Environment env = device_environment();
  LoadResult loaded = load_tactic_db(db_path, &env, /*missing_ok=*/true);
  std::cerr << loaded.summary(db_path) << "\n";
  TacticDb& db = loaded.db;

  std::string command = "plantune tune";
  for (const auto& a : args) command += " " + a;
  TuneOptions o;
  o.workspace_limit = ws_limit;
  o.graph_options.max_configs_per_engine = static_cast<int>(max_cfg);
  o.prepare_threads = static_cast<int>(prepare_threads);
  o.max_runtime_compiled = static_cast<int>(max_rc);
  o.halving.round_warmup_ms = round_warmup;
  o.halving.first_round_runs = static_cast<int>(first_round_runs);
  o.measure.budget_ms = final_budget;
  o.measure.spin = spin == "batch" ? Spin::batch : Spin::adaptive;
  o.measure.spin_margin = spin_margin;
  o.measure.max_runs = static_cast<int>(final_max_runs);
  o.keep_ok = keep_ok;
  o.search = *search;
  o.use_db = !p.has("--retune");
  o.command = command;
  o.commit = current_commit();

  GemmTuneOptions go;
  go.workspace_limit = ws_limit;
  go.source.max_enumerated = static_cast<int>(gemm_enum);
  go.use_db = o.use_db;
  go.command = command;
  go.commit = o.commit;
  go.measure = o.measure;
  go.halving = o.halving;

  const bool tty = isatty(fileno(stderr)) != 0;
  const int n = static_cast<int>(keys.size());
  int layer = 0;
  o.progress = [&](const TuneProgress& pr) {
    const bool gemm = std::holds_alternative<GemmProblem>(parse_problem_key(pr.key));
    std::ostringstream os;
    os << "[layer " << layer + 1 << "/" << n << "] " << shape_of_key(pr.key) << " "
       << (gemm ? std::string(to_string(pr.variant.precision)) : to_string(pr.variant)) << " ("
       << pr.variant_index + 1 << "/" << pr.variant_count << "): " << pr.phase << ", tactics "
       << pr.tactics_tried << "/" << pr.tactics_total;
    if (pr.best_ms) os << ", best " << ms(*pr.best_ms) << " ms " << pr.best_id;
    if (pr.phase == "done" && !tty) {
      // A log line per variant says where its time went (a terminal shows only the latest).
      os << "; " << fixed(pr.seconds, 2) << " s: enumerate " << fixed(pr.enumerate_seconds, 2);
      const ConvPhaseSeconds& t = pr.parts;
      if (!gemm) {
        os << " (workload " << fixed(t.workload, 3) << ", graph " << fixed(t.graph_list, 3)
           << " [heuristics " << fixed(t.graph_heuristics, 3) << ", B "
           << fixed(t.graph_heuristic_b, 3) << "], legacy " << fixed(t.legacy_list, 3) << ")";
      }
      os << ", validate " << fixed(pr.validate_seconds, 2) << ", time "
         << fixed(pr.time_seconds, 2);
      if (!gemm) {
        os << " (warm-up " << fixed(t.warmup, 2) << ", spin " << fixed(t.spin, 2)
           << " GPU), error " << fixed(t.error, 2);
      }
    }
    if (tty) {
      std::cerr << "\r\033[K" << os.str() << std::flush;
    } else if (pr.phase == "done" || pr.phase == "cached") {
      std::cerr << os.str() << "\n";
    }
  };

  go.progress = o.progress;

  ConvTuner tuner;
  std::optional<GemmTuner> gemm_tuner;  // made at the first GEMM
  Table table;
  for (const char* h : {"layer(s)", "shape", "variant", "winner", "ms", "err vs fp32",
                        "vs legacy heur", "vs graph heur A", "vs cublasLt heur", "workspace",
                        "tactics ok/all", "tuned s"}) {
    const std::string hs = h;
    table.column(hs, hs == "layer(s)" || hs == "shape" || hs == "variant" || hs == "winner"
                         ? Table::Align::left
                         : Table::Align::right);
  }
  nlohmann::json report = nlohmann::json::array();
  std::map<std::string, std::pair<double, int>> log_speedup_legacy, log_speedup_a, log_speedup_lt;
  const auto t0 = std::chrono::steady_clock::now();
  std::int64_t samples = 0;
  const bool both_layouts =
      std::find(layouts.begin(), layouts.end(), Layout::nchw) != layouts.end() &&
      std::find(layouts.begin(), layouts.end(), Layout::nhwc) != layouts.end();
  int transforms_measured = 0;
  Stream transform_stream;
  auto put = [](nlohmann::json& row, const char* name, const Candidate* c) {
    if (c == nullptr || !c->timing) return;
    row[name] = {{"tactic", tactic_id(c->tactic)},
                 {"median_ms", c->timing->median_ms},
                 {"p10_ms", c->timing->p10_ms},
                 {"p90_ms", c->timing->p90_ms},
                 {"n", c->timing->n},
                 {"workspace_bytes", c->workspace_bytes}};
  };
  for (layer = 0; layer < n; ++layer) {
    const std::string& key = keys[static_cast<std::size_t>(layer)];
    const auto& names = layers_of[key];
    const std::string layer_names =
        names.size() == 1 ? names[0] : cat(names[0], " +", std::to_string(names.size() - 1));
    if (budget > 0) {
      const double used =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      o.budget_seconds = std::max(0.001, (budget - used) / (n - layer));
      go.budget_seconds = o.budget_seconds;
    }
    const Problem problem = parse_problem_key(key);
    if (const auto* gp = std::get_if<GemmProblem>(&problem)) {
      if (!gemm_epilogue_supported(gp->activation)) {
        table.row({layer_names, shape_of(*gp), "-", "(not tuned: no cuBLASLt epilogue)", "-", "-",
                   "-", "-", "-", "-", "-", "-"});
        report.push_back({{"key", key},
                          {"kind", "gemm"},
                          {"layers", names},
                          {"skipped", "activation " + std::string(to_string(gp->activation)) +
                                          " has no cuBLASLt epilogue"}});
        continue;
      }
      if (gemm_precisions.empty()) {
        table.row({layer_names, shape_of(*gp), "-", "(not tuned: no int8 GEMM path)", "-", "-",
                   "-", "-", "-", "-", "-", "-"});
        report.push_back({{"key", key},
                          {"kind", "gemm"},
                          {"layers", names},
                          {"skipped", "int8 GEMMs are not tuned"}});
        continue;
      }
      if (!gemm_tuner) gemm_tuner.emplace();
      const GemmTuneResult r = gemm_tuner->tune(*gp, gemm_precisions, go, db);
      for (const GemmVariantTuning& vt : r.variants) {
        samples += vt.samples;
        const Candidate* w = vt.winner();
        int ok = 0;
        for (const Candidate& c : vt.result.candidates) ok += c.outcome == Outcome::ok ? 1 : 0;
        const std::string pname(to_string(vt.variant.precision));
        table.row({layer_names, shape_of(*gp), pname, w ? tactic_id(w->tactic) : "(none)",
                   w ? ms(w->timing->median_ms) : "-", error_cell(vt.result), "-", "-",
                   speedup(vt.heuristic, w),
                   w ? human_bytes(w->workspace_bytes) : "-",
                   cat(std::to_string(ok), "/", std::to_string(vt.result.candidates.size())),
                   vt.from_db ? "db" : fixed(vt.seconds, 2)});
        nlohmann::json row = {{"key", key},
                              {"kind", "gemm"},
                              {"layers", names},
                              {"variant", to_string(vt.variant)},
                              {"from_db", vt.from_db},
                              {"tuning_seconds", vt.seconds},
                              {"enumerate_seconds", vt.enumerate_seconds},
                              {"validate_seconds", vt.validate_seconds},
                              {"time_seconds", vt.time_seconds},
                              {"validated", vt.tactics_validated},
                              {"timed", vt.tactics_timed},
                              {"samples", vt.samples},
                              {"candidates", vt.result.candidates.size()},
                              {"ok", ok},
                              {"error_vs_fp32", error_json(vt.result)},
                              {"notes", vt.notes}};
        put(row, "winner", w);
        put(row, "cublaslt_heuristic", vt.heuristic ? &*vt.heuristic : nullptr);
        report.push_back(row);
        if (w && vt.heuristic && vt.heuristic->timing) {
          auto& acc = log_speedup_lt[pname];
          acc.first += std::log(vt.heuristic->timing->median_ms / w->timing->median_ms);
          acc.second += 1;
        }
      }
      save_tactic_db(db, db_path, SaveMode::merge);
      continue;
    }
    const ConvProblem& prob = std::get<ConvProblem>(problem);
    const auto variants = conv_variants(prob, layouts, precisions, !p.has("--no-pad"));
    if (variants.empty()) {
      // Only int8 can leave a convolution without variants (conv_variants in tuner.h).
      const std::string why =
          "no variant runs it: int8 needs NHWC, no fused epilogue, and C per group and K "
          "multiples of 4 or channel padding (groups = 1, without --no-pad)";
      table.row({layer_names, shape_of(prob), "-", "(not tuned: " + why + ")", "-", "-", "-",
                 "-", "-", "-", "-", "-"});
      report.push_back({{"key", key}, {"kind", "conv"}, {"layers", names}, {"skipped", why}});
      continue;
    }
    const TuneResult r = tuner.tune(prob, variants, o, db);
    for (const VariantTuning& vt : r.variants) {
      samples += vt.samples;
      const Candidate* w = vt.winner();
      // Tuned: what the search found (the database stores the fastest few); from the database:
      // what it stores.
      int ok = vt.tactics_ok, all = vt.tactics_total;
      if (vt.from_db) {
        ok = 0;
        for (const Candidate& c : vt.result.candidates) ok += c.outcome == Outcome::ok ? 1 : 0;
        all = static_cast<int>(vt.result.candidates.size());
      }
      const std::string vname = to_string(vt.variant);
      table.row({layer_names, shape_of(prob), vname, w ? tactic_id(w->tactic) : "(none)",
                 w ? ms(w->timing->median_ms) : "-", error_cell(vt.result),
                 speedup(vt.legacy_heuristic, w),
                 speedup(vt.heuristic_a, w), "-", w ? human_bytes(w->workspace_bytes) : "-",
                 cat(std::to_string(ok), "/", std::to_string(all)),
                 vt.from_db ? "db" : fixed(vt.seconds, 2)});
      nlohmann::json row = {{"key", key},
                            {"kind", "conv"},
                            {"layers", names},
                            {"variant", vname},
                            {"from_db", vt.from_db},
                            {"tuning_seconds", vt.seconds},
                            {"enumerate_seconds", vt.enumerate_seconds},
                            {"workload_seconds", vt.parts.workload},
                            {"graph_list_seconds", vt.parts.graph_list},
                            {"graph_heuristics_seconds", vt.parts.graph_heuristics},
                            {"graph_heuristic_b_seconds", vt.parts.graph_heuristic_b},
                            {"legacy_list_seconds", vt.parts.legacy_list},
                            {"validate_seconds", vt.validate_seconds},
                            {"time_seconds", vt.time_seconds},
                            {"warmup_seconds", vt.parts.warmup},
                            {"spin_gpu_seconds", vt.parts.spin},
                            {"error_seconds", vt.parts.error},
                            {"validated", vt.tactics_validated},
                            {"timed", vt.tactics_timed},
                            {"samples", vt.samples},
                            {"candidates", all},
                            {"stored", vt.result.candidates.size()},
                            {"ok", ok},
                            {"error_vs_fp32", error_json(vt.result)}};
      put(row, "winner", w);
      put(row, "legacy_heuristic", vt.legacy_heuristic ? &*vt.legacy_heuristic : nullptr);
      put(row, "graph_heuristic_a", vt.heuristic_a ? &*vt.heuristic_a : nullptr);
      report.push_back(row);
      if (w && vt.legacy_heuristic && vt.legacy_heuristic->timing) {
        auto& acc = log_speedup_legacy[vname];
        acc.first += std::log(vt.legacy_heuristic->timing->median_ms / w->timing->median_ms);
        acc.second += 1;
      }
      if (w && vt.heuristic_a && vt.heuristic_a->timing) {
        auto& acc = log_speedup_a[vname];
        acc.first += std::log(vt.heuristic_a->timing->median_ms / w->timing->median_ms);
        acc.second += 1;
      }
    }
    if (both_layouts) {
      transforms_measured += measure_layout_transforms(prob, precisions, db, transform_stream.get());
    }
    // Save after each layer: an interrupted run keeps what it measured.
    save_tactic_db(db, db_path, SaveMode::merge);
  }
  const double total =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (tty) std::cerr << "\n";

  std::cout << p.get("model") << (batch ? cat(" batch ", std::to_string(*batch)) : "") << ": "
            << n_conv << " distinct convolutions, " << n_gemm << " distinct GEMMs, "
            << env.describe() << "\n\n"
            << table.str() << "\n";
  for (const auto& [vname, acc] : log_speedup_legacy) {
    std::cout << "geomean speedup " << vname << ": vs legacy heuristic "
              << fixed(std::exp(acc.first / acc.second), 2) << "x";
    if (auto it = log_speedup_a.find(vname); it != log_speedup_a.end()) {
      std::cout << ", vs graph heuristic A " << fixed(std::exp(it->second.first / it->second.second), 2)
                << "x";
    }
    std::cout << " (" << acc.second << " layers)\n";
  }
  for (const auto& [pname, acc] : log_speedup_lt) {
    std::cout << "geomean speedup GEMM " << pname << ": vs cuBLASLt heuristic "
              << fixed(std::exp(acc.first / acc.second), 2) << "x (" << acc.second
              << " layers)\n";
  }
  if (both_layouts) {
    std::cout << "layout transforms: " << transforms_measured
              << " measured (NCHW <-> NHWC of each convolution's input and output), "
              << db.transforms().size() << " in the database\n";
  }
  std::cout << "tuning took " << fixed(total, 1) << " s, " << samples << " timed runs; database "
            << db_path << " holds " << db.size() << " problems\n";

  if (p.has("--report")) {
    nlohmann::json doc = {{"model", p.get("model")},
                          {"batch", batch ? *batch : mo.batch},
                          {"environment", env.describe()},
                          {"command", command},
                          {"commit", o.commit},
                          {"tuning_seconds", total},
                          {"timed_runs", samples},
                          {"rows", report}};
    std::ofstream f(p.get("--report"));
    if (!f) throw Error(ErrorCode::io_error, "cannot write " + p.get("--report"));
    f << doc.dump(2) << "\n";
  }
  return 0;
}

}  // namespace plantune::cli
