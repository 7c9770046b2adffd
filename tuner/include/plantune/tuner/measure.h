#pragma once
// The one timing routine of the tuner, and successive halving over many candidates.
//
// Note [timing protocol]
// ~~~~~~~~~~~~~~~~~~~~~~
// * Each sample is one execution bracketed by two CUDA events on the tuning stream.
// * Warm-up first, by time: at least warmup_min_runs runs and warmup_ms of wall time (module
//   loading, lazy initialisation and clocks settle there).
// * Samples are taken in batches. Before each batch a spin kernel keeps the GPU busy for longer
//   than the host needs to get ahead of it, so the events time the executions back to back and
//   never the host's launch latency (nvbench's "blocking kernel" idea). How long the spin lasts
//   is MeasureOptions::spin (Note [spin length]).
// * Execution i uses input slot (counter++ mod slot_count): with slots spanning more than 2x
//   L2, every sample starts with a cold L2 (Note [cold L2 by rotation] in conv_workload.h).
// * Sampling stops when n >= min_runs and the spread (p90 - p10) / median <= target_spread,
//   or n reaches max_runs, or the sampling budget (wall time) is spent, whichever is first.
// * The result is TimingStats: median, p10, p90 (linear interpolation) and n.
#include <cuda_runtime_api.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "plantune/core/event.h"
#include "plantune/tuner/candidate.h"

namespace plantune::tuner {

// Note [spin length]
// ~~~~~~~~~~~~~~~~~~
// With h the host's enqueue time of one run (the largest seen, decaying) and g the GPU's time
// of one run, run i of a batch of b is fully enqueued at (i + 1) h after the spin was, and the
// GPU reaches it at spin + i g. It never waits for the host when spin >= max over i of
// ((i + 1) h - i g) = h + (b - 1) max(0, h - g).
// m is MeasureOptions::spin_margin (1.2 by default), a safety factor on the host's lead.
//   Spin::batch     spin = m b h + 20 us: covers the whole batch whatever g is (g unknown).
//   Spin::adaptive  spin = m (h + (b - 1) max(0, h - g)) + 20 us, with g a lower bound of the
//                   run's GPU time: the fastest sample seen in this call, or
//                   MeasureOptions::expected_run_us before the first batch (successive halving
//                   passes 0.9 x the contender's previous p10); without either, as Spin::batch.
// For a run whose GPU time exceeds its host time (most convolutions at batch 32) the adaptive
// spin is one run's enqueue time instead of a batch's: the GPU idles m h per batch, not per
// run. A sample the host did fall behind on (a descheduled thread) reads long, as with any
// spin; the medians the tuner ranks by shrug one off.
enum class Spin { batch, adaptive };

struct MeasureOptions {
  static constexpr double kDefaultWarmupMs = 5.0;
  static constexpr int kDefaultWarmupMinRuns = 3;
  static constexpr int kDefaultWarmupMaxRuns = 1000;
  static constexpr int kDefaultMinRuns = 10;
  // Small kernels rarely reach the spread target under a cold L2 (ResNet-50 on the H100: the
  // winners' median spread 14% at batch 1, 5% at batch 32; with a cap of 200, 248 of 290 of the
  // winners' and the heuristic picks' final timings at batch 1 and 105 of 290 at batch 32
  // stopped there), so max_runs decides much of the cost. 100, with kDefaultSpinMargin and
  // HalvingOptions' first-round runs and round warm-up below, is the protocol the H100 measured
  // at 55 s for the cold ResNet-50 set (batches 32 and 1, fp16 and tf32, both layouts) against
  // 85 s for the one before (200, 1.5, 5 and 0.5 ms) on the same machine, the winners' times
  // 0.99-1.01x of that one's (geometric mean per batch) and 95.9-100% of them within 3%.
  static constexpr int kDefaultMaxRuns = 100;
  static constexpr double kDefaultTargetSpread = 0.05;
  static constexpr double kDefaultBudgetMs = 300.0;
  static constexpr int kDefaultBatch = 10;
  static constexpr double kDefaultSpinMargin = 1.2;

  double warmup_ms = kDefaultWarmupMs;
  int warmup_min_runs = kDefaultWarmupMinRuns;
  int warmup_max_runs = kDefaultWarmupMaxRuns;
  int min_runs = kDefaultMinRuns;
  int max_runs = kDefaultMaxRuns;
  double target_spread = kDefaultTargetSpread;  // (p90 - p10) / median
  double budget_ms = kDefaultBudgetMs;          // wall time for sampling, after warm-up
  int batch = kDefaultBatch;                    // samples per spin-kernel batch (<= 64)
  Spin spin = Spin::adaptive;                   // Note [spin length]
  double spin_margin = kDefaultSpinMargin;      // the Note's factor on the host's lead (>= 1)
  double expected_run_us = 0;                   // lower bound of one run's GPU time; 0: unknown
};

// Enqueues a one-thread kernel that keeps the GPU busy for about `microseconds` (the spin
// kernel of the Note), for benchmarks that time single runs the same way.
void enqueue_spin(cudaStream_t stream, double microseconds);

// One execution of what is timed, reading input slot `slot`, enqueued on `stream`.
using EnqueueFn = std::function<void(int slot, cudaStream_t stream)>;

// Owns the events and the slot rotation of one stream; not thread-safe.
class Measurer {
 public:
  explicit Measurer(cudaStream_t stream);

  // Times `run` following Note [timing protocol]. `cold_l2` is recorded in the result (say
  // whether the slots span more than 2x L2). Exceptions from `run` propagate.
  TimingStats measure(const EnqueueFn& run, int slot_count, bool cold_l2,
                      const MeasureOptions& options);

  // Timed samples and warm-up runs taken so far (a warm tuning run takes none).
  std::int64_t samples_taken() const { return samples_; }
  std::int64_t warmup_runs() const { return warmups_; }
  // Host wall time spent warming up, and GPU time asked of spin kernels, so far (seconds).
  double warmup_seconds() const { return warmup_seconds_; }
  double spin_seconds() const { return spin_us_ * 1e-6; }
  cudaStream_t stream() const { return stream_; }

 private:
  cudaStream_t stream_;
  std::vector<Event> starts_, ends_;
  int next_slot_ = 0;
  std::int64_t samples_ = 0, warmups_ = 0;
  double warmup_seconds_ = 0, spin_us_ = 0;
};

// Successive halving: every contender is timed briefly; the slower half stops (and anything
// slower than drop_above x the best; anything within keep_within of it stays); the rest are
// timed again with twice the runs, for at most max_rounds rounds; then the `finalists` fastest,
// and every pinned contender, get the full protocol. Each round warms a contender up for
// round_warmup_ms; in the final timing a contender that ran in the rounds just before warms up
// for no longer than that either, a pinned one (which takes no part in the rounds) for the full
// warm-up.
struct HalvingOptions {
  static constexpr int kDefaultFirstRoundRuns = 3;  // then 6, 12, 24
  static constexpr double kDefaultKeepFraction = 0.5;
  static constexpr double kDefaultKeepWithin = 1.03;  // of the best median
  static constexpr double kDefaultDropAbove = 1.3;    // x the best median: clearly slow
  static constexpr int kDefaultFinalists = 3;
  static constexpr int kDefaultMaxRounds = 4;
  // A contender has run before each round (validation, earlier rounds): its warm-up there is
  // one run, more only for runs under 0.1 ms. At 0.5 ms, warm-ups were 14 s of a 71 s cold
  // ResNet-50 tuning on the H100 (batches 32 and 1, fp16 and tf32, both layouts).
  static constexpr double kDefaultRoundWarmupMs = 0.1;

  int first_round_runs = kDefaultFirstRoundRuns;
  double keep_fraction = kDefaultKeepFraction;
  double keep_within = kDefaultKeepWithin;
  double drop_above = kDefaultDropAbove;
  int finalists = kDefaultFinalists;
  int max_rounds = kDefaultMaxRounds;
  double round_warmup_ms = kDefaultRoundWarmupMs;
};

struct Contender {
  EnqueueFn run;
  bool pinned = false;  // always timed in full (e.g. a heuristic's pick, to report speedups)
  // Filled in: the statistics of the last round it took part in; or the error it threw.
  std::optional<TimingStats> stats;
  std::string error;
  bool error_not_supported = false;  // the error was cuDNN's NOT_SUPPORTED family
  bool finalist = false;
};

// Runs successive halving over `contenders`. After `deadline` no new round starts (the
// finalists are then the best `finalists` so far). Errors thrown by a contender are caught and
// stored in it, except CUDA errors that leave the device unusable, which propagate.
void successive_halving(Measurer& measurer, std::vector<Contender>& contenders, int slot_count,
                        bool cold_l2, const MeasureOptions& final_options,
                        const HalvingOptions& options,
                        std::chrono::steady_clock::time_point deadline =
                            std::chrono::steady_clock::time_point::max());

}  // namespace plantune::tuner
