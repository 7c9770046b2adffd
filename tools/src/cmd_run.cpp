// `plantune run`: build an Engine for a schedule (a schedule JSON, or a model scheduled from a
// tactic database on the spot), check its output against the plain reference executor on
// random data with the arena poisoned, and time it: trtexec-like statistics (latency, GPU
// compute, copies, enqueue; min/mean/median/p99) and throughput per number of streams.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "args.h"
#include "commands.h"
#include "plantune/core/device_info.h"
#include "plantune/models/registry.h"
#include "plantune/precision/error_metrics.h"
#include "plantune/runtime/engine.h"
#include "plantune/runtime/reference_executor.h"
#include "plantune/runtime/schedule_json.h"
#include "plantune/runtime/weights_io.h"
#include "schedule_options.h"
#include "schedule_tuning.h"
#include "table.h"

namespace plantune::cli {

namespace {

// A schedule file (JSON whose "format" is "plantune-schedule"), as opposed to a network file.
bool is_schedule_file(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) return false;
  std::ifstream in(path);
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  return j.is_object() && j.value("format", "") == "plantune-schedule";
}

nlohmann::json summary_json(const runtime::Summary& s) {
  return {{"min", s.min}, {"mean", s.mean}, {"median", s.median}, {"p90", s.p90},
          {"p99", s.p99}, {"max", s.max},   {"n", s.n}};
}

// Tolerance of the output's relative L2 error against the fp32 reference.
double tolerance(tuner::Precision p) { return p == tuner::Precision::fp32 ? 1e-4 : 1e-2; }

}  // namespace

int cmd_run(const Args& args) {
  ArgParser p("plantune run",
              "Run a schedule (JSON) or a model's schedule on this GPU: check it against the\n"
              "reference executor, then time it (trtexec-like statistics).");
  p.positional("model", "schedule JSON, built-in model name or network JSON file");
  add_schedule_options(p);
  p.option("--iterations", "I", "timed runs per stream", "200");
  p.option("--streams", "S", "execution contexts, one stream each (comma list to compare)", "1");
  p.option("--warmup-seconds", "S", "warm-up before timing", "0.5");
  p.option("--weights", "INDEX", "weights index file (docs/weights-format.md); default: random");
  p.option("--weights-bin", "FILE", "the weights' binary file (default: INDEX with .bin)");
  p.option("--seed", "N", "seed of the random weights and inputs", "1");
  p.option("--json", "FILE", "write the statistics as JSON");
  p.option("--input", "FILE", "raw little-endian fp32 NCHW input for an extra check against --expect");
  p.option("--expect", "FILE", "raw fp32 output another framework computed for --input");
  p.flag("--no-check", "skip the comparison with the reference executor");
  p.option("--checks", "N", "compare N runs with the reference (each on a poisoned arena)", "1");
  p.flag("--no-graph", "enqueue the steps each run instead of replaying a CUDA graph");
  p.flag("--profile", "also print each step's GPU time");
  if (!p.parse(args)) return 0;
  if (!query_device()) {
    std::cout << "plantune run: skipped: no CUDA device (" << no_device_reason() << ")\n";
    return 0;
  }
  std::string command = "plantune run";
  for (const auto& a : args) command += " " + a;

  runtime::Schedule s;
  if (is_schedule_file(p.get("model"))) {
    s = runtime::load_schedule(p.get("model"));
    std::cout << "schedule " << p.get("model") << ": " << s.graph.name() << " batch " << s.batch()
              << ", " << tuner::to_string(s.precision) << "\n";
  } else {
    models::ModelOptions mo;
    mo.batch = p.get_int("--batch");
    const Graph g = models::load_network(p.get("model"), mo);
    s = make_schedule(g, schedule_job(p, command));
    std::cout << schedule_report(s) << "\n";
  }
  const auto seed = static_cast<std::uint64_t>(p.get_int("--seed"));
  runtime::WeightStore weights;
  if (p.has("--weights")) {
    std::string bin = p.has("--weights-bin")
                          ? p.get("--weights-bin")
                          : std::filesystem::path(p.get("--weights")).replace_extension(".bin").string();
    weights = runtime::load_weights(p.get("--weights"), bin);
    std::cout << "weights: " << weights.size() << " tensors from " << p.get("--weights") << "\n";
  } else {
    weights = runtime::random_weights(s.graph, seed);
    std::cout << "weights: random (seed " << seed << ")\n";
  }
  runtime::check_weights(s.graph, weights);

  std::vector<int> streams;
  {
    std::stringstream ss(p.get("--streams"));
    std::string item;
    while (std::getline(ss, item, ',')) {
      const int n = std::stoi(item);
      if (n < 1) throw UsageError("--streams: each count must be >= 1");
      streams.push_back(n);
    }
    if (streams.empty()) throw UsageError("--streams: empty list");
  }
  runtime::EngineOptions eo;
  eo.contexts = *std::max_element(streams.begin(), streams.end());
  eo.cuda_graph = !p.has("--no-graph");
  const auto b0 = std::chrono::steady_clock::now();
  runtime::Engine engine(s, weights, eo);
  const double build_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - b0).count();
  std::cout << "engine built in " << fixed(build_s, 2) << " s: " << eo.contexts
            << " context(s), arena " << human_bytes(s.memory.arena_bytes) << " each, "
            << (eo.cuda_graph ? "CUDA graph" : "eager enqueue") << "\n";

  nlohmann::json report = {{"command", command},
                           {"model", s.graph.name()},
                           {"batch", s.batch()},
                           {"precision", std::string(tuner::to_string(s.precision))},
                           {"arena_bytes", s.memory.arena_bytes},
                           {"workspace_bytes", s.memory.workspace_bytes},
                           {"lower_bound_bytes", s.memory.lower_bound_bytes},
                           {"layers_before", s.ops_before},
                           {"layers_after", s.layers_after},
                           {"engine_build_seconds", build_s},
                           {"environment", s.environment.describe()}};
  if (auto d = query_device()) report["device"] = d->name;

  int status = 0;
  const int repeats = static_cast<int>(p.get_int("--checks"));
  if (repeats < 1) throw UsageError("--checks must be >= 1");
  if (p.has("--no-check")) {
    engine.run(0);
  } else {
    // Fresh random inputs; the arena poisoned so that a read of unwritten memory shows.
    std::mt19937_64 rng(seed + 1000);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    std::vector<std::vector<float>> inputs;
    for (std::int64_t n : engine.input_sizes()) {
      std::vector<float> v(static_cast<std::size_t>(n));
      for (auto& x : v) x = u(rng);
      inputs.push_back(std::move(v));
    }
    for (std::size_t i = 0; i < inputs.size(); ++i) engine.set_input(0, static_cast<int>(i), inputs[i]);
    runtime::ReferenceExecutor ref(s.graph, weights);
    const auto expected = ref.run(inputs);
    const double tol = tolerance(s.precision);
    nlohmann::json checks = nlohmann::json::array();
    std::vector<std::vector<float>> first;
    for (int rep = 0; rep < repeats; ++rep) {
      engine.poison_arena(0);
      engine.run(0);
      for (std::size_t i = 0; i < expected.size(); ++i) {
        const auto got = engine.output(0, static_cast<int>(i));
        const auto m = precision::compare(got, expected[i]);
        const bool ok = m.nonfinite == 0 && m.rel_l2 <= tol;
        std::cout << "check output " << i;
        if (repeats > 1) std::cout << " (run " << rep + 1 << "/" << repeats << ")";
        std::cout << " vs the fp32 reference executor (arena poisoned): "
                  << "relative L2 error " << m.rel_l2 << ", max abs " << m.max_abs
                  << ", max rel " << m.max_rel << ", cosine " << m.cosine << ", SQNR "
                  << fixed(m.sqnr_db, 1) << " dB, non-finite " << m.nonfinite << " -> "
                  << (ok ? "ok" : "FAILED") << " (tolerance " << tol << ")";
        if (rep == 0) {
          first.push_back(got);
        } else {
          const auto d = precision::compare(got, first[i]);
          std::cout << "; vs run 1: max abs difference " << d.max_abs;
        }
        std::cout << "\n";
        checks.push_back({{"rel_l2", m.rel_l2},
                          {"max_abs", m.max_abs},
                          {"max_rel", m.max_rel},
                          {"cosine", m.cosine},
                          {"sqnr_db", m.sqnr_db},
                          {"nonfinite", m.nonfinite},
                          {"tolerance", tol},
                          {"ok", ok}});
        if (!ok) status = 1;
      }
    }
    if (repeats > 1) {
      const auto again = ref.run(inputs);
      for (std::size_t i = 0; i < expected.size(); ++i)
        std::cout << "reference executor run twice: output " << i << " max abs difference "
                  << precision::compare(again[i], expected[i]).max_abs << "\n";
    }
    report["check"] = checks;
  }
  if (p.has("--input") != p.has("--expect"))
    throw UsageError("--input and --expect go together");
  if (p.has("--input")) {
    auto read = [](const std::string& path, std::int64_t count) {
      std::ifstream in(path, std::ios::binary);
      if (!in) throw std::runtime_error("cannot read " + path);
      in.seekg(0, std::ios::end);
      const auto bytes = static_cast<std::int64_t>(in.tellg());
      if (bytes != count * 4)
        throw std::runtime_error(path + " holds " + std::to_string(bytes) + " bytes, expected " +
                                 std::to_string(count * 4) + " (" + std::to_string(count) +
                                 " fp32 values)");
      in.seekg(0);
      std::vector<float> v(static_cast<std::size_t>(count));
      in.read(reinterpret_cast<char*>(v.data()), bytes);
      return v;
    };
    const auto x = read(p.get("--input"), engine.input_sizes().at(0));
    const auto want = read(p.get("--expect"), engine.output_sizes().at(0));
    engine.set_input(0, 0, x);
    engine.poison_arena(0);
    engine.run(0);
    const auto m = precision::compare(engine.output(0, 0), want);
    const bool ok = m.nonfinite == 0 && m.rel_l2 <= tolerance(s.precision);
    std::cout << "check vs " << p.get("--expect") << ": relative L2 error " << m.rel_l2
              << ", max abs " << m.max_abs << ", cosine " << m.cosine << ", SQNR "
              << fixed(m.sqnr_db, 1) << " dB -> " << (ok ? "ok" : "FAILED") << "\n";
    report["check_expected"] = {{"file", p.get("--expect")}, {"rel_l2", m.rel_l2},
                                {"max_abs", m.max_abs}, {"cosine", m.cosine},
                                {"sqnr_db", m.sqnr_db}, {"ok", ok}};
    if (!ok) status = 1;
  }
  const double ready =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - process_start()).count();
  std::cout << "ready in " << fixed(ready, 2)
            << " s from process start (database, schedule, engine build"
            << (p.has("--no-check") ? "" : ", reference check") << ", first inference)\n";
  report["ready_seconds"] = ready;

  runtime::BenchmarkOptions bo;
  bo.iterations = static_cast<int>(p.get_int("--iterations"));
  bo.warmup_seconds = p.get_double("--warmup-seconds");
  if (bo.iterations < 1) throw UsageError("--iterations must be >= 1");
  nlohmann::json runs = nlohmann::json::array();
  for (int n : streams) {
    // A subset of the contexts: an engine with fewer contexts shares nothing with this one,
    // so time n contexts by building a second engine when n differs from the largest.
    std::unique_ptr<runtime::Engine> sub;
    runtime::Engine* e = &engine;
    if (n != eo.contexts) {
      runtime::EngineOptions so = eo;
      so.contexts = n;
      sub = std::make_unique<runtime::Engine>(s, weights, so);
      e = sub.get();
    }
    const runtime::RunStats st = e->benchmark(bo);
    std::cout << "\n== " << n << " stream(s), " << bo.iterations << " runs each\n"
              << runtime::describe(st);
    runs.push_back({{"streams", n},
                    {"inferences", st.inferences},
                    {"wall_seconds", st.wall_seconds},
                    {"throughput_images_per_s", st.throughput_per_s()},
                    {"latency_ms", summary_json(st.latency_ms)},
                    {"compute_ms", summary_json(st.compute_ms)},
                    {"h2d_ms", summary_json(st.h2d_ms)},
                    {"d2h_ms", summary_json(st.d2h_ms)},
                    {"enqueue_ms", summary_json(st.enqueue_ms)}});
  }
  report["runs"] = runs;

  if (p.has("--profile")) {
    const auto times = engine.profile_steps();
    Table t;
    t.column("#", Table::Align::right);
    t.column("step", Table::Align::left);
    t.column("measured ms", Table::Align::right);
    t.column("estimated ms", Table::Align::right);
    nlohmann::json prof = nlohmann::json::array();
    double total = 0;
    for (std::size_t i = 0; i < times.size(); ++i) {
      t.row({std::to_string(i), s.steps[i].name, fixed(times[i], 4),
             fixed(s.steps[i].estimated_ms, 4)});
      prof.push_back({{"step", s.steps[i].name}, {"median_ms", times[i]},
                      {"estimated_ms", s.steps[i].estimated_ms}});
      total += times[i];
    }
    std::cout << "\n== per-step GPU time (events between steps inside a CUDA graph, median of 20)\n"
              << t.str() << "sum of steps: " << fixed(total, 4) << " ms\n";
    report["profile"] = prof;
  }
  if (p.has("--json")) {
    std::ofstream out(p.get("--json"));
    out << report.dump(1) << "\n";
    if (!out) throw std::runtime_error("cannot write " + p.get("--json"));
    std::cout << "statistics written to " << p.get("--json") << "\n";
  }
  return status;
}

}  // namespace plantune::cli
