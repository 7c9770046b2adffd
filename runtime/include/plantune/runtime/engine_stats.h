#pragma once
// What `plantune run` reports, as trtexec does: per-inference latency (input copy + compute +
// output copy, host-visible), GPU compute time, host-to-device and device-to-host copy times and
// the host's enqueue time, each as min / mean / median / p99; throughput over the wall time.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace plantune::runtime {

struct Summary {
  double min = 0, mean = 0, median = 0, p90 = 0, p99 = 0, max = 0;
  std::int64_t n = 0;
  // From samples (any order); all zero for none. Percentiles by nearest rank.
  static Summary of(std::span<const double> samples);
};

struct RunStats {
  int contexts = 1;
  std::int64_t batch = 1;
  std::int64_t inferences = 0;  // runs timed, all contexts
  double wall_seconds = 0;      // first enqueue to last completion
  Summary latency_ms;           // H2D + compute + D2H of one run (events)
  Summary compute_ms;           // the steps only (events)
  Summary h2d_ms, d2h_ms;       // the copies (events)
  Summary enqueue_ms;           // host time to enqueue one run (copies + graph launch)
  double throughput_per_s() const;  // inferences x batch / wall_seconds (images per second)
};

// A trtexec-like block of text.
std::string describe(const RunStats& s);

}  // namespace plantune::runtime
