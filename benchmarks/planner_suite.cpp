// The planner suite: every public placement instance (../shared/planner-bench: MiniMalloc's
// challenging A-K, the SOMAS and IOPDDL real traces) planned by each algorithm, with
// greedy-by-size beside the others, plus the built-in models (planner_models.h). Writes
// <out>/suite.json and <out>/suite.md with the provenance (machine, commit, date, command).
//
//   planner_suite [DIR] [--out DIR] [--algorithms A,B,..] [--repeats N] [--time-budget S]
//                 [--only NAME] [--no-models]
//
// Times are wall-clock seconds of plan() (validation, planning and the independent check),
// the median of --repeats runs (time-budgeted algorithms, exact and best, run once), with the
// thread's CPU seconds beside them: the machine may be shared.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include "planner_models.h"
#include "plantune/core/error.h"
#include "plantune/planner/csv_io.h"
#include "plantune/planner/lower_bound.h"
#include "plantune/planner/planner.h"

namespace fs = std::filesystem;
namespace planner = plantune::planner;

namespace {

struct Options {
  fs::path data = fs::path(PLANTUNE_SOURCE_DIR) / ".." / "shared" / "planner-bench";
  fs::path out = fs::path(PLANTUNE_SOURCE_DIR) / "results" / "planner";
  std::vector<planner::Algorithm> algorithms{planner::Algorithm::greedy_by_size,
                                             planner::Algorithm::portfolio,
                                             planner::Algorithm::best};
  int repeats = 3;
  double time_budget = 10.0;
  std::string only;
  bool models = true;
};

struct Run {
  planner::Plan plan;
  std::vector<double> wall, cpu;  // per repeat
  double median_wall() const { return median(wall); }
  double median_cpu() const { return median(cpu); }
  static double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
  }
};

struct Row {
  std::string label, suite, file;
  std::size_t buffers = 0;
  std::int64_t lower_bound = 0;
  std::int64_t capacity = 0;  // MiniMalloc's capacity from the file name; 0: none
  std::vector<std::pair<planner::Algorithm, Run>> runs;
};

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// The hook for any problem (a CSV instance here; any runtime's problem elsewhere): plans it
// with each algorithm and returns the row.
Row run_problem(const planner::Problem& problem, const std::string& label, const Options& opt) {
  Row row;
  row.label = label;
  row.buffers = problem.buffers.size();
  row.lower_bound = planner::lower_bound(problem);
  for (planner::Algorithm a : opt.algorithms) {
    planner::PlanOptions po;
    po.algorithm = a;
    po.time_budget_seconds = opt.time_budget;
    const bool budgeted = a == planner::Algorithm::exact || a == planner::Algorithm::best;
    const int repeats = budgeted ? 1 : std::max(1, opt.repeats);
    Run run;
    for (int r = 0; r < repeats; ++r) {
      const double c0 = thread_cpu_seconds();
      const auto w0 = std::chrono::steady_clock::now();
      planner::Plan p = planner::plan(problem, po);
      run.wall.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count());
      run.cpu.push_back(thread_cpu_seconds() - c0);
      if (r > 0 && p.offsets != run.plan.offsets) {
        throw std::runtime_error(label + ": " + std::string(planner::to_string(a)) +
                                 " gave two different plans for one problem");
      }
      run.plan = std::move(p);
    }
    std::cerr << "  " << label << " " << planner::to_string(a) << ": "
              << static_cast<double>(run.plan.arena_bytes) / static_cast<double>(std::max<std::int64_t>(row.lower_bound, 1))
              << " x bound in " << run.median_wall() << " s (" << run.plan.algorithm << ")\n";
    row.runs.emplace_back(a, std::move(run));
  }
  return row;
}

std::string shell(const std::string& cmd) {
  std::string out;
  if (FILE* f = popen(cmd.c_str(), "r")) {
    char buf[256];
    while (fgets(buf, sizeof buf, f)) out += buf;
    pclose(f);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

nlohmann::json provenance(const std::string& command) {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  std::string cpu;
  {
    std::ifstream f("/proc/cpuinfo");
    for (std::string line; std::getline(f, line);) {
      if (line.rfind("model name", 0) == 0) {
        cpu = line.substr(line.find(':') + 2);
        break;
      }
    }
  }
  const std::string src = PLANTUNE_SOURCE_DIR;
  const std::string commit = shell("git -C '" + src + "' rev-parse HEAD 2>/dev/null");
  const bool dirty = !shell("git -C '" + src + "' status --porcelain -- planner benchmarks 2>/dev/null").empty();
  std::time_t now = std::time(nullptr);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  const std::string load = shell("cut -d' ' -f1-3 /proc/loadavg 2>/dev/null");
#ifdef NDEBUG
  const char* build = "Release";
#else
  const char* build = "Debug";
#endif
  return {{"command", command},
          {"commit", commit},
          {"planner_sources_modified", dirty},
          {"date_utc", date},
          {"build", build},
          {"machine",
           {{"hostname", host},
            {"cpu", cpu},
            {"hardware_threads", std::thread::hardware_concurrency()},
            {"load_average_at_start", load}}}};
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string with_commas(std::int64_t v) {
  std::string s = std::to_string(v), out;
  const std::size_t lead = s.size() % 3 == 0 ? 3 : s.size() % 3;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i != 0 && (i - lead) % 3 == 0 && i >= lead) out += ',';
    out += s[i];
  }
  return out;
}

nlohmann::json row_json(const Row& r) {
  nlohmann::json results = nlohmann::json::object();
  for (const auto& [a, run] : r.runs) {
    results[std::string(planner::to_string(a))] = {
        {"arena_bytes", run.plan.arena_bytes},
        {"ratio_to_lower_bound", static_cast<double>(run.plan.arena_bytes) /
                                     static_cast<double>(std::max<std::int64_t>(r.lower_bound, 1))},
        {"optimal", run.plan.optimal},
        {"gap", run.plan.gap},
        {"strategy", run.plan.algorithm},
        {"seconds", run.median_wall()},
        {"cpu_seconds", run.median_cpu()},
        {"runs_seconds", run.wall}};
  }
  nlohmann::json j = {{"instance", r.label}, {"suite", r.suite},      {"file", r.file},
                      {"buffers", r.buffers}, {"lower_bound", r.lower_bound}, {"results", results}};
  if (r.capacity > 0) j["minimalloc_capacity"] = r.capacity;
  return j;
}

std::string markdown(const std::vector<Row>& rows, const nlohmann::json& prov, const Options& opt,
                     const std::string& models_md) {
  std::ostringstream s;
  s << "# Planner suite\n\n"
    << "Arena of each algorithm on the public placement instances, as a ratio to the lower bound "
       "(max over steps of live bytes), and the wall time of `plan()` (validation, planning and "
       "the independent check; median of "
    << opt.repeats << " runs, one for the time-budgeted `best`, budget " << opt.time_budget
    << " s). `best` is the portfolio, then the exact search when the portfolio stops above the "
       "bound (problems of up to 4,000 buffers).\n\n"
    << "- command: `" << prov["command"].get<std::string>() << "`\n"
    << "- commit: `" << prov["commit"].get<std::string>() << "`"
    << (prov["planner_sources_modified"].get<bool>() ? " (planner sources modified)" : "") << "\n"
    << "- date: " << prov["date_utc"].get<std::string>() << "\n"
    << "- machine: " << prov["machine"]["cpu"].get<std::string>() << ", "
    << prov["machine"]["hardware_threads"].get<unsigned>() << " hardware threads, load average "
    << prov["machine"]["load_average_at_start"].get<std::string>() << " at start; "
    << prov["build"].get<std::string>() << " build\n\n";
  for (const std::string suite : {"real", "challenging"}) {
    s << "## " << (suite == "real" ? "Real traces" : "Challenging instances (MiniMalloc A-K)") << "\n\n";
    s << "| instance | buffers | lower bound |";
    for (planner::Algorithm a : opt.algorithms) s << " " << planner::to_string(a) << " (ratio, s) |";
    s << " strategy of the last |\n|---|---:|---:|";
    for (std::size_t i = 0; i < opt.algorithms.size(); ++i) s << "---:|";
    s << "---|\n";
    for (const Row& r : rows) {
      if (r.suite != suite) continue;
      s << "| " << r.label << " | " << with_commas(static_cast<std::int64_t>(r.buffers)) << " | "
        << with_commas(r.lower_bound)
        << " |";
      for (const auto& [a, run] : r.runs) {
        const double ratio = static_cast<double>(run.plan.arena_bytes) /
                             static_cast<double>(std::max<std::int64_t>(r.lower_bound, 1));
        s << " " << fmt("%.4f", ratio) << (run.plan.optimal ? "*" : "") << ", "
          << fmt("%.3f", run.median_wall()) << " |";
      }
      s << " " << (r.runs.empty() ? "" : r.runs.back().second.plan.algorithm) << " |\n";
    }
    s << "\n";
  }
  s << "`*`: proven optimal (arena equal to the lower bound, or proven by the exact search).\n\n"
    << "MiniMalloc's challenging files are named after the capacity its benchmark asks a solver "
       "to fit, 1,048,576 bytes; the lower bound is below it for C, D and J. Arenas of the last "
       "algorithm there, in bytes:";
  for (const Row& r : rows) {
    if (r.suite == "challenging" && !r.runs.empty()) {
      s << " " << r.label << " " << with_commas(r.runs.back().second.plan.arena_bytes) << ";";
    }
  }
  s << "\n";
  if (!models_md.empty()) s << "\n## Built-in models\n\n" << models_md;
  return s.str();
}

Options parse(int argc, char** argv, std::string& command) {
  Options o;
  command = "planner_suite";
  for (int i = 1; i < argc; ++i) command += std::string(" ") + argv[i];
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " expects a value");
      return argv[++i];
    };
    if (a == "--out") {
      o.out = value();
    } else if (a == "--repeats") {
      o.repeats = std::stoi(value());
    } else if (a == "--time-budget") {
      o.time_budget = std::stod(value());
    } else if (a == "--only") {
      o.only = value();
    } else if (a == "--no-models") {
      o.models = false;
    } else if (a == "--algorithms") {
      o.algorithms.clear();
      std::stringstream ss(value());
      for (std::string name; std::getline(ss, name, ',');) {
        auto alg = planner::algorithm_from_string(name);
        if (!alg) throw std::runtime_error("unknown algorithm '" + name + "'");
        o.algorithms.push_back(*alg);
      }
    } else if (a == "--help" || a == "-h") {
      std::cout << "usage: planner_suite [DIR] [--out DIR] [--algorithms A,B] [--repeats N] "
                   "[--time-budget S] [--only NAME] [--no-models]\n";
      std::exit(0);
    } else if (!a.empty() && a[0] == '-') {
      throw std::runtime_error("unknown option '" + a + "'");
    } else {
      o.data = a;
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) try {
  std::string command;
  const Options opt = parse(argc, argv, command);
  const nlohmann::json prov = provenance(command);
  std::vector<Row> rows;
  for (const std::string suite : {"real", "challenging"}) {
    const fs::path dir = opt.data / suite;
    PT_REQUIRE(fs::is_directory(dir), io_error, "no instance folder " << dir);
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.path().extension() == ".csv") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files) {
      // "resnet50", "pangu_2.6B"; MiniMalloc's "A.1048576" names the capacity its benchmark
      // asks a solver to fit (feasible; not always the minimum: see suite.md).
      const std::string stem = f.stem().string();
      const std::size_t dot = stem.rfind('.');
      const bool capacity_named =
          dot != std::string::npos && dot + 1 < stem.size() &&
          stem.find_first_not_of("0123456789", dot + 1) == std::string::npos;
      const std::string label = capacity_named ? stem.substr(0, dot) : stem;
      if (!opt.only.empty() && label != opt.only) continue;
      std::cerr << suite << "/" << f.filename().string() << "\n";
      const planner::CsvProblem csv = planner::read_csv(f.string());
      Row row = run_problem(csv.problem, label, opt);
      row.suite = suite;
      row.file = (fs::path(suite) / f.filename()).string();
      if (capacity_named) row.capacity = std::stoll(stem.substr(dot + 1));
      rows.push_back(std::move(row));
    }
  }
  nlohmann::json models = nlohmann::json::array();
  std::string models_md;
  if (opt.models && opt.only.empty()) {
    std::cerr << "built-in models\n";
    planner::PlanOptions po;  // the default: best, with the default budget
    const auto model_rows = plantune::bench::plan_builtin_models(plantune::bench::kSuiteModels,
                                                                 plantune::bench::kSuiteBatches, po);
    models = plantune::bench::to_json(model_rows);
    models_md = plantune::bench::markdown_table(model_rows);
  }
  nlohmann::json out = {{"provenance", prov}, {"instances", nlohmann::json::array()}, {"models", models}};
  for (const Row& r : rows) out["instances"].push_back(row_json(r));
  fs::create_directories(opt.out);
  std::ofstream(opt.out / "suite.json") << out.dump(2) << "\n";
  std::ofstream(opt.out / "suite.md") << markdown(rows, prov, opt, models_md);
  std::cerr << "wrote " << (opt.out / "suite.json").string() << " and suite.md\n";
  return 0;
} catch (const std::exception& e) {
  std::cerr << "planner_suite: " << e.what() << "\n";
  return 1;
}
