#pragma once
// The running sums behind ErrorMetrics (internal header): one element's contribution, the
// merge of two partial sums, and the metrics they give. The host compare() and the device
// compare_on_device() both go through these, so the two agree up to summation order.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "plantune/precision/error_metrics.h"

#if defined(__CUDACC__)
#define PT_METRIC_FN __host__ __device__ inline
#else
#define PT_METRIC_FN inline
#endif

namespace plantune::precision::detail {

struct MetricSums {
  std::int64_t count = 0, nonfinite = 0;
  double max_abs = 0.0, max_rel = 0.0;
  double sum_rel = 0.0, sum_rr = 0.0, sum_ee = 0.0, sum_tt = 0.0, sum_tr = 0.0;

  // One element: result t, reference r; `floor` is rel_floor x max |r| (error_metrics.h).
  PT_METRIC_FN void add(double t, double r, double floor) {
    if (!isfinite(r)) return;  // a non-finite reference element is skipped
    ++count;
    if (!isfinite(t)) {
      ++nonfinite;
      return;
    }
    const double e = fabs(t - r);
    const double denom = fmax(fabs(r), floor);
    // denom is 0 only when the whole reference is 0: then any error is infinitely relative.
    const double rel = denom > 0.0 ? e / denom : (e > 0.0 ? HUGE_VAL : 0.0);
    max_abs = fmax(max_abs, e);
    max_rel = fmax(max_rel, rel);
    sum_rel += rel;
    sum_rr += r * r;
    sum_ee += e * e;
    sum_tt += t * t;
    sum_tr += t * r;
  }

  PT_METRIC_FN void merge(const MetricSums& o) {
    count += o.count;
    nonfinite += o.nonfinite;
    max_abs = fmax(max_abs, o.max_abs);
    max_rel = fmax(max_rel, o.max_rel);
    sum_rel += o.sum_rel;
    sum_rr += o.sum_rr;
    sum_ee += o.sum_ee;
    sum_tt += o.sum_tt;
    sum_tr += o.sum_tr;
  }

 private:
  PT_METRIC_FN static bool isfinite(double v) { return v - v == 0.0; }
};

// The metrics of the sums (host).
inline ErrorMetrics finish(const MetricSums& s) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  ErrorMetrics m;
  m.count = s.count;
  m.nonfinite = s.nonfinite;
  if (s.nonfinite > 0) {
    m.max_abs = m.max_rel = m.mean_rel = m.rel_l2 = kInf;
    m.sqnr_db = -kInf;
    m.cosine = 0.0;
    return m;
  }
  m.max_abs = s.max_abs;
  m.max_rel = s.max_rel;
  m.mean_rel = s.count > 0 ? s.sum_rel / static_cast<double>(s.count) : 0.0;
  if (s.sum_ee == 0.0) {
    m.rel_l2 = 0.0;
    m.sqnr_db = kInf;
  } else if (s.sum_rr == 0.0) {
    m.rel_l2 = kInf;
    m.sqnr_db = -kInf;
  } else {
    m.rel_l2 = std::sqrt(s.sum_ee / s.sum_rr);
    m.sqnr_db = 10.0 * std::log10(s.sum_rr / s.sum_ee);
  }
  if (s.sum_tt == 0.0 && s.sum_rr == 0.0) {
    m.cosine = 1.0;
  } else if (s.sum_tt == 0.0 || s.sum_rr == 0.0) {
    m.cosine = 0.0;
  } else {
    m.cosine = std::clamp(s.sum_tr / (std::sqrt(s.sum_tt) * std::sqrt(s.sum_rr)), -1.0, 1.0);
  }
  return m;
}

}  // namespace plantune::precision::detail

#undef PT_METRIC_FN
