#include "schedule_tuning.h"

#include <unistd.h>

#include <chrono>
#include <iostream>
#include <sstream>

#include "plantune/core/device_info.h"
#include "plantune/runtime/layer.h"
#include "plantune/tuner/device_environment.h"
#include "plantune/tuner/gemm_source.h"
#include "plantune/tuner/gemm_tuner.h"
#include "plantune/tuner/tactic_db_store.h"
#include "plantune/tuner/tuner.h"
#include "table.h"

namespace plantune::cli {

namespace {

std::string ms(double v) { return fixed(v, 4); }

}  // namespace

runtime::Schedule make_schedule(const Graph& g, const ScheduleJob& job) {
  const bool gpu = query_device().has_value();
  std::optional<tuner::Environment> env;
  if (gpu) env = tuner::device_environment();
  tuner::LoadResult loaded = tuner::load_tactic_db(job.db_path, env ? &*env : nullptr,
                                                   /*missing_ok=*/true);
  std::cerr << loaded.summary(job.db_path) << "\n";
  tuner::TacticDb& db = loaded.db;
  runtime::ScheduleOptions o = job.options;
  bool tuned = false;
  if (gpu && job.tune) {
    o.tune_missing = [&](std::span<const runtime::TuneRequest> missing, tuner::TacticDb& d) {
      tuned = true;
      std::cerr << "tuning " << missing.size() << " problem(s) the database lacks\n";
      tuner::ConvTuner conv;
      tuner::TuneOptions to;
      to.workspace_limit = o.workspace_limit;
      to.search = job.search;
      // Plans the schedule would pass over are not worth their compilation.
      to.max_runtime_compiled =
          o.avoid_runtime_compiled ? 0 : tuner::TuneOptions::kRuntimeCompiledWhenAllowed;
      to.command = o.command;
      const bool tty = isatty(fileno(stderr)) != 0;
      const auto t0 = std::chrono::steady_clock::now();
      const int n = static_cast<int>(missing.size());
      for (int i = 0; i < n; ++i) {
        const auto& r = missing[static_cast<std::size_t>(i)];
        if (job.budget_seconds > 0) {
          const double used =
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
          to.budget_seconds = std::max(0.001, (job.budget_seconds - used) / (n - i));
        }
        to.progress = [&](const tuner::TuneProgress& pr) {
          std::ostringstream os;
          os << "[" << i + 1 << "/" << n << "] " << r.layers.front()
             << (r.layers.size() > 1 ? " +" + std::to_string(r.layers.size() - 1) : "") << " "
             << tuner::to_string(pr.variant) << ": " << pr.phase << ", tactics "
             << pr.tactics_tried << "/" << pr.tactics_total;
          if (pr.best_ms) os << ", best " << ms(*pr.best_ms) << " ms";
          if (tty) std::cerr << "\r\033[K" << os.str() << std::flush;
          else if (pr.phase == "done" || pr.phase == "cached") std::cerr << os.str() << "\n";
        };
        if (const auto* cp = std::get_if<tuner::ConvProblem>(&r.problem)) {
          conv.tune(*cp, r.variants, to, d);
        } else {
          const auto& gp = std::get<tuner::GemmProblem>(r.problem);
          if (!tuner::gemm_epilogue_supported(gp.activation)) {
            std::cerr << "[" << i + 1 << "/" << n << "] " << r.layers.front()
                      << ": not tuned (cuBLASLt has no " << to_string(gp.activation)
                      << " epilogue)\n";
            continue;
          }
          std::vector<tuner::Precision> precisions;
          for (const auto& v : r.variants) precisions.push_back(v.precision);
          tuner::GemmTuneOptions go;
          go.workspace_limit = o.workspace_limit;
          go.command = o.command;
          tuner::tune_gemm(gp, precisions, go, d);
          std::cerr << "[" << i + 1 << "/" << n << "] " << r.layers.front() << ": GEMM tuned\n";
        }
        tuner::save_tactic_db(d, job.db_path, tuner::SaveMode::merge);
      }
      if (tty) std::cerr << "\n";
      std::cerr << "tuning took "
                << fixed(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
                             .count(), 1)
                << " s\n";
    };
  } else if (!gpu) {
    std::cerr << "no CUDA device (" << no_device_reason()
              << "): the schedule comes from the database alone\n";
  }
  runtime::Schedule s = runtime::build_schedule(g, db, o);
  (void)tuned;
  return s;
}

std::string schedule_report(const runtime::Schedule& s) {
  Table t;
  for (const char* h : {"#", "step", "runs", "layout", "dtype", "tactic", "est ms", "workspace",
                        "note"}) {
    const std::string hs = h;
    t.column(hs, hs == "#" || hs == "est ms" || hs == "workspace" ? Table::Align::right
                                                                  : Table::Align::left);
  }
  for (std::size_t i = 0; i < s.steps.size(); ++i) {
    const auto& st = s.steps[i];
    const auto& out = s.tensors.at(static_cast<std::size_t>(st.output));
    std::string runs;
    if (st.kind == runtime::StepKind::convert) {
      const auto& in = s.tensors.at(static_cast<std::size_t>(st.inputs.at(0)));
      runs = "convert " + runtime::storage_suffix(in.layout, in.dtype) + " -> " +
             runtime::storage_suffix(out.layout, out.dtype);
    } else {
      runs = std::string(to_string(st.op));
      if (st.folded_bn) runs += "+bn";
      else if (st.bias) runs += "+bias";
      if (st.residual) runs += "+add";
      if (st.activation != Activation::none) runs += "+" + std::string(to_string(st.activation));
      if (!st.epilogue_fused) runs += " (epilogue kernel)";
      if (st.in_place) runs += " [in place]";
    }
    t.row({std::to_string(i), st.name, runs, std::string(to_string(out.layout)),
           std::string(to_string(out.dtype)),
           st.tactic ? tuner::tactic_id(st.tactic->tactic.config) : "-",
           ms(st.estimated_ms), st.tactic ? human_bytes(st.tactic->workspace_bytes) : "-",
           st.note});
  }
  std::ostringstream os;
  os << t.str() << "\n"
     << "layers: " << s.ops_before << " ops -> " << s.layers_after
     << " executed layers after fusion; " << s.steps.size() << " steps (with conversions)\n"
     << "layouts assigned by " << s.layout_method << (s.layout_exact ? " (exact)" : " (heuristic)")
     << "; estimated total " << ms(s.estimated_ms) << " ms (database medians, cold L2)\n"
     << "memory: arena " << human_bytes(s.memory.arena_bytes) << " (" << with_commas(s.memory.arena_bytes)
     << " B), lower bound " << human_bytes(s.memory.lower_bound_bytes) << ", no reuse "
     << human_bytes(s.memory.naive_bytes) << ", largest step workspace "
     << human_bytes(s.memory.workspace_bytes) << " (each step's own, live during it), placed by " << s.memory.algorithm << "\n"
     << "tactics measured on: "
     << (s.environment.empty() ? std::string("(none)") : s.environment.describe()) << "\n";
  return os.str();
}

}  // namespace plantune::cli
