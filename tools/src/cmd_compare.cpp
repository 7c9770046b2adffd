// plantune compare: per-layer error of each precision against FP32 (runtime/layer_compare.h).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <unistd.h>

#include "args.h"
#include "commands.h"
#include "plantune/core/device_info.h"
#include "plantune/models/registry.h"
#include "plantune/precision/error_metrics_json.h"
#include "plantune/precision/precision_policy.h"
#include "plantune/runtime/layer_compare.h"
#include "plantune/runtime/weights.h"
#include "plantune/runtime/weights_io.h"
#include "plantune/tuner/precision_pick.h"
#include "table.h"

namespace plantune::cli {
namespace {

using tuner::Precision;

std::vector<Precision> parse_precision_list(const std::string& s) {
  std::vector<Precision> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const auto p = tuner::precision_from_string(item);
    if (!p) throw UsageError("--precisions: '" + item + "' is not one of fp32, tf32, fp16, bf16, int8");
    if (std::find(out.begin(), out.end(), *p) != out.end())
      throw UsageError("--precisions: '" + item + "' is listed twice");
    out.push_back(*p);
  }
  if (out.empty()) throw UsageError("--precisions: empty list");
  return out;
}

// One set of graph inputs, uniform in [-1, 1) (as `plantune run` checks with).
std::vector<std::vector<float>> random_inputs(const Graph& g, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<std::vector<float>> out;
  for (TensorId t : g.inputs()) {
    std::vector<float> v(static_cast<std::size_t>(g.tensor(t).shape.numel()));
    for (auto& x : v) x = u(rng);
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace

int cmd_compare(const Args& args) {
  ArgParser p("plantune compare",
              "run each convolution of a model layer by layer in each precision (cuDNN) on the "
              "fp32 reference's activations, and print each layer's error against FP32: "
              "relative L2 error, max abs, cosine, SQNR. int8 is calibrated on separate inputs. Exit "
              "status 3 when a layer is over its precision's default error budget");
  p.positional("model", "built-in model name or network JSON file");
  p.option("--batch", "N", "batch size (default: the model's, 1 for built-ins)");
  p.option("--precisions", "LIST", "comma separated: fp32,tf32,fp16,bf16,int8",
           "fp32,tf32,fp16,bf16,int8");
  p.option("--calibration", "METHOD", "int8 activation calibration: entropy, percentile, minmax",
           "entropy");
  p.option("--percentile", "P", "kept percentile of |x| for --calibration percentile", "99.99");
  p.option("--calibration-inputs", "N", "calibration inputs (batches) for int8", "2");
  p.option("--weights", "FILE", "weights index file (default: random weights)");
  p.option("--seed", "S", "seed of the random weights and inputs", "1");
  p.option("--json", "FILE", "also write every layer's metrics as JSON");
  p.flag("--nhwc-everywhere", "run fp32 and tf32 in NHWC too (default: NCHW)");
  if (!p.parse(args)) return 0;

  runtime::CompareOptions o;
  o.precisions = parse_precision_list(p.get("--precisions"));
  o.nhwc_everywhere = p.has("--nhwc-everywhere");
  const auto method = precision::calibration_method_from_string(p.get("--calibration"));
  if (!method) throw UsageError("--calibration: '" + p.get("--calibration") +
                                "' is not one of entropy, percentile, minmax");
  o.calibration.method = *method;
  o.calibration.percentile = p.get_double("--percentile");
  if (!(o.calibration.percentile > 0.0 && o.calibration.percentile <= 100.0))
    throw UsageError("--percentile must be in (0, 100]");
  const std::int64_t n_calib = p.get_int("--calibration-inputs");
  if (n_calib < 1 || n_calib > 64) throw UsageError("--calibration-inputs must be 1..64");
  models::ModelOptions mo;
  if (p.has("--batch")) {
    mo.batch = p.get_int("--batch");
    if (mo.batch <= 0) throw UsageError("--batch must be > 0");
  }
  const Graph g = models::load_network(p.get("model"), mo);
  const auto seed = static_cast<std::uint64_t>(p.get_int("--seed"));

  if (!query_device()) {
    std::cout << "plantune compare: skipped: no CUDA device (" << no_device_reason() << ")\n";
    return 0;
  }
  runtime::WeightStore weights;
  std::string weights_note;
  if (p.has("--weights")) {
    const std::string bin =
        std::filesystem::path(p.get("--weights")).replace_extension(".bin").string();
    weights = runtime::load_weights(p.get("--weights"), bin);
    weights_note = p.get("--weights");
  } else {
    weights = runtime::random_weights(g, seed);
    weights_note = "random (seed " + std::to_string(seed) + ")";
  }
  runtime::check_weights(g, weights);

  // The evaluation input and, separately seeded, the calibration inputs.
  const auto input = random_inputs(g, seed * 1000 + 1);
  std::vector<std::vector<std::vector<float>>> calibration;
  const bool int8 = std::find(o.precisions.begin(), o.precisions.end(), Precision::int8) !=
                    o.precisions.end();
  if (int8) {
    for (std::int64_t i = 0; i < n_calib; ++i) calibration.push_back(random_inputs(g, seed * 1000 + 2 + i));
  }
  std::cout << "compare " << g.name() << ": " << g.count(OpKind::conv2d) << " conv2d layers, "
            << "weights " << weights_note << ", precisions " << p.get("--precisions");
  if (int8) {
    std::cout << ", int8 calibration " << to_string(o.calibration.method) << " over " << n_calib
              << " input(s)";
  }
  std::cout << "\n";

  const bool tty = isatty(fileno(stderr)) != 0;
  const auto rows = runtime::compare_conv_layers(
      g, weights, input, calibration, o, [&](const runtime::CompareProgress& pr) {
        std::cerr << (tty ? "\r" : "") << "layer " << pr.layer << "/" << pr.layers << " "
                  << pr.name << (tty ? "\x1b[K" : "\n") << std::flush;
      });
  if (tty) std::cerr << "\n";

  // Table: one row per layer, relative L2 error per precision, SQNR for int8.
  Table t;
  t.column("layer", Table::Align::left);
  t.column("shape", Table::Align::left);
  for (Precision pr : o.precisions) t.column(cat(to_string(pr), " rel_l2"), Table::Align::right);
  if (int8) t.column("int8 SQNR dB", Table::Align::right);
  std::map<std::size_t, std::vector<const runtime::LayerComparison*>> by_op;
  std::vector<std::size_t> op_order;
  for (const auto& r : rows) {
    if (by_op[r.op_index].empty()) op_order.push_back(r.op_index);
    by_op[r.op_index].push_back(&r);
  }
  for (std::size_t op : op_order) {
    const auto& rs = by_op[op];
    std::vector<std::string> cells{rs[0]->layer, rs[0]->key.substr(rs[0]->key.find(' ') + 1,
                                                                   rs[0]->key.find(" x=") -
                                                                       rs[0]->key.find(' ') - 1)};
    std::string sqnr;
    for (const auto* r : rs) {
      cells.push_back(r->ran ? scientific(r->metrics.rel_l2, 2) : "n/a");
      if (r->precision == Precision::int8) sqnr = r->ran ? fixed(r->metrics.sqnr_db, 1) : "n/a";
    }
    if (int8) cells.push_back(sqnr);
    t.row(std::move(cells));
  }
  std::cout << t.str();

  // Summary per precision, against the precision policy's default budget.
  std::cout << "\nper precision (relative L2 error vs FP32; budget: the precision policy's default)\n";
  Table s;
  for (const char* h : {"precision", "layers run", "max rel_l2", "worst layer", "geomean rel_l2",
                        "min SQNR dB", "within budget"}) {
    s.column(h, std::string(h) == "precision" || std::string(h) == "worst layer"
                    ? Table::Align::left
                    : Table::Align::right);
  }
  nlohmann::json summary = nlohmann::json::array();
  int over_budget = 0;
  for (Precision pr : o.precisions) {
    const precision::ErrorBudget budget = precision::default_budget(tuner::policy_dtype(pr));
    int ran = 0, total = 0, fits = 0;
    double worst = 0.0, log_sum = 0.0, min_sqnr = INFINITY;
    std::string worst_layer, not_run;
    for (const auto& r : rows) {
      if (r.precision != pr) continue;
      ++total;
      if (!r.ran) {
        if (not_run.empty()) not_run = r.layer + ": " + r.why_not;
        continue;
      }
      ++ran;
      if (budget.fits(r.metrics)) ++fits;
      if (r.metrics.rel_l2 >= worst) {
        worst = r.metrics.rel_l2;
        worst_layer = r.layer;
      }
      log_sum += std::log(std::max(r.metrics.rel_l2, 1e-30));
      min_sqnr = std::min(min_sqnr, r.metrics.sqnr_db);
    }
    const double geo = ran > 0 ? std::exp(log_sum / ran) : 0.0;
    over_budget += ran - fits;
    s.row({std::string(to_string(pr)), cat(std::to_string(ran), "/", std::to_string(total)),
           ran ? scientific(worst, 2) : "n/a", worst_layer, ran ? scientific(geo, 2) : "n/a",
           ran ? fixed(min_sqnr, 1) : "n/a",
           cat(std::to_string(fits), "/", std::to_string(ran), " (rel_l2 <= ",
               budget.max_rel_l2 ? scientific(*budget.max_rel_l2, 2) : "-", ")")});
    if (!not_run.empty()) std::cout << "  " << to_string(pr) << " not run on some layers, e.g. " << not_run << "\n";
    summary.push_back({{"precision", std::string(to_string(pr))},
                       {"layers_run", ran},
                       {"layers", total},
                       {"max_rel_l2", worst},
                       {"worst_layer", worst_layer},
                       {"geomean_rel_l2", geo},
                       {"min_sqnr_db", ran ? min_sqnr : 0.0},
                       {"within_budget", fits}});
  }
  std::cout << s.str();

  if (p.has("--json")) {
    std::string command = "plantune compare";
    for (const auto& a : args) command += " " + a;
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& r : rows) {
      nlohmann::json j = {{"layer", r.layer},
                          {"key", r.key},
                          {"precision", std::string(to_string(r.precision))},
                          {"variant", r.variant},
                          {"ran", r.ran}};
      if (r.ran) {
        j["tactic"] = r.tactic;
        j["metrics"] = precision::error_metrics_to_json(r.metrics);
      } else {
        j["why_not"] = r.why_not;
      }
      if (r.input_amax) j["input_amax"] = *r.input_amax;
      layers.push_back(std::move(j));
    }
    nlohmann::json doc = {{"command", command},
                          {"model", g.name()},
                          {"weights", weights_note},
                          {"calibration", std::string(to_string(o.calibration.method))},
                          {"calibration_inputs", int8 ? n_calib : 0},
                          {"summary", summary},
                          {"layers", layers}};
    if (auto d = query_device()) doc["device"] = d->name;
    std::ofstream f(p.get("--json"));
    f << doc.dump(1) << "\n";
    if (!f) throw Error(ErrorCode::io_error, "cannot write " + p.get("--json"));
    std::cout << "wrote " << p.get("--json") << "\n";
  }
  // A layer over its precision's default budget is reported, not an error: the table is the
  // answer. The exit status says whether every layer that ran fits.
  return over_budget > 0 ? 3 : 0;
}

}  // namespace plantune::cli
