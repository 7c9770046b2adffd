// Host layout transforms: exact small cases written out by hand, zero fill, and round trips
// through every layout.
#include "plantune/layouts/host_transform.h"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

namespace plantune::layouts {
namespace {

std::vector<int> iota(std::int64_t n) {
  std::vector<int> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), 1);
  return v;
}

TEST(HostTransform, NchwToNhwcByHand) {
  // N=1, C=2, H=1, W=3: channel planes {1,2,3} and {4,5,6}
  const auto x = iota(6);
  const auto y = transform_host<int>(x, {1, 2, 1, 3}, kNCHW, kNHWC);
  EXPECT_EQ(y, (std::vector<int>{1, 4, 2, 5, 3, 6}));
}

TEST(HostTransform, ChannelPaddingWritesZeros) {
  const auto x = iota(6);  // N=1, C=3, H=1, W=2 in nchw
  const auto y = transform_host<int>(x, {1, 3, 1, 2}, kNCHW, kNHWC_C8);
  EXPECT_EQ(y, (std::vector<int>{1, 3, 5, 0, 0, 0, 0, 0, 2, 4, 6, 0, 0, 0, 0, 0}));
  // and back: the padding is dropped
  EXPECT_EQ(transform_host<int>(y, {1, 3, 1, 2}, kNHWC_C8, kNCHW), x);
}

TEST(HostTransform, FoldByHandWithOddWidth) {
  // N=1, C=1, H=2, W=3:  row 0 = 1 2 3, row 1 = 4 5 6. Folded: 1 x 2 pixels of 4 channels,
  // channel (dy*2 + dx): pixel 0 = {1, 2, 4, 5}, pixel 1 = {3, 0, 6, 0} (w = 3 is fill)
  const auto x = iota(6);
  const auto y = transform_host<int>(x, {1, 1, 2, 3}, kNCHW, kNHWC_S2D2);
  EXPECT_EQ(y, (std::vector<int>{1, 2, 4, 5, 3, 0, 6, 0}));
  const auto yp = transform_host<int>(x, {1, 1, 2, 3}, kNCHW, kNHWC_S2D2_C8);
  EXPECT_EQ(yp, (std::vector<int>{1, 2, 4, 5, 0, 0, 0, 0, 3, 0, 6, 0, 0, 0, 0, 0}));
  EXPECT_EQ(transform_host<int>(y, {1, 1, 2, 3}, kNHWC_S2D2, kNCHW), x);
}

TEST(HostTransform, FoldedIsPlainNhwcOfFoldedDims) {
  const Dims4 d{2, 3, 5, 7};
  const auto x = iota(2 * 3 * 5 * 7);
  const auto f = transform_host<int>(x, d, kNCHW, kNHWC_S2D2);
  // the same memory read as a plain nhwc tensor of folded_dims: element (n, (dy*2+dx)*C + c,
  // h', w') is logical (n, c, 2h'+dy, 2w'+dx)
  const Dims4 fd = folded_dims(d);
  for (std::int64_t h2 = 0; h2 < fd.h; ++h2)
    for (std::int64_t w2 = 0; w2 < fd.w; ++w2)
      for (std::int64_t cf = 0; cf < fd.c; ++cf) {
        const std::int64_t blk = cf / d.c, c = cf % d.c;
        const std::int64_t h = 2 * h2 + blk / 2, w = 2 * w2 + blk % 2;
        const int expect = (h < d.h && w < d.w) ? x[static_cast<std::size_t>(
                                                      element_offset(d, kNCHW, 1, c, h, w))]
                                                : 0;
        EXPECT_EQ(f[static_cast<std::size_t>(element_offset(fd, kNHWC, 1, cf, h2, w2))], expect);
      }
}

TEST(HostTransform, EveryPairRoundTrips) {
  const Dims4 d{2, 3, 5, 7};
  const auto x = iota(2 * 3 * 5 * 7);
  for (TensorLayout a : kAllLayouts) {
    const auto xa = transform_host<int>(x, d, kNCHW, a);
    for (TensorLayout b : kAllLayouts) {
      const auto xb = transform_host<int>(xa, d, a, b);
      EXPECT_EQ(xb, transform_host<int>(x, d, kNCHW, b)) << to_string(a) << " -> " << to_string(b);
      EXPECT_EQ(transform_host<int>(xb, d, b, kNCHW), x) << to_string(a) << " -> " << to_string(b);
    }
  }
}

TEST(HostTransform, WrongSizeIsRejected) {
  const auto x = iota(5);
  EXPECT_THROW(transform_host<int>(x, {1, 2, 1, 3}, kNCHW, kNHWC), Error);
}

}  // namespace
}  // namespace plantune::layouts
