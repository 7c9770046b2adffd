#pragma once
// How far a result is from its reference (usually an FP32 or FP64 computation of the same
// layer), in the handful of numbers the tuner's precision policy and the tests look at. All
// sums run in fp64 on the host.
#include <cstdint>
#include <span>

namespace plantune::precision {

struct ErrorMetrics {
  std::int64_t count = 0;      // elements compared
  std::int64_t nonfinite = 0;  // elements where the result is NaN/inf but the reference is finite
  double max_abs = 0.0;        // max |t - r|
  double max_rel = 0.0;        // max |t - r| / max(|r|, floor), floor = rel_floor * max|r|
  double mean_rel = 0.0;       // mean of the same ratio
  double rel_l2 = 0.0;         // ||t - r||_2 / ||r||_2 (0 when both are 0; inf when only r is)
  double sqnr_db = 0.0;        // 10 log10(sum r^2 / sum (t - r)^2); +inf when t == r
  double cosine = 1.0;         // <t, r> / (|t| |r|); 1 when both are all-zero, 0 when one is

  // Field by field (NaN fields compare unequal; compare() never produces NaN).
  bool operator==(const ErrorMetrics&) const = default;
};

struct MetricOptions {
  // The relative errors divide by max(|r|, rel_floor * max|r|): elements far below the
  // tensor's scale (cancellations, ReLU zeros) are judged on absolute error at that floor
  // instead of producing huge ratios.
  double rel_floor = 1e-3;
};

// Compares `test` against `reference` element by element. When some result elements are
// non-finite where the reference is finite, `nonfinite` counts them and every error field is
// +inf (cosine 0). Reference elements that are themselves non-finite are skipped. Throws
// invalid_argument when the sizes differ.
ErrorMetrics compare(std::span<const float> test, std::span<const float> reference,
                     const MetricOptions& options = {});
ErrorMetrics compare(std::span<const double> test, std::span<const double> reference,
                     const MetricOptions& options = {});

}  // namespace plantune::precision
