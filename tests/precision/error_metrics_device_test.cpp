// compare_on_device() against the host compare() on fresh random data: the same counts and
// maxima exactly (a maximum does not depend on the order), the sums' metrics to 1e-9
// relative; non-finite results and references, an all-zero pair, lengths off the grid, the
// same bits on a second call, and bad arguments.
#include "plantune/precision/error_metrics_device.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "plantune/core/device_buffer.h"
#include "plantune/core/error.h"
#include "plantune/precision/error_metrics.h"
#include "support/gpu_skip.h"

namespace plantune::precision {
namespace {

#define NEED_GPU()                                \
  if (!plantune::testing::has_cuda_device())      \
  GTEST_SKIP() << "no CUDA device: the metrics are reduced on the GPU"

// A reference of random values and a result that errs by relative noise of `noise`.
void random_pair(std::int64_t n, float noise, std::uint32_t seed, std::vector<float>& test,
                 std::vector<float>& ref) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> x(0.0f, 3.0f), e(0.0f, noise);
  test.resize(static_cast<std::size_t>(n));
  ref.resize(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    ref[static_cast<std::size_t>(i)] = x(rng);
    test[static_cast<std::size_t>(i)] = ref[static_cast<std::size_t>(i)] * (1.0f + e(rng));
  }
}

ErrorMetrics on_device(const std::vector<float>& test, const std::vector<float>& ref) {
  DeviceBuffer<float> t(test.size()), r(ref.size());
  t.upload(test);
  r.upload(ref);
  return compare_on_device(t.data(), r.data(), static_cast<std::int64_t>(ref.size()), nullptr);
}

void expect_same(const ErrorMetrics& d, const ErrorMetrics& h, const char* where) {
  EXPECT_EQ(d.count, h.count) << where;
  EXPECT_EQ(d.nonfinite, h.nonfinite) << where;
  EXPECT_EQ(d.max_abs, h.max_abs) << where;
  EXPECT_EQ(d.max_rel, h.max_rel) << where;
  auto near = [&](double a, double b, const char* field) {
    if (std::isinf(a) || std::isinf(b) || a == b) {
      EXPECT_EQ(a, b) << where << " " << field;
    } else {
      // sums of n terms in another order: up to ~n x 1e-16 apart (1.2e-12 seen at n = 3e6)
      EXPECT_NEAR(a, b, 1e-9 * std::abs(b)) << where << " " << field;
    }
  };
  near(d.mean_rel, h.mean_rel, "mean_rel");
  near(d.rel_l2, h.rel_l2, "rel_l2");
  near(d.sqnr_db, h.sqnr_db, "sqnr_db");
  near(d.cosine, h.cosine, "cosine");
}

TEST(ErrorMetricsDevice, MatchesTheHostOnRandomData) {
  NEED_GPU();
  for (const std::int64_t n : {1L, 255L, 131072L + 77L, 3000001L}) {
    std::vector<float> t, r;
    random_pair(n, 1e-3f, static_cast<std::uint32_t>(n), t, r);
    const ErrorMetrics h = compare(t, r), d = on_device(t, r);
    EXPECT_GT(h.sqnr_db, 40.0);  // the noise is there, and small
    EXPECT_LT(h.sqnr_db, 80.0);
    expect_same(d, h, ("n = " + std::to_string(n)).c_str());
    // the same bits on a second call
    const ErrorMetrics again = on_device(t, r);
    EXPECT_TRUE(again == d) << "n = " << n;
  }
}

TEST(ErrorMetricsDevice, NonFiniteValuesAndZeros) {
  NEED_GPU();
  std::vector<float> t, r;
  random_pair(100000, 1e-2f, 7, t, r);
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  r[10] = nan;  // skipped
  r[20] = inf;  // skipped
  expect_same(on_device(t, r), compare(t, r), "non-finite references");
  EXPECT_EQ(on_device(t, r).count, 99998);
  t[30] = nan;  // a non-finite result: every error infinite
  const ErrorMetrics d = on_device(t, r);
  expect_same(d, compare(t, r), "non-finite result");
  EXPECT_EQ(d.nonfinite, 1);
  EXPECT_TRUE(std::isinf(d.max_abs));
  const std::vector<float> zeros(5000, 0.0f);
  expect_same(on_device(zeros, zeros), compare(zeros, zeros), "all zero");
  EXPECT_EQ(on_device(zeros, zeros).cosine, 1.0);
}

TEST(ErrorMetricsDevice, RejectsBadArguments) {
  NEED_GPU();
  DeviceBuffer<float> a(4);
  EXPECT_THROW(compare_on_device(nullptr, a.data(), 4, nullptr), Error);
  EXPECT_THROW(compare_on_device(a.data(), a.data(), -1, nullptr), Error);
  MetricOptions o;
  o.rel_floor = -1.0;
  EXPECT_THROW(compare_on_device(a.data(), a.data(), 4, nullptr, o), Error);
  EXPECT_EQ(compare_on_device(nullptr, nullptr, 0, nullptr).count, 0);
}

}  // namespace
}  // namespace plantune::precision
