// `plantune plan`: the activation-memory plan of a model, a network file or a CSV problem:
// naive bytes, the lower bound without and with aliasing, the arena, the gap, the algorithm
// and the time; optionally the plan as SVG and JSON, and an independent check.
#include <cmath>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "args.h"
#include "commands.h"
#include "plantune/core/error.h"
#include "plantune/core/graph_json.h"
#include "plantune/models/registry.h"
#include "plantune/planner/checker.h"
#include "plantune/planner/csv_io.h"
#include "plantune/planner/lifetime.h"
#include "plantune/planner/lower_bound.h"
#include "plantune/planner/plan_json.h"
#include "plantune/planner/plan_svg.h"
#include "plantune/planner/planner.h"
#include "table.h"

namespace plantune::cli {

namespace {

using namespace plantune::planner;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// What is planned, and what it is compared with.
struct Job {
  std::string title;                    // first line of the report
  Problem problem;                      // the problem handed to plan()
  std::int64_t naive_bytes = 0;         // no reuse at all
  std::optional<MemoryBounds> bounds;   // graphs only: plain and aliasing lower bounds
  std::string aliases;                  // graphs only: "1 view, 118 in place, 0 concat slices"
};

Job graph_job(const ArgParser& p, const std::string& src) {
  models::ModelOptions opts;
  if (p.has("--batch")) {
    opts.batch = p.get_int("--batch");
    if (opts.batch <= 0) throw UsageError("--batch must be > 0, got " + std::to_string(opts.batch));
  }
  std::string origin;
  Graph g = [&] {
    if (!models::is_builtin(src) && std::filesystem::exists(src) && !p.has("--batch")) {
      origin = "network file " + src;
      return load_graph(src);
    }
    origin = models::is_builtin(src) ? "built-in" : "network file " + src;
    return models::load_network(src, opts);
  }();
  const std::int64_t batch = g.tensor(g.inputs().at(0)).shape.dims.at(0);

  LifetimeOptions lo;
  lo.mode = p.has("--plain") ? Mode::plain : Mode::aliasing;
  lo.strided_concat = p.has("--strided-concat");
  Lifetimes lt = analyze_lifetimes(g, lo);

  Job job;
  job.title = cat("plan of '", g.name(), "' (", origin, ", batch ", std::to_string(batch), ", ",
                  to_string(lo.mode), lo.strided_concat ? ", strided concat slices" : "", "): ",
                  std::to_string(g.ops().size()), " ops, ",
                  std::to_string(lt.problem.buffers.size()), " buffers");
  job.naive_bytes = lt.naive_bytes;
  job.bounds = memory_bounds(g, lo);
  auto n = [](std::size_t k, const char* one, const char* many) {
    return cat(std::to_string(k), " ", k == 1 ? one : many);
  };
  job.aliases = cat(n(lt.count(Storage::view), "view", "views"), ", ",
                    n(lt.count(Storage::in_place), "in place", "in place"), ", ",
                    n(lt.count(Storage::concat_slice), "concat slice", "concat slices"));
  job.problem = std::move(lt.problem);
  return job;
}

Job csv_job(const ArgParser& p, const std::string& src) {
  for (const char* graph_only : {"--batch", "--plain", "--strided-concat"}) {
    if (p.has(graph_only)) {
      throw UsageError(cat(graph_only, " applies to networks; the CSV problem '", src,
                           "' is already a list of buffers"));
    }
  }
  CsvProblem csv = read_csv(src);
  Job job;
  job.title = cat("plan of CSV problem ", src, ": ", std::to_string(csv.problem.buffers.size()),
                  " buffers");
  for (const Buffer& b : csv.problem.buffers) {
    job.naive_bytes = checked_add(job.naive_bytes, b.size, "sum of buffer sizes of " + src);
  }
  job.problem = std::move(csv.problem);
  return job;
}

std::string percent(double fraction) { return fixed(100.0 * fraction, 2) + "%"; }

// "-25.00% vs plain bound", "= plain bound"
std::string versus(std::int64_t v, std::int64_t reference, const char* what) {
  if (reference <= 0) return {};
  if (v == reference) return cat("= ", what);
  return cat(v <= reference ? "-" : "+",
             percent(std::abs(static_cast<double>(v - reference)) / static_cast<double>(reference)),
             " vs ", what);
}

}  // namespace

int cmd_plan(const Args& args) {
  ArgParser p("plantune plan",
              "Plan activation memory: give every tensor (and each op's workspace) an offset in one\n"
              "arena so that tensors live at the same step never share bytes. Prints the naive size\n"
              "(no reuse), the lower bound without aliasing and with it (views, in-place reuse,\n"
              "concat elision), the arena, the proven gap to the bound, the algorithm and the time.\n"
              "A .csv input is a MiniMalloc problem (id,lower,upper,size[,offset]).");
  p.positional("input", "a built-in model name, a network JSON file, or a problem .csv");
  p.option("--batch", "N", "batch size (default: 1 for built-ins, the file's own for files)");
  p.flag("--plain", "plan without aliasing: every tensor its own buffer");
  p.flag("--strided-concat",
         "also elide concat inputs whose slices are strided (batch > 1 in NCHW): their producers\n"
         "must write through the concat output's strides");
  p.option("--algorithm", "A", "naive, greedy_by_size, portfolio, exact or best", "best");
  p.option("--time-budget", "S", "seconds the exact search may take", "10");
  p.option("--svg", "F", "write a picture of the plan to F (SVG)");
  p.option("--json", "F", "write the plan to F (JSON)");
  p.flag("--verify", "check the plan with the independent checker and report the result");
  if (!p.parse(args)) return 0;

  PlanOptions options;
  const std::string algorithm = p.get("--algorithm");
  auto a = algorithm_from_string(algorithm);
  if (!a) {
    throw UsageError("--algorithm expects naive, greedy_by_size, portfolio, exact or best, got '" +
                     algorithm + "'");
  }
  options.algorithm = *a;
  options.time_budget_seconds = p.get_double("--time-budget");
  if (!(options.time_budget_seconds > 0)) {
    throw UsageError("--time-budget must be > 0 seconds, got " + p.get("--time-budget"));
  }
  options.verify = false;  // checked below, when asked, with the violation reported

  const std::string src = p.get("input");
  Job job = ends_with(src, ".csv") ? csv_job(p, src) : graph_job(p, src);
  Plan plan = planner::plan(job.problem, options);

  std::cout << job.title << "\n";
  if (!job.aliases.empty()) std::cout << "  aliases: " << job.aliases << "\n";
  std::cout << "\n";
  using A = Table::Align;
  Table t;
  t.column("", A::left);
  t.column("bytes", A::right);
  t.column("MiB", A::right);
  t.column("", A::left);
  auto row = [&](const std::string& label, std::int64_t bytes, std::string note) {
    t.row({label, with_commas(bytes), fixed(static_cast<double>(bytes) / (1 << 20), 2),
           std::move(note)});
  };
  row("naive (no reuse)", job.naive_bytes, "");
  std::int64_t reference = lower_bound(job.problem);
  if (job.bounds) {
    reference = job.bounds->plain_lower_bound;
    row("lower bound, plain", job.bounds->plain_lower_bound, "");
    row("lower bound, aliasing", job.bounds->aliasing_lower_bound,
        versus(job.bounds->aliasing_lower_bound, reference, "plain bound"));
  } else {
    row("lower bound", reference, "");
  }
  row("arena", plan.arena_bytes,
      cat(versus(plan.arena_bytes, reference, job.bounds ? "plain bound" : "bound"),
          job.naive_bytes > 0 ? cat(", ", versus(plan.arena_bytes, job.naive_bytes, "naive")) : ""));
  std::cout << t.str();

  std::string gap;
  if (plan.optimal) {
    gap = "0 (optimal: proven minimal)";
  } else {
    gap = cat(percent(plan.gap), " (proven: arena is at most this far above the optimum)");
  }
  std::cout << "\n  gap        " << gap << "\n"
            << "  algorithm  " << plan.algorithm << "\n"
            << "  time       " << fixed(plan.seconds * 1e3, 2) << " ms\n";
  int status = 0;
  if (p.has("--verify")) {
    auto v = check_plan(job.problem, plan);
    if (v) {
      std::cout << "  check      FAILED: " << to_string(v->kind) << ": " << v->message << "\n";
      status = 1;
    } else {
      std::cout << "  check      passed (independent sweep over "
                << job.problem.buffers.size() << " buffers)\n";
    }
  }
  if (p.has("--json")) {
    save_plan_json(p.get("--json"), job.problem, plan);
    std::cout << "  json       " << p.get("--json") << "\n";
  }
  if (p.has("--svg")) {
    SvgOptions svg;
    svg.title = job.title.substr(0, job.title.find(':'));
    save_plan_svg(p.get("--svg"), job.problem, plan, svg);
    std::cout << "  svg        " << p.get("--svg") << "\n";
  }
  return status;
}

}  // namespace plantune::cli
