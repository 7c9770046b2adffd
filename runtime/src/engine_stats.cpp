#include "plantune/runtime/engine_stats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace plantune::runtime {

Summary Summary::of(std::span<const double> samples) {
  Summary s;
  if (samples.empty()) return s;
  std::vector<double> v(samples.begin(), samples.end());
  std::sort(v.begin(), v.end());
  const auto n = v.size();
  auto rank = [&](double q) {  // nearest rank
    const auto r = static_cast<std::size_t>(std::ceil(q * static_cast<double>(n)));
    return v[std::min(n - 1, r == 0 ? 0 : r - 1)];
  };
  s.n = static_cast<std::int64_t>(n);
  s.min = v.front();
  s.max = v.back();
  s.mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(n);
  s.median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  s.p90 = rank(0.90);
  s.p99 = rank(0.99);
  return s;
}

double RunStats::throughput_per_s() const {
  return wall_seconds > 0 ? static_cast<double>(inferences * batch) / wall_seconds : 0.0;
}

std::string describe(const RunStats& s) {
  char buf[256];
  std::string out;
  std::snprintf(buf, sizeof buf,
                "Throughput: %.1f inferences/s, %.1f images/s (%lld runs of batch %lld on %d "
                "stream(s) in %.3f s)\n",
                s.wall_seconds > 0 ? static_cast<double>(s.inferences) / s.wall_seconds : 0.0,
                s.throughput_per_s(), static_cast<long long>(s.inferences),
                static_cast<long long>(s.batch), s.contexts, s.wall_seconds);
  out += buf;
  auto line = [&](const char* name, const Summary& m) {
    std::snprintf(buf, sizeof buf,
                  "%-18s min = %.4f ms, mean = %.4f ms, median = %.4f ms, p99 = %.4f ms, "
                  "max = %.4f ms\n",
                  name, m.min, m.mean, m.median, m.p99, m.max);
    out += buf;
  };
  line("Latency:", s.latency_ms);
  line("GPU Compute Time:", s.compute_ms);
  line("H2D Latency:", s.h2d_ms);
  line("D2H Latency:", s.d2h_ms);
  line("Enqueue Time:", s.enqueue_ms);
  return out;
}

}  // namespace plantune::runtime
