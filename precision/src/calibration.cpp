#include "plantune/precision/calibration.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "plantune/core/error.h"

namespace plantune::precision {

std::string_view to_string(CalibrationMethod m) {
  switch (m) {
    case CalibrationMethod::minmax: return "minmax";
    case CalibrationMethod::percentile: return "percentile";
    case CalibrationMethod::entropy: return "entropy";
  }
  return "unknown";
}

std::optional<CalibrationMethod> calibration_method_from_string(std::string_view s) {
  for (auto m : {CalibrationMethod::minmax, CalibrationMethod::percentile,
                 CalibrationMethod::entropy}) {
    if (to_string(m) == s) return m;
  }
  return std::nullopt;
}

AbsHistogram::AbsHistogram(int bins, double range) : range_(range) {
  PT_REQUIRE(bins >= 1, invalid_argument, "AbsHistogram: bins must be >= 1, got " << bins);
  PT_REQUIRE(std::isfinite(range) && range >= 0.0, invalid_argument,
             "AbsHistogram: range must be finite and >= 0, got " << range);
  counts_.assign(static_cast<std::size_t>(bins), 0);
}

AbsHistogram::AbsHistogram(std::vector<std::uint64_t> counts, double range)
    : counts_(std::move(counts)), range_(range) {
  PT_REQUIRE(!counts_.empty(), invalid_argument, "AbsHistogram: no bins");
  PT_REQUIRE(std::isfinite(range) && range >= 0.0, invalid_argument,
             "AbsHistogram: range must be finite and >= 0, got " << range);
  for (auto c : counts_) total_ += c;
}

void AbsHistogram::add(std::span<const float> data) {
  const int last = bins() - 1;
  const double inv_width = range_ > 0.0 ? static_cast<double>(bins()) / range_ : 0.0;
  for (float x : data) {
    if (std::isnan(x)) continue;
    const double a = std::abs(static_cast<double>(x));
    int b = last;
    if (a < range_) b = std::min(last, static_cast<int>(a * inv_width));
    if (range_ == 0.0) b = 0;
    ++counts_[static_cast<std::size_t>(b)];
    ++total_;
  }
}

float amax_minmax(std::span<const float> data) {
  float m = 0.0f;
  for (float x : data) {
    if (std::isfinite(x)) m = std::max(m, std::abs(x));
  }
  return m;
}

float amax_percentile(std::span<const float> data, double percentile) {
  PT_REQUIRE(percentile > 0.0 && percentile <= 100.0, invalid_argument,
             "amax_percentile: percentile must be in (0, 100], got " << percentile);
  std::vector<float> a;
  a.reserve(data.size());
  for (float x : data) {
    if (std::isfinite(x)) a.push_back(std::abs(x));
  }
  if (a.empty()) return 0.0f;
  // nearest rank: the smallest value with at least `percentile` percent of the data <= it
  const double rank = std::ceil(percentile / 100.0 * static_cast<double>(a.size()));
  const auto k = static_cast<std::size_t>(std::clamp(rank, 1.0, static_cast<double>(a.size()))) - 1;
  std::nth_element(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(k), a.end());
  return a[k];
}

float amax_entropy(const AbsHistogram& histogram, int levels) {
  const int bins = histogram.bins();
  PT_REQUIRE(levels >= 1 && levels <= bins, invalid_argument,
             "amax_entropy: levels must be in [1, bins=" << bins << "], got " << levels);
  const auto& h = histogram.counts();
  if (histogram.total() == 0 || histogram.range() == 0.0) return 0.0f;

  // suffix[i] = sum of h[i..bins)
  std::vector<double> suffix(static_cast<std::size_t>(bins) + 1, 0.0);
  for (int i = bins - 1; i >= 0; --i) suffix[i] = suffix[i + 1] + static_cast<double>(h[i]);
  const double total = suffix[0];

  std::vector<double> group_sum(static_cast<std::size_t>(levels));
  std::vector<int> group_nonzero(static_cast<std::size_t>(levels));
  double best_kl = std::numeric_limits<double>::infinity();
  int best_i = bins;
  for (int i = levels; i <= bins; ++i) {
    // Q: the first i bins merged into `levels` groups, each group's count spread evenly over
    // its non-empty bins (empty bins stay empty).
    std::fill(group_sum.begin(), group_sum.end(), 0.0);
    std::fill(group_nonzero.begin(), group_nonzero.end(), 0);
    for (int j = 0; j < i; ++j) {
      const auto g = static_cast<std::size_t>(static_cast<std::int64_t>(j) * levels / i);
      group_sum[g] += static_cast<double>(h[j]);
      group_nonzero[g] += h[j] > 0 ? 1 : 0;
    }
    const double q_total = total - suffix[i];  // Q covers the first i bins only
    if (q_total <= 0.0) continue;
    // P: the first i bins with everything above the threshold clipped into bin i-1.
    double kl = 0.0;
    for (int j = 0; j < i && std::isfinite(kl); ++j) {
      double p = static_cast<double>(h[j]);
      if (j == i - 1) p += suffix[i];
      if (p == 0.0) continue;
      const auto g = static_cast<std::size_t>(static_cast<std::int64_t>(j) * levels / i);
      const double q = h[j] > 0 ? group_sum[g] / group_nonzero[g] : 0.0;
      if (q == 0.0) {
        kl = std::numeric_limits<double>::infinity();
        break;
      }
      const double pn = p / total;
      const double qn = q / q_total;
      kl += pn * std::log(pn / qn);
    }
    if (kl <= best_kl) {  // ties keep the larger threshold, as TensorRT's calibrator does
      best_kl = kl;
      best_i = i;
    }
  }
  return static_cast<float>(best_i * histogram.bin_width());
}

float calibrate_amax(std::span<const float> data, const CalibrationOptions& options) {
  switch (options.method) {
    case CalibrationMethod::minmax: return amax_minmax(data);
    case CalibrationMethod::percentile: return amax_percentile(data, options.percentile);
    case CalibrationMethod::entropy: {
      AbsHistogram hist(options.bins, amax_minmax(data));
      hist.add(data);
      return amax_entropy(hist, options.levels);
    }
  }
  PT_FAIL(invalid_argument, "calibrate_amax: unknown method " << static_cast<int>(options.method));
}

std::vector<float> per_channel_amax(std::span<const float> data, ScaleLayout layout) {
  PT_REQUIRE(layout.channels >= 1 && layout.inner >= 1, invalid_argument,
             "per_channel_amax: layout needs channels >= 1 and inner >= 1, got channels="
                 << layout.channels << " inner=" << layout.inner);
  std::vector<float> amax(static_cast<std::size_t>(layout.channels), 0.0f);
  for (std::size_t i = 0; i < data.size(); ++i) {
    const auto ch = static_cast<std::size_t>((static_cast<std::int64_t>(i) / layout.inner) %
                                             layout.channels);
    if (std::isfinite(data[i])) amax[ch] = std::max(amax[ch], std::abs(data[i]));
  }
  return amax;
}

float scale_from_amax(float amax) {
  PT_REQUIRE(std::isfinite(amax) && amax >= 0.0f, invalid_argument,
             "scale_from_amax: amax must be finite and >= 0, got " << amax);
  return amax > 0.0f ? amax / 127.0f : 1.0f;
}

std::vector<float> scales_from_amax(std::span<const float> amax) {
  std::vector<float> s;
  s.reserve(amax.size());
  for (float a : amax) s.push_back(scale_from_amax(a));
  return s;
}

}  // namespace plantune::precision
