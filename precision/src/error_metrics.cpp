#include "plantune/precision/error_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "metric_sums.h"
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
  double ref_max = 0.0;
  for (T r : ref) {
    if (std::isfinite(static_cast<double>(r))) ref_max = std::max(ref_max, std::abs(static_cast<double>(r)));
  }
  const double floor = options.rel_floor * ref_max;
  detail::MetricSums sums;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    sums.add(static_cast<double>(test[i]), static_cast<double>(ref[i]), floor);
  }
  return detail::finish(sums);
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
