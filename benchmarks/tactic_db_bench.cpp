// Loading a 10,000-entry tactic database (target: <= 50 ms): read the file, parse and check
// it, apply the environment check (freeing it afterwards is not timed); the parse alone of a
// text in memory; lookups into the loaded database. CPU only.
//
// Each entry is a conv problem with `variants` variants (nhwc/fp16, nchw/fp16, nhwc/tf32,
// nchw/tf32), each holding `ok` timed candidates (graph-API engines with two knobs and notes,
// every third a legacy algorithm) and `failed` not_supported ones: tests/tuner/sample_db.h.
//   tactic_db_bench --benchmark_out=results/tactic_db_bench.json --benchmark_out_format=json
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <tuple>

#include "plantune/tuner/tactic_db_json.h"
#include "plantune/tuner/tactic_db_store.h"
#include "tuner/sample_db.h"

namespace {

using namespace plantune::tuner;

constexpr std::int64_t kEntries = 10'000;

// Database files by composition, written once per process into the temporary directory and
// removed at exit.
std::map<std::tuple<int, int, int>, std::string> g_files;

const std::string& db_file(int variants, int ok, int failed) {
  auto key = std::make_tuple(variants, ok, failed);
  auto it = g_files.find(key);
  if (it != g_files.end()) return it->second;
  std::string path =
      (std::filesystem::temp_directory_path() /
       ("plantune_tactic_db_bench_" + std::to_string(::getpid()) + "_" + std::to_string(variants) +
        "_" + std::to_string(ok) + "_" + std::to_string(failed) + ".json"))
          .string();
  save_tactic_db(testing::database(kEntries, variants, ok, failed), path, SaveMode::replace);
  return g_files.emplace(key, path).first->second;
}

void BM_LoadTacticDb(benchmark::State& state) {
  const int variants = static_cast<int>(state.range(0)), ok = static_cast<int>(state.range(1)),
            failed = static_cast<int>(state.range(2));
  TacticDbReadOptions read;
  read.threads = static_cast<unsigned>(state.range(3));
  const std::string& path = db_file(variants, ok, failed);
  const auto bytes = static_cast<std::int64_t>(std::filesystem::file_size(path));
  const Environment env = testing::h200_env();
  for (auto _ : state) {
    auto r = std::make_unique<LoadResult>(load_tactic_db(path, &env, false, read));
    benchmark::DoNotOptimize(r->db);
    // Freeing the database is not part of loading it.
    state.PauseTiming();
    if (r->db.size() != static_cast<std::size_t>(kEntries)) state.SkipWithError("entries lost");
    r.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kEntries);
  state.SetBytesProcessed(state.iterations() * bytes);
  state.counters["file_MB"] = static_cast<double>(bytes) / 1e6;
  state.counters["candidates"] = static_cast<double>(kEntries * variants * (ok + failed));
  state.counters["read_threads"] = read.thread_count();
}

// The parse alone (the text already in memory): with BM_LoadTacticDb, where the time goes.
void BM_ParseTacticDb(benchmark::State& state) {
  const std::string text = tactic_db_to_json(testing::database(
      kEntries, static_cast<int>(state.range(0)), static_cast<int>(state.range(1)), 0));
  TacticDbReadOptions read;
  read.threads = static_cast<unsigned>(state.range(2));
  for (auto _ : state) {
    auto db = std::make_unique<TacticDb>(tactic_db_from_json(text, "bench", read));
    state.PauseTiming();
    if (db->size() != static_cast<std::size_t>(kEntries)) state.SkipWithError("entries lost");
    db.reset();
    state.ResumeTiming();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}

void BM_LookupTacticDb(benchmark::State& state) {
  const TacticDb db = load_tactic_db(db_file(2, 3, 2)).db;
  std::vector<std::string> keys;
  for (std::int64_t i = 0; i < kEntries; ++i) keys.push_back(testing::entry(i, 1).key);
  const Variant v{plantune::Layout::nhwc, Precision::fp16, 0, 0};
  std::size_t i = 0;
  for (auto _ : state) {
    auto c = db.lookup(keys[i++ % keys.size()], v);
    benchmark::DoNotOptimize(c);
  }
  state.SetItemsProcessed(state.iterations());
}

// ArgNames: variants per entry, ok candidates per variant, failed candidates per variant,
// read threads (0: the default, one per hardware thread up to 16; 1: the calling thread only).
BENCHMARK(BM_LoadTacticDb)
    ->ArgNames({"variants", "ok", "failed", "threads"})
    ->Args({1, 1, 0, 1})
    ->Args({1, 1, 0, 0})
    ->Args({4, 1, 0, 1})  // `plantune db export --winners-only` of 4 variants per problem
    ->Args({4, 1, 0, 0})
    ->Args({2, 3, 2, 0})
    ->Args({4, 3, 2, 0})
    ->UseRealTime()  // wall time: the reading threads' work counts
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0);
BENCHMARK(BM_ParseTacticDb)
    ->ArgNames({"variants", "ok", "threads"})
    ->Args({4, 1, 1})
    ->Args({4, 1, 2})
    ->Args({4, 1, 4})
    ->Args({4, 1, 8})
    ->Args({4, 1, 0})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0);
BENCHMARK(BM_LookupTacticDb);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::error_code ec;
  for (const auto& [key, path] : g_files) {
    std::filesystem::remove(path, ec);
    std::filesystem::remove(path + ".lock", ec);
  }
  return 0;
}
