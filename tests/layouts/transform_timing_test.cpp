// time_transform: a measured cost is a plausible one (positive times, min <= median <= max, the
// bytes of the desc, a bandwidth between 1 GB/s and 20 TB/s), a bigger transform of the same
// kind takes longer, and bad options are refused before anything runs.
#include "plantune/layouts/transform_timing.h"

#include <gtest/gtest.h>

#include "plantune/core/error.h"
#include "plantune/core/stream.h"
#include "support/gpu_skip.h"

namespace plantune::layouts {
namespace {

TEST(TransformTimingArguments, BadOptionsAreRefusedBeforeAnyDeviceWork) {
  TransformDesc d{{2, 8, 4, 4}, kNCHW, DType::fp16, kNHWC, DType::fp16};
  TransformTimingOptions o;
  o.repetitions = 0;
  EXPECT_THROW(time_transform(d, nullptr, o), Error);
  o = {};
  o.max_memory_fraction = 1.5;
  EXPECT_THROW(time_transform(d, nullptr, o), Error);
  d.dims.n = 0;
  EXPECT_THROW(time_transform(d, nullptr), Error);
}

TEST(TransformTiming, MeasuresAPlausibleCost) {
  if (!plantune::testing::has_cuda_device()) {
    GTEST_SKIP() << "no CUDA device: times NCHW -> NHWC transforms with CUDA events";
  }
  Stream stream;
  const TransformDesc small{{8, 64, 56, 56}, kNCHW, DType::fp16, kNHWC, DType::fp16};
  const TransformDesc big{{32, 64, 112, 112}, kNCHW, DType::fp16, kNHWC, DType::fp16};
  const TransformCost a = time_transform(small, stream.get());
  const TransformCost b = time_transform(big, stream.get());
  for (const TransformCost* c : {&a, &b}) {
    EXPECT_EQ(c->provider, "plantune");
    EXPECT_EQ(c->bytes_moved, bytes_moved(c->desc));
    EXPECT_EQ(c->repetitions, TransformTimingOptions{}.repetitions);
    EXPECT_GT(c->min_ms, 0.0);
    EXPECT_LE(c->min_ms, c->median_ms);
    EXPECT_LE(c->median_ms, c->max_ms);
    EXPECT_GT(c->gbps, 1.0);
    EXPECT_LT(c->gbps, 20000.0);
  }
  EXPECT_EQ(a.desc, small);
  EXPECT_GT(b.median_ms, a.median_ms) << "16x the bytes took no longer";
}

}  // namespace
}  // namespace plantune::layouts
