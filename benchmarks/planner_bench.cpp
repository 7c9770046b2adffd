// Planning time vs buffer count, per algorithm, on random DNN-like problems (fixed seed):
//   planner_bench --benchmark_out=results/planner/bench.json --benchmark_out_format=json
// Counters: arena_over_bound (arena / lower bound) and fast_path (1 when the portfolio took the
// one-sweep path for very large problems).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <map>

#include "plantune/planner/lower_bound.h"
#include "plantune/planner/planner.h"
#include "plantune/planner/random_problem.h"

namespace {

using plantune::planner::Algorithm;
using plantune::planner::Problem;

constexpr std::uint64_t kSeed = 1;

// One problem per size, built once (generation is not what is measured).
const Problem& problem(std::int64_t buffers) {
  static std::map<std::int64_t, Problem> cache;
  auto it = cache.find(buffers);
  if (it == cache.end()) {
    plantune::planner::RandomProblemOptions o;
    o.buffers = static_cast<std::int32_t>(buffers);
    o.seed = kSeed;
    it = cache.emplace(buffers, plantune::planner::random_problem(o)).first;
  }
  return it->second;
}

void BM_Plan(benchmark::State& state, Algorithm algorithm) {
  const Problem& p = problem(state.range(0));
  plantune::planner::PlanOptions options;
  options.algorithm = algorithm;
  options.verify = false;  // the placement alone; the suite times plan() with its check
  plantune::planner::Plan plan;
  for (auto _ : state) {
    plan = plantune::planner::plan(p, options);
    benchmark::DoNotOptimize(plan.offsets.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["arena_over_bound"] =
      static_cast<double>(plan.arena_bytes) / static_cast<double>(std::max<std::int64_t>(plan.lower_bound, 1));
  state.counters["fast_path"] = plan.algorithm == "portfolio:sweep" ? 1 : 0;
  state.SetLabel(plan.algorithm);
}

void sizes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"buffers"});
  for (std::int64_t n = 100; n <= 1'000'000; n *= 10) b->Arg(n);
  b->Unit(benchmark::kMillisecond);
  b->UseRealTime();
}

BENCHMARK_CAPTURE(BM_Plan, greedy_by_size, Algorithm::greedy_by_size)->Apply(sizes);
BENCHMARK_CAPTURE(BM_Plan, portfolio, Algorithm::portfolio)->Apply(sizes);

}  // namespace

BENCHMARK_MAIN();
