// measure(): timings of kernels of known duration; successive halving keeps the fast, stops the
// slow early, times pinned contenders in full and records errors.
#include "plantune/tuner/measure.h"

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

#include "plantune/core/error.h"
#include "plantune/core/stream.h"
#include "support/gpu_skip.h"
#include "tuner/tuner_test_kernels.h"

namespace {

using namespace plantune;
using namespace plantune::tuner;

#define NEED_GPU()                                        \
  if (!plantune::testing::has_cuda_device())              \
  GTEST_SKIP() << "no CUDA device: timings need a GPU"

EnqueueFn busy(double us) {
  return [us](int, cudaStream_t s) { plantune::tuner::testing::enqueue_busy(s, us); };
}

TEST(Measure, DefaultsAreNamedConstants) {
  const MeasureOptions o;
  EXPECT_EQ(o.warmup_ms, MeasureOptions::kDefaultWarmupMs);
  EXPECT_EQ(o.min_runs, MeasureOptions::kDefaultMinRuns);
  EXPECT_EQ(o.max_runs, MeasureOptions::kDefaultMaxRuns);
  EXPECT_EQ(o.target_spread, MeasureOptions::kDefaultTargetSpread);
  EXPECT_GE(o.warmup_min_runs, 1);
}

TEST(Measure, TimesAKernelOfKnownDuration) {
  NEED_GPU();
  Stream s;
  Measurer m(s.get());
  MeasureOptions o;
  o.min_runs = 20;
  const TimingStats t = m.measure(busy(200), 4, true, o);
  EXPECT_GE(t.n, 20);
  EXPECT_LE(t.n, o.max_runs);
  EXPECT_NEAR(t.median_ms, 0.200, 0.020);
  EXPECT_LE(t.p10_ms, t.median_ms);
  EXPECT_LE(t.median_ms, t.p90_ms);
  EXPECT_LE(t.spread(), 0.05);
  EXPECT_TRUE(t.cold_l2);
  EXPECT_EQ(m.samples_taken(), t.n);
  EXPECT_GE(m.warmup_runs(), o.warmup_min_runs);
}

TEST(Measure, RotatesThroughEverySlot) {
  NEED_GPU();
  Stream s;
  Measurer m(s.get());
  std::vector<int> seen(5, 0);
  MeasureOptions o;
  o.warmup_min_runs = 0;
  o.warmup_ms = 0;
  o.min_runs = o.max_runs = 10;
  m.measure([&](int slot, cudaStream_t st) {
              ++seen.at(static_cast<std::size_t>(slot));
              plantune::tuner::testing::enqueue_busy(st, 5);
            },
            5, false, o);
  EXPECT_EQ(seen, std::vector<int>(5, 2));
}

TEST(Measure, StopsAtMaxRunsWhenTheSpreadStaysLarge) {
  NEED_GPU();
  Stream s;
  Measurer m(s.get());
  int i = 0;
  MeasureOptions o;
  o.min_runs = 5;
  o.max_runs = 30;
  o.target_spread = 0.0;  // never satisfied by alternating durations
  const TimingStats t = m.measure(
      [&](int, cudaStream_t st) { plantune::tuner::testing::enqueue_busy(st, (i++ % 2) ? 40 : 80); },
      1, false, o);
  EXPECT_EQ(t.n, 30);
  EXPECT_FALSE(t.cold_l2);
  EXPECT_GT(t.spread(), 0.3);
}

// A run whose host side takes `host_us` (busy-waiting, as a slow launch path would) before it
// enqueues `gpu_us` of GPU work.
EnqueueFn slow_host(double host_us, double gpu_us) {
  return [host_us, gpu_us](int, cudaStream_t s) {
    const auto until = std::chrono::steady_clock::now() +
                       std::chrono::microseconds(static_cast<std::int64_t>(host_us));
    while (std::chrono::steady_clock::now() < until) {
    }
    plantune::tuner::testing::enqueue_busy(s, gpu_us);
  };
}

// Note [spin length]: when the GPU is the bottleneck the adaptive spin covers one enqueue, not
// a batch of them, and the samples still time the GPU work alone; when the host is, the spin
// still covers the whole batch's lag.
TEST(Measure, AdaptiveSpinCoversOneEnqueueWhenTheGpuIsSlower) {
  NEED_GPU();
  Stream s;
  MeasureOptions o;
  o.min_runs = o.max_runs = 40;  // 4 batches of 10
  Measurer batch(s.get()), adaptive(s.get());
  o.spin = Spin::batch;
  const TimingStats tb = batch.measure(slow_host(60, 300), 1, false, o);
  o.spin = Spin::adaptive;
  const TimingStats ta = adaptive.measure(slow_host(60, 300), 1, false, o);
  EXPECT_NEAR(tb.median_ms, 0.300, 0.020);
  EXPECT_NEAR(ta.median_ms, 0.300, 0.020);
  // batch: 4 x (m x 10 x >= 60 us); adaptive: the first batch as that, then m x ~60 us
  EXPECT_GT(batch.spin_seconds(), 4 * o.spin_margin * 10 * 60e-6);
  EXPECT_LT(adaptive.spin_seconds(), 0.5 * batch.spin_seconds())
      << "adaptive " << adaptive.spin_seconds() << " s, batch " << batch.spin_seconds() << " s";
}

TEST(Measure, AdaptiveSpinKeepsTheHostsLagOutOfHostBoundSamples) {
  NEED_GPU();
  Stream s;
  Measurer m(s.get());
  MeasureOptions o;
  o.min_runs = o.max_runs = 40;
  o.spin = Spin::adaptive;
  o.expected_run_us = 30;  // a hint as successive halving gives (about the real 30 us)
  const TimingStats t = m.measure(slow_host(150, 30), 1, false, o);
  // Had the GPU waited for the host inside a sample, that sample would read ~150 us.
  EXPECT_NEAR(t.median_ms, 0.030, 0.008);
  EXPECT_LT(t.p90_ms, 0.060);
}

TEST(Measure, SuccessiveHalvingStopsSlowContendersEarly) {
  NEED_GPU();
  Stream s;
  Measurer m(s.get());
  std::vector<Contender> cs;
  for (double us : {100.0, 400.0, 800.0, 1600.0, 115.0, 3200.0}) {
    Contender c;
    c.run = busy(us);
    cs.push_back(std::move(c));
  }
  Contender pinned;  // slow, but timed in full
  pinned.run = busy(900);
  pinned.pinned = true;
  cs.push_back(std::move(pinned));
  Contender broken;
  broken.run = [](int, cudaStream_t) { PT_FAIL(not_supported, "declined at run time"); };
  cs.push_back(std::move(broken));

  MeasureOptions final_options;
  final_options.min_runs = 20;
  HalvingOptions h;
  h.finalists = 2;
  h.first_round_runs = 4;
  successive_halving(m, cs, 1, false, final_options, h);

  EXPECT_TRUE(cs[0].finalist);
  EXPECT_TRUE(cs[4].finalist);
  EXPECT_GE(cs[0].stats->n, 20);
  EXPECT_GE(cs[4].stats->n, 20);
  EXPECT_NEAR(cs[0].stats->median_ms, 0.100, 0.015);
  for (int i : {3, 5}) {
    EXPECT_FALSE(cs[static_cast<std::size_t>(i)].finalist);
    ASSERT_TRUE(cs[static_cast<std::size_t>(i)].stats.has_value());
    EXPECT_EQ(cs[static_cast<std::size_t>(i)].stats->n, 4) << "stopped after the first round";
  }
  EXPECT_TRUE(cs[6].finalist);
  EXPECT_GE(cs[6].stats->n, 20);
  EXPECT_NEAR(cs[6].stats->median_ms, 0.900, 0.05);
  EXPECT_FALSE(cs[7].stats.has_value());
  EXPECT_TRUE(cs[7].error_not_supported);
  EXPECT_NE(cs[7].error.find("declined at run time"), std::string::npos);
}

// Finalists that ran in the rounds warm up for the round warm-up, not the final one; a pinned
// contender (no rounds) gets the final warm-up.
TEST(Measure, FinalistsFromTheRoundsWarmUpBriefly) {
  NEED_GPU();
  Stream s;
  MeasureOptions final_options;
  final_options.warmup_ms = 20.0;  // ~200 runs of 100 us, were it applied
  final_options.min_runs = final_options.max_runs = 10;
  HalvingOptions h;
  h.finalists = 2;
  h.first_round_runs = 4;
  h.round_warmup_ms = 0.5;
  std::vector<Contender> cs;
  for (double us : {100.0, 105.0, 110.0, 2000.0}) {
    Contender c;
    c.run = busy(us);
    cs.push_back(std::move(c));
  }
  Measurer m(s.get());
  successive_halving(m, cs, 1, false, final_options, h);
  EXPECT_TRUE(cs[0].finalist);
  EXPECT_LT(m.warmup_runs(), 100) << "finalists warmed up for the full " << final_options.warmup_ms
                                  << " ms";
  Contender pinned;
  pinned.run = busy(100);
  pinned.pinned = true;
  std::vector<Contender> alone;
  alone.push_back(std::move(pinned));
  Measurer m2(s.get());
  successive_halving(m2, alone, 1, false, final_options, h);
  EXPECT_GE(m2.warmup_runs(), 100) << "a pinned contender gets the full warm-up";
}

}  // namespace
