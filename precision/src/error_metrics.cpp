#include "plantune/precision/error_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "plantune/core/error.h"

namespace plantune::precision {

namespace {

template <typename T>
ErrorMetrics compare_impl(std::span<const T> test, std::span<const T> ref,
                          const MetricOptions& options) {
  PT_REQUIRE(test.size() == ref.size(), invalid_argument,
             "compare: result has " << test.size() << " elements, reference has " << ref.size());
  PT_REQUIRE(options.rel_floor >= 0.0 && std::isfinite(options.rel_floor), invalid_argument,
             "compare: rel_floor must be finite and >= 0, got " << options.rel_floor);
  constexpr double kInf = std::numeric_limits<double>::infinity();

  double ref_max = 0.0;
  for (T r : ref) {
    if (std::isfinite(static_cast<double>(r))) ref_max = std::max(ref_max, std::abs(static_cast<double>(r)));
  }
  const double floor = options.rel_floor * ref_max;

  ErrorMetrics m;
  double sum_rel = 0.0, sum_rr = 0.0, sum_ee = 0.0, sum_tt = 0.0, sum_tr = 0.0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    const double r = static_cast<double>(ref[i]);
    const double t = static_cast<double>(test[i]);
    if (!std::isfinite(r)) continue;
    ++m.count;
    if (!std::isfinite(t)) {
      ++m.nonfinite;
      continue;
    }
    const double e = std::abs(t - r);
    const double denom = std::max(std::abs(r), floor);
    // denom is 0 only when the whole reference is 0: then any error is infinitely relative.
    const double rel = denom > 0.0 ? e / denom : (e > 0.0 ? kInf : 0.0);
    m.max_abs = std::max(m.max_abs, e);
    m.max_rel = std::max(m.max_rel, rel);
    sum_rel += rel;
    sum_rr += r * r;
    sum_ee += e * e;
    sum_tt += t * t;
    sum_tr += t * r;
  }
  if (m.nonfinite > 0) {
    m.max_abs = m.max_rel = m.mean_rel = m.rel_l2 = kInf;
    m.sqnr_db = -kInf;
    m.cosine = 0.0;
    return m;
  }
  m.mean_rel = m.count > 0 ? sum_rel / static_cast<double>(m.count) : 0.0;
  if (sum_ee == 0.0) {
    m.rel_l2 = 0.0;
    m.sqnr_db = kInf;
  } else if (sum_rr == 0.0) {
    m.rel_l2 = kInf;
    m.sqnr_db = -kInf;
  } else {
    m.rel_l2 = std::sqrt(sum_ee / sum_rr);
    m.sqnr_db = 10.0 * std::log10(sum_rr / sum_ee);
  }
  if (sum_tt == 0.0 && sum_rr == 0.0) {
    m.cosine = 1.0;
  } else if (sum_tt == 0.0 || sum_rr == 0.0) {
    m.cosine = 0.0;
  } else {
    m.cosine = std::clamp(sum_tr / (std::sqrt(sum_tt) * std::sqrt(sum_rr)), -1.0, 1.0);
  }
  return m;
}

}  // namespace

ErrorMetrics compare(std::span<const float> test, std::span<const float> reference,
                     const MetricOptions& options) {
  return compare_impl(test, reference, options);
}

ErrorMetrics compare(std::span<const double> test, std::span<const double> reference,
                     const MetricOptions& options) {
  return compare_impl(test, reference, options);
}

}  // namespace plantune::precision
