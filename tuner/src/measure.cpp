#include "plantune/tuner/measure.h"

#include <algorithm>
#include <cmath>

#include "device_lost.h"
#include "plantune/core/cuda_check.h"
#include "plantune/core/error.h"

namespace plantune::tuner {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kMaxBatch = 64;
constexpr double kMinSpinUs = 20.0;
constexpr double kMaxSpinUs = 5000.0;
constexpr double kHintOfP10 = 0.9;  // expected_run_us from a previous round's p10

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

}  // namespace

Measurer::Measurer(cudaStream_t stream) : stream_(stream) {
  starts_.reserve(kMaxBatch);
  ends_.reserve(kMaxBatch);
  for (int i = 0; i < kMaxBatch; ++i) {
    starts_.emplace_back();
    ends_.emplace_back();
  }
}

TimingStats Measurer::measure(const EnqueueFn& run, int slot_count, bool cold_l2,
                              const MeasureOptions& o) {
  PT_REQUIRE(slot_count >= 1, invalid_argument, "measure: slot_count = " << slot_count);
  PT_REQUIRE(o.min_runs >= 1 && o.max_runs >= o.min_runs, invalid_argument,
             "measure: min_runs = " << o.min_runs << ", max_runs = " << o.max_runs);
  PT_REQUIRE(o.spin_margin >= 1.0 && o.spin_margin <= 10.0, invalid_argument,
             "measure: spin_margin = " << o.spin_margin << ", must be between 1 and 10");
  auto next_slot = [&]() {
    const int s = next_slot_ % slot_count;
    next_slot_ = (next_slot_ + 1) % (1 << 30);
    return s;
  };

  // Warm-up by time; also estimates the host's enqueue cost per run.
  double host_us = 0;
  int warm = 0;
  const auto w0 = Clock::now();
  while (warm < o.warmup_max_runs && (warm < o.warmup_min_runs || ms_since(w0) < o.warmup_ms)) {
    const auto h0 = Clock::now();
    run(next_slot(), stream_);
    // The worst host cost after the first run (which may load modules): legacy cuDNN calls
    // vary from call to call.
    if (warm > 0 || o.warmup_min_runs <= 1) host_us = std::max(host_us, ms_since(h0) * 1000.0);
    PT_CUDA_CHECK_MSG(cudaStreamSynchronize(stream_), "warm-up run " << warm);
    ++warm;
  }
  warmups_ += warm;
  warmup_seconds_ += ms_since(w0) * 1e-3;

  const int batch = std::clamp(o.batch, 1, kMaxBatch);
  std::vector<double> samples;
  samples.reserve(static_cast<std::size_t>(o.max_runs));
  TimingStats stats;
  // A lower bound of one run's GPU time for the adaptive spin (Note [spin length]); 0: unknown.
  double gpu_us = o.spin == Spin::adaptive ? std::max(0.0, o.expected_run_us) : 0.0;
  const auto s0 = Clock::now();
  while (true) {
    const int b = std::min(batch, o.max_runs - static_cast<int>(samples.size()));
    const double ahead = gpu_us > 0 ? host_us + (b - 1) * std::max(0.0, host_us - gpu_us)
                                    : host_us * b;
    const double spin = std::clamp(o.spin_margin * ahead + kMinSpinUs, kMinSpinUs, kMaxSpinUs);
    enqueue_spin(stream_, spin);
    spin_us_ += spin;
    for (int i = 0; i < b; ++i) {
      const int slot = next_slot();
      const auto h0 = Clock::now();
      starts_[i].record(stream_);
      run(slot, stream_);
      ends_[i].record(stream_);
      host_us = std::max(host_us * 0.9, ms_since(h0) * 1000.0);
    }
    PT_CUDA_CHECK_MSG(cudaStreamSynchronize(stream_), "timed batch");
    for (int i = 0; i < b; ++i) {
      samples.push_back(static_cast<double>(ends_[i] - starts_[i]));
      if (o.spin == Spin::adaptive) {
        const double us = samples.back() * 1000.0;
        gpu_us = gpu_us > 0 ? std::min(gpu_us, us) : us;
      }
    }
    samples_ += b;
    stats = TimingStats::from_samples(samples, cold_l2);
    const int n = static_cast<int>(samples.size());
    if (n >= o.max_runs) break;
    if (n >= o.min_runs && stats.spread() <= o.target_spread) break;
    if (ms_since(s0) >= o.budget_ms) break;
  }
  return stats;
}

void successive_halving(Measurer& m, std::vector<Contender>& cs, int slot_count, bool cold_l2,
                        const MeasureOptions& final_options, const HalvingOptions& h,
                        Clock::time_point deadline) {
  auto time_one = [&](Contender& c, MeasureOptions o) {
    // what an earlier round saw bounds the GPU time of a run (Note [spin length])
    if (c.stats) o.expected_run_us = kHintOfP10 * c.stats->p10_ms * 1000.0;
    try {
      c.stats = m.measure(c.run, slot_count, cold_l2, o);
    } catch (const Error& e) {
      detail::rethrow_if_device_lost(e);
      c.error = e.what();
      c.error_not_supported = e.code() == ErrorCode::not_supported;
      c.stats.reset();
    }
  };

  std::vector<Contender*> active;
  for (Contender& c : cs) {
    c.finalist = false;
    if (!c.pinned) active.push_back(&c);
  }
  const int finalists = std::max(1, h.finalists);
  int runs = std::max(1, h.first_round_runs);
  for (int round = 0; static_cast<int>(active.size()) > finalists && round < h.max_rounds;
       ++round) {
    // the final protocol (batches, spin, budget), with the round's warm-up and fixed run count
    MeasureOptions o = final_options;
    o.warmup_ms = h.round_warmup_ms;
    o.warmup_min_runs = 1;
    o.min_runs = runs;
    o.max_runs = runs;
    o.target_spread = 0;
    for (Contender* c : active) time_one(*c, o);
    // Drop failures, then keep the faster part: at most keep_fraction of them, never one
    // slower than drop_above x the best, but everything within keep_within of the best.
    std::erase_if(active, [](const Contender* c) { return !c->stats.has_value(); });
    std::stable_sort(active.begin(), active.end(), [](const Contender* a, const Contender* b) {
      return a->stats->median_ms < b->stats->median_ms;
    });
    if (active.empty()) break;
    const double best = active.front()->stats->median_ms;
    const auto n = static_cast<int>(active.size());
    auto median = [&](int i) { return active[static_cast<std::size_t>(i)]->stats->median_ms; };
    int keep = std::min(n, static_cast<int>(std::ceil(n * h.keep_fraction)));
    while (keep > 1 && median(keep - 1) > best * h.drop_above) --keep;
    while (keep < n && median(keep) <= best * h.keep_within) ++keep;
    keep = std::max(keep, std::min(n, finalists));
    active.resize(static_cast<std::size_t>(keep));
    if (Clock::now() >= deadline) break;
    runs *= 2;
  }
  // The finalists: the fastest of the last round (ties beyond `finalists` are not timed again).
  if (static_cast<int>(active.size()) > finalists) active.resize(static_cast<std::size_t>(finalists));
  for (Contender* c : active) c->finalist = true;
  for (Contender& c : cs) {
    if (c.pinned) c.finalist = true;
  }
  for (Contender& c : cs) {
    if (!c.finalist || !(c.pinned || c.error.empty())) continue;
    MeasureOptions o = final_options;
    if (c.stats) {  // it ran in the rounds just now: warm already (HalvingOptions)
      o.warmup_ms = std::min(o.warmup_ms, h.round_warmup_ms);
      o.warmup_min_runs = std::min(o.warmup_min_runs, 1);
    }
    time_one(c, o);
  }
}

}  // namespace plantune::tuner
