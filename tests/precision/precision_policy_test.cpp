// Precision policy: default budgets, fits/why_not on metrics just inside and outside a bound,
// and validation.
#include "plantune/precision/precision_policy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "plantune/core/error.h"

namespace plantune::precision {
namespace {

ErrorMetrics with_rel_l2(double r) {
  ErrorMetrics m;
  m.count = 100;
  m.rel_l2 = r;
  m.sqnr_db = -20.0 * std::log10(r);
  m.cosine = 1.0 - r * r / 2;
  return m;
}

TEST(PrecisionPolicy, DefaultsAllowFloatPrecisionsWithRelativeErrorBudgets) {
  const PrecisionPolicy p = PrecisionPolicy::defaults();
  EXPECT_TRUE(p.allows(DType::fp32));
  EXPECT_TRUE(p.allows(DType::tf32));
  EXPECT_TRUE(p.allows(DType::fp16));
  EXPECT_TRUE(p.allows(DType::bf16));
  EXPECT_FALSE(p.allows(DType::int8));  // needs calibration: opt-in
  EXPECT_EQ(p.budget(DType::fp16).max_rel_l2, 1e-2);
  EXPECT_EQ(p.budget(DType::bf16).max_rel_l2, 1e-2);
  EXPECT_EQ(p.budget(DType::fp32).max_rel_l2, 1e-4);
  EXPECT_TRUE(p.fits(DType::fp16, with_rel_l2(0.0099)));
  EXPECT_FALSE(p.fits(DType::fp16, with_rel_l2(0.0101)));
  EXPECT_FALSE(p.fits(DType::int8, with_rel_l2(1e-6)));  // not allowed at all
  EXPECT_THROW(p.budget(DType::int8), Error);
}

TEST(PrecisionPolicy, WhyNotNamesTheFailedBound) {
  const ErrorBudget b = default_budget(DType::bf16);
  EXPECT_EQ(b.why_not(with_rel_l2(0.005)), "");
  EXPECT_EQ(b.why_not(with_rel_l2(0.03)), "rel_l2 0.03 > 0.01");
  ErrorMetrics empty;
  EXPECT_EQ(b.why_not(empty), "no elements were compared");
  ErrorMetrics bad = with_rel_l2(0.001);
  bad.nonfinite = 3;
  EXPECT_EQ(b.why_not(bad), "3 of 100 results are NaN or inf");
  EXPECT_FALSE(b.fits(bad));
}

TEST(PrecisionPolicy, EveryBoundIsChecked) {
  ErrorBudget b;
  b.max_abs = 0.5;
  b.max_rel = 0.1;
  b.max_mean_rel = 0.01;
  b.min_sqnr_db = 30;
  b.min_cosine = 0.999;
  ErrorMetrics m = with_rel_l2(0.001);  // 60 dB
  m.max_abs = 0.4;
  m.max_rel = 0.05;
  m.mean_rel = 0.005;
  EXPECT_TRUE(b.fits(m));
  ErrorMetrics worse = m;
  worse.max_abs = 0.6;
  EXPECT_EQ(b.why_not(worse), "max_abs 0.6 > 0.5");
  worse = m;
  worse.max_rel = 0.2;
  EXPECT_EQ(b.why_not(worse), "max_rel 0.2 > 0.1");
  worse = m;
  worse.mean_rel = 0.02;
  EXPECT_EQ(b.why_not(worse), "mean_rel 0.02 > 0.01");
  worse = m;
  worse.sqnr_db = 25;
  EXPECT_EQ(b.why_not(worse), "sqnr_db 25 < 30");
  worse = m;
  worse.cosine = 0.99;
  EXPECT_EQ(b.why_not(worse), "cosine 0.99 < 0.999");
  worse = m;
  worse.sqnr_db = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(b.fits(worse));  // NaN never fits
}

TEST(PrecisionPolicy, AllowAddsOrReplaces) {
  PrecisionPolicy p = PrecisionPolicy::fp32_only();
  EXPECT_EQ(p.allowed.size(), 1u);
  p.allow(DType::int8);
  EXPECT_EQ(p.budget(DType::int8).max_rel_l2, 0.1);
  ErrorBudget tight;
  tight.min_sqnr_db = 35;
  p.allow(DType::int8, tight);
  EXPECT_EQ(p.allowed.size(), 2u);
  EXPECT_EQ(p.budget(DType::int8), tight);
  ErrorMetrics m = with_rel_l2(0.02);  // 34 dB
  EXPECT_FALSE(p.fits(DType::int8, m));
  EXPECT_NO_THROW(p.validate());
}

TEST(PrecisionPolicy, ValidateRejectsDuplicatesInt32AndNegativeBounds) {
  PrecisionPolicy p;
  p.allowed.push_back({DType::fp16, default_budget(DType::fp16)});
  p.allowed.push_back({DType::fp16, {}});
  EXPECT_THROW(p.validate(), Error);
  PrecisionPolicy q;
  q.allowed.push_back({DType::int32, {}});
  EXPECT_THROW(q.validate(), Error);
  PrecisionPolicy r;
  ErrorBudget neg;
  neg.max_abs = -1;
  r.allowed.push_back({DType::fp16, neg});
  EXPECT_THROW(r.validate(), Error);
  EXPECT_THROW(default_budget(DType::int32), Error);
}

}  // namespace
}  // namespace plantune::precision
