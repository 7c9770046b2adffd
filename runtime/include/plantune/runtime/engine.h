#pragma once
// Engine: runs a Schedule on the GPU.
//
// Built once: the weights are folded (batch norms into convolutions), cast to the run precision,
// laid out for each step's tactic (KRSC for NHWC convolutions) and uploaded once, shared by every
// execution context. Each context owns a stream, cuDNN and cuBLASLt handles, the tactics prepared
// on them, one arena of the schedule's size (memory.arena_bytes, allocated once) and pinned host
// buffers for the graph inputs and outputs. A run is: inputs host -> arena (asynchronous copy),
// the steps, outputs arena -> host; the steps are captured once as a CUDA graph and replayed.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "plantune/runtime/engine_stats.h"
#include "plantune/runtime/schedule.h"
#include "plantune/runtime/weights.h"

namespace plantune::runtime {

struct EngineOptions {
  int contexts = 1;        // execution contexts (one stream each), sharing the weights
  bool cuda_graph = true;  // replay the steps as a CUDA graph (false: enqueue them each run)
};

struct BenchmarkOptions {
  static constexpr int kDefaultIterations = 200;
  static constexpr double kDefaultWarmupSeconds = 0.5;
  int iterations = kDefaultIterations;  // per context
  double warmup_seconds = kDefaultWarmupSeconds;
};

class Engine {
 public:
  // Throws invalid_argument naming the step when the schedule asks for something this engine
  // cannot run (a missing weight, an op kind without a kernel), not_supported when a stored
  // tactic no longer runs here (with the tactic), out_of_memory when the arena does not fit.
  Engine(const Schedule& schedule, const WeightStore& weights, const EngineOptions& options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const Schedule& schedule() const;
  int contexts() const;
  // Element counts of the graph inputs / outputs (fp32, NCHW), in graph order.
  std::vector<std::int64_t> input_sizes() const;
  std::vector<std::int64_t> output_sizes() const;

  // Copies `values` into context `ctx`'s pinned input buffer `index` (used by later runs).
  void set_input(int ctx, int index, std::span<const float> values);
  // The output `index` of context `ctx`'s last finished run.
  std::vector<float> output(int ctx, int index) const;
  // Fills context `ctx`'s arena with 0xFF bytes (NaN in fp32/fp16/bf16): a step that reads
  // memory no earlier step wrote then shows in the output.
  void poison_arena(int ctx);
  // One synchronous run on context `ctx`.
  void run(int ctx);

  // End-to-end timing with CUDA events (see engine_stats.h): every context runs `iterations`
  // times, contexts interleaved round robin from one host thread.
  RunStats benchmark(const BenchmarkOptions& options = {});
  // Per-step GPU time, one entry per schedule step: the steps with an event after each are
  // captured as a CUDA graph and replayed `repetitions` times; medians.
  std::vector<double> profile_steps(int repetitions = 20);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace plantune::runtime
