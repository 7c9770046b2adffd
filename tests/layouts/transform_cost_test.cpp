// Transform cost records: statistics from samples and the bandwidth-based estimate.
#include "plantune/layouts/transform_cost.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "plantune/core/error.h"

namespace plantune::layouts {
namespace {

const TransformDesc kDesc{{32, 64, 56, 56}, kNCHW, DType::fp16, kNHWC, DType::fp16};

TEST(TransformCost, StatisticsFromSamples) {
  const std::vector<double> samples = {0.05, 0.03, 0.04, 0.10};
  const TransformCost c = make_transform_cost(kDesc, "plantune", samples);
  EXPECT_EQ(c.bytes_moved, 2 * 32LL * 64 * 56 * 56 * 2);  // 25.7 MB
  EXPECT_DOUBLE_EQ(c.median_ms, 0.045);
  EXPECT_DOUBLE_EQ(c.min_ms, 0.03);
  EXPECT_DOUBLE_EQ(c.max_ms, 0.10);
  EXPECT_EQ(c.repetitions, 4);
  EXPECT_DOUBLE_EQ(c.gbps, static_cast<double>(c.bytes_moved) / 0.045e6);  // about 571 GB/s
  const std::vector<double> odd = {3.0, 1.0, 2.0};
  EXPECT_DOUBLE_EQ(make_transform_cost(kDesc, "x", odd).median_ms, 2.0);
}

TEST(TransformCost, RejectsEmptyOrNonPositiveSamples) {
  EXPECT_THROW(make_transform_cost(kDesc, "p", std::vector<double>{}), Error);
  EXPECT_THROW(make_transform_cost(kDesc, "p", std::vector<double>{0.1, 0.0}), Error);
  EXPECT_THROW(make_transform_cost(kDesc, "p", std::vector<double>{-1.0}), Error);
}

TEST(TransformCost, EstimateScalesByBytesAtMeasuredBandwidth) {
  const TransformCost c = make_transform_cost(kDesc, "plantune", std::vector<double>{0.02});
  TransformDesc half = kDesc;
  half.dims.n = 16;
  EXPECT_NEAR(estimate_ms(c, half), 0.01, 1e-12);
  TransformDesc other = kDesc;
  other.dst_dtype = DType::fp32;
  EXPECT_THROW(estimate_ms(c, other), Error);
  TransformCost none = c;
  none.gbps = 0.0;
  EXPECT_THROW(estimate_ms(none, kDesc), Error);
}

TEST(TransformCost, PredictUsesOneProviderExactFirstThenTheNearestSizeOfTheSameKind) {
  auto cost = [](std::int64_t n, double ms, std::string provider = "plantune") {
    TransformDesc d = kDesc;
    d.dims.n = n;
    return make_transform_cost(d, std::move(provider), std::vector<double>{ms});
  };
  // n = 1 ran at half the bandwidth of n = 64 (a small tensor does not fill the GPU).
  const std::vector<TransformCost> m = {cost(1, 0.002), cost(64, 0.032), cost(32, 0.02),
                                        cost(32, 0.019), cost(32, 0.01, "cudnnTransformTensor")};
  EXPECT_DOUBLE_EQ(*predict_ms(m, kDesc), 0.019);  // exact: the faster of plantune's two
  EXPECT_DOUBLE_EQ(*predict_ms(m, kDesc, "cudnnTransformTensor"), 0.01);
  TransformDesc n2 = kDesc;
  n2.dims.n = 2;  // nearest in bytes: the n = 1 record, scaled by bytes at its bandwidth
  EXPECT_NEAR(*predict_ms(m, n2), 0.004, 1e-12);
  TransformDesc n48 = kDesc;
  n48.dims.n = 48;  // nearest: n = 64 (|log 48/64| < |log 48/32|)
  EXPECT_NEAR(*predict_ms(m, n48), 0.024, 1e-12);
  TransformDesc other = kDesc;
  other.dst_layout = kNHWC_C8;
  EXPECT_FALSE(predict_ms(m, other).has_value());
  EXPECT_FALSE(predict_ms({}, kDesc).has_value());
}

}  // namespace
}  // namespace plantune::layouts
