// Error metrics on small hand-computed cases, the relative-error floor, and non-finite results.
#include "plantune/precision/error_metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "plantune/core/error.h"

namespace plantune::precision {
namespace {

TEST(ErrorMetrics, HandComputedThreeElements) {
  const std::vector<float> ref = {1, 2, 4};
  const std::vector<float> test = {1, 2, 3};
  const ErrorMetrics m = compare(test, ref);
  EXPECT_EQ(m.count, 3);
  EXPECT_EQ(m.nonfinite, 0);
  EXPECT_DOUBLE_EQ(m.max_abs, 1.0);
  EXPECT_DOUBLE_EQ(m.max_rel, 0.25);        // |3 - 4| / 4
  EXPECT_DOUBLE_EQ(m.mean_rel, 0.25 / 3);   // (0 + 0 + 0.25) / 3
  EXPECT_DOUBLE_EQ(m.rel_l2, 1.0 / std::sqrt(21.0));
  EXPECT_DOUBLE_EQ(m.sqnr_db, 10.0 * std::log10(21.0));  // 13.222 dB
  EXPECT_DOUBLE_EQ(m.cosine, 17.0 / (std::sqrt(14.0) * std::sqrt(21.0)));
}

TEST(ErrorMetrics, IdenticalIsPerfect) {
  const std::vector<double> x = {0.5, -3, 7, 0};
  const ErrorMetrics m = compare(std::span<const double>(x), std::span<const double>(x));
  EXPECT_EQ(m.max_abs, 0.0);
  EXPECT_EQ(m.max_rel, 0.0);
  EXPECT_EQ(m.rel_l2, 0.0);
  EXPECT_TRUE(std::isinf(m.sqnr_db) && m.sqnr_db > 0);
  EXPECT_DOUBLE_EQ(m.cosine, 1.0);
}

TEST(ErrorMetrics, FloorKeepsNearZeroReferencesFromDominating) {
  // floor = 1e-3 * 1000 = 1: the error 0.5 on a reference of 0 counts as 0.5, not inf
  const std::vector<float> ref = {1000, 0};
  const std::vector<float> test = {1000, 0.5f};
  const ErrorMetrics m = compare(test, ref);
  EXPECT_DOUBLE_EQ(m.max_rel, 0.5);
  EXPECT_DOUBLE_EQ(m.mean_rel, 0.25);
  MetricOptions strict;
  strict.rel_floor = 1e-6;  // floor 1e-3
  EXPECT_DOUBLE_EQ(compare(test, ref, strict).max_rel, 500.0);
}

TEST(ErrorMetrics, ScaledCopyHasCosineOneButRelativeError) {
  const std::vector<float> ref = {1, -2, 3, -4};
  const std::vector<float> test = {1.01f, -2.02f, 3.03f, -4.04f};
  const ErrorMetrics m = compare(test, ref);
  EXPECT_NEAR(m.cosine, 1.0, 1e-12);
  EXPECT_NEAR(m.rel_l2, 0.01, 1e-6);
  EXPECT_NEAR(m.sqnr_db, 40.0, 1e-3);
  EXPECT_NEAR(m.max_rel, 0.01, 1e-6);
}

TEST(ErrorMetrics, OppositeSignGivesNegativeCosine) {
  const std::vector<float> ref = {1, 2};
  const std::vector<float> test = {-1, -2};
  const ErrorMetrics m = compare(test, ref);
  EXPECT_DOUBLE_EQ(m.cosine, -1.0);
  EXPECT_DOUBLE_EQ(m.rel_l2, 2.0);
  EXPECT_DOUBLE_EQ(m.sqnr_db, 10.0 * std::log10(0.25));
}

TEST(ErrorMetrics, NonFiniteResultsPoisonEveryField) {
  const std::vector<float> ref = {1, 2, 3};
  const std::vector<float> test = {1, std::numeric_limits<float>::quiet_NaN(),
                                   std::numeric_limits<float>::infinity()};
  const ErrorMetrics m = compare(test, ref);
  EXPECT_EQ(m.nonfinite, 2);
  EXPECT_TRUE(std::isinf(m.max_abs));
  EXPECT_TRUE(std::isinf(m.rel_l2));
  EXPECT_TRUE(std::isinf(m.sqnr_db) && m.sqnr_db < 0);
  EXPECT_EQ(m.cosine, 0.0);
}

TEST(ErrorMetrics, NonFiniteReferenceElementsAreSkipped) {
  const std::vector<float> ref = {1, std::numeric_limits<float>::infinity(), 2};
  const std::vector<float> test = {1, 5, 2};
  const ErrorMetrics m = compare(test, ref);
  EXPECT_EQ(m.count, 2);
  EXPECT_EQ(m.max_abs, 0.0);
}

TEST(ErrorMetrics, ZeroReference) {
  const std::vector<float> zeros = {0, 0};
  const std::vector<float> some = {0, 1e-3f};
  const ErrorMetrics same = compare(zeros, zeros);
  EXPECT_EQ(same.rel_l2, 0.0);
  EXPECT_EQ(same.cosine, 1.0);
  const ErrorMetrics off = compare(some, zeros);
  EXPECT_TRUE(std::isinf(off.rel_l2));
  EXPECT_TRUE(std::isinf(off.max_rel));
  EXPECT_EQ(off.cosine, 0.0);
}

TEST(ErrorMetrics, SizeMismatchThrows) {
  const std::vector<float> a = {1, 2}, b = {1};
  EXPECT_THROW(compare(a, b), Error);
}

}  // namespace
}  // namespace plantune::precision
