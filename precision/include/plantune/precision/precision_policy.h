#pragma once
// Which precisions the tuner may choose for a layer, and how much error against an FP32
// reference each one may bring. The tuner measures a tactic's ErrorMetrics against the
// reference, keeps it only when its precision is allowed and budget(precision).fits(metrics),
// and among those picks the fastest.
#include <optional>
#include <string>
#include <vector>

#include "plantune/core/dtype.h"
#include "plantune/precision/error_metrics.h"

namespace plantune::precision {

// Bounds on ErrorMetrics; each is checked only when set. Always required: count > 0 and no
// non-finite results.
struct ErrorBudget {
  std::optional<double> max_rel_l2;    // ||t - r|| / ||r||: "relative error" in the defaults
  std::optional<double> max_abs;       // on ErrorMetrics::max_abs
  std::optional<double> max_rel;       // on ErrorMetrics::max_rel
  std::optional<double> max_mean_rel;  // on ErrorMetrics::mean_rel
  std::optional<double> min_sqnr_db;   // on ErrorMetrics::sqnr_db
  std::optional<double> min_cosine;    // on ErrorMetrics::cosine

  bool fits(const ErrorMetrics& m) const { return why_not(m).empty(); }
  // "" when `m` fits; otherwise the first failed bound with both numbers, for example
  // "rel_l2 0.031 > 0.01".
  std::string why_not(const ErrorMetrics& m) const;

  bool operator==(const ErrorBudget&) const = default;
};

// The default budget of a precision: fp32 rel_l2 <= 1e-4 (other algorithms, same precision);
// tf32, fp16, bf16 rel_l2 <= 1e-2; int8 rel_l2 <= 0.1 (SQNR >= 20 dB). Throws
// invalid_argument for int32.
ErrorBudget default_budget(DType precision);

struct AllowedPrecision {
  DType precision = DType::fp32;
  ErrorBudget budget;
  bool operator==(const AllowedPrecision&) const = default;
};

struct PrecisionPolicy {
  std::vector<AllowedPrecision> allowed;  // each precision at most once

  // fp32, tf32, fp16 and bf16 with their default budgets; int8 needs calibration and is
  // opted into with allow(DType::int8).
  static PrecisionPolicy defaults();
  // Only fp32 (the reference precision).
  static PrecisionPolicy fp32_only();

  bool allows(DType precision) const;
  // Throws invalid_argument naming the precision when it is not allowed.
  const ErrorBudget& budget(DType precision) const;
  // allows(precision) && budget(precision).fits(m).
  bool fits(DType precision, const ErrorMetrics& m) const;
  // Adds (or replaces the budget of) a precision; the default budget when none is given.
  void allow(DType precision, std::optional<ErrorBudget> budget = std::nullopt);
  // Throws invalid_argument on a repeated precision, int32, or a negative/NaN bound.
  void validate() const;

  bool operator==(const PrecisionPolicy&) const = default;
};

}  // namespace plantune::precision
