// The CPU reference convolution the cuDNN tests compare against, on hand-computed cases.
#include "conv_reference.h"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

namespace {

using plantune::testing::conv2d_reference;
using plantune::testing::ConvShape;

TEST(ConvReference, OutputSizes) {
  ConvShape stem{.n = 1,
                 .c = 3,
                 .h = 224,
                 .w = 224,
                 .k = 64,
                 .r = 7,
                 .s = 7,
                 .stride_h = 2,
                 .stride_w = 2,
                 .pad_h = 3,
                 .pad_w = 3};
  EXPECT_EQ(stem.p(), 112);
  EXPECT_EQ(stem.q(), 112);
  ConvShape dilated{.n = 1,
                    .c = 1,
                    .h = 14,
                    .w = 15,
                    .k = 1,
                    .r = 3,
                    .s = 3,
                    .pad_h = 2,
                    .pad_w = 2,
                    .dil_h = 2,
                    .dil_w = 2};
  EXPECT_EQ(dilated.p(), 14);
  EXPECT_EQ(dilated.q(), 15);
  ConvShape odd{
      .n = 1, .c = 16, .h = 15, .w = 17, .k = 8, .r = 3, .s = 3, .stride_h = 2, .stride_w = 2};
  EXPECT_EQ(odd.p(), 7);
  EXPECT_EQ(odd.q(), 8);
  EXPECT_EQ(odd.w_count(), 8u * 16 * 9);
}

TEST(ConvReference, DiagonalFilterNoPadding) {
  // x = 1..9 (3x3), w = [[1,0],[0,1]]: y = x[i][j] + x[i+1][j+1].
  ConvShape sh{.n = 1, .c = 1, .h = 3, .w = 3, .k = 1, .r = 2, .s = 2};
  std::vector<float> x(9);
  std::iota(x.begin(), x.end(), 1.0f);
  std::vector<float> w = {1, 0, 0, 1};
  auto ref = conv2d_reference(sh, x, w);
  EXPECT_EQ(ref.y, (std::vector<double>{6, 8, 12, 14}));
  EXPECT_EQ(ref.abs_sum, (std::vector<double>{6, 8, 12, 14}));
}

TEST(ConvReference, PaddingCountsOnlyRealInputs) {
  // 2x2 ones, 3x3 ones, pad 1: every window covers the four inputs.
  ConvShape sh{.n = 1, .c = 1, .h = 2, .w = 2, .k = 1, .r = 3, .s = 3, .pad_h = 1, .pad_w = 1};
  std::vector<float> x(4, 1.0f), w(9, 1.0f);
  EXPECT_EQ(conv2d_reference(sh, x, w).y, (std::vector<double>{4, 4, 4, 4}));
}

TEST(ConvReference, StrideAndDilation) {
  // x[i][j] = 10i + j (5x5), 2x2 ones dilated by 2, stride 2: y[a][b] sums x at rows
  // 2a, 2a+2 and columns 2b, 2b+2.
  ConvShape sh{.n = 1,
               .c = 1,
               .h = 5,
               .w = 5,
               .k = 1,
               .r = 2,
               .s = 2,
               .stride_h = 2,
               .stride_w = 2,
               .dil_h = 2,
               .dil_w = 2};
  std::vector<float> x(25);
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 5; ++j) x[i * 5 + j] = static_cast<float>(10 * i + j);
  std::vector<float> w(4, 1.0f);
  EXPECT_EQ(conv2d_reference(sh, x, w).y, (std::vector<double>{44, 52, 124, 132}));
}

TEST(ConvReference, GroupsDoNotMixChannels) {
  // Two groups of one channel: y0 = 2 * x0, y1 = -3 * x1.
  ConvShape sh{.n = 1, .c = 2, .h = 1, .w = 2, .k = 2, .r = 1, .s = 1, .groups = 2};
  std::vector<float> x = {1, 2, 5, 7};  // channel 0: 1 2, channel 1: 5 7
  std::vector<float> w = {2, -3};
  auto ref = conv2d_reference(sh, x, w);
  EXPECT_EQ(ref.y, (std::vector<double>{2, 4, -15, -21}));
  EXPECT_EQ(ref.abs_sum, (std::vector<double>{2, 4, 15, 21}));
}

TEST(ConvReference, BatchAndChannelsSum) {
  // Two images, two input channels, one 1x1 filter [1, 10].
  ConvShape sh{.n = 2, .c = 2, .h = 1, .w = 1, .k = 1, .r = 1, .s = 1};
  std::vector<float> x = {1, 2, 3, -4};
  std::vector<float> w = {1, 10};
  auto ref = conv2d_reference(sh, x, w);
  EXPECT_EQ(ref.y, (std::vector<double>{21, -37}));
  EXPECT_EQ(ref.abs_sum, (std::vector<double>{21, 43}));
}

TEST(ConvReference, NhwcRepackingRoundTrips) {
  const std::vector<float> x = plantune::testing::random_uniform(2 * 3 * 4 * 5, 7);
  auto nhwc = plantune::testing::nchw_to_nhwc<float>(x, 2, 3, 4, 5);
  // (n=1, c=2, h=3, w=4): NCHW index ((1*3+2)*4+3)*5+4 = 119, NHWC ((1*4+3)*5+4)*3+2 = 119.
  // (n=0, c=1, h=0, w=0): NCHW 20, NHWC 1.
  EXPECT_EQ(nhwc[1], x[20]);
  EXPECT_EQ(nhwc[119], x[119]);
  EXPECT_EQ(plantune::testing::nhwc_to_nchw<float>(nhwc, 2, 3, 4, 5), x);
}

TEST(ConvReference, RandomDataIsSeededAndInRange) {
  auto a = plantune::testing::random_uniform(1000, 42);
  EXPECT_EQ(a, plantune::testing::random_uniform(1000, 42));
  EXPECT_NE(a, plantune::testing::random_uniform(1000, 43));
  for (float v : a) {
    EXPECT_GE(v, -1.0f);
    EXPECT_LE(v, 1.0f);
  }
}

TEST(ConvReference, CompareFindsWorstAndTreatsNanAsFailure) {
  plantune::testing::ConvReference ref{{1.0, 2.0, 3.0}, {10.0, 10.0, 1.0}};
  auto e = plantune::testing::compare_to_reference(std::vector<double>{1.0, 2.5, 3.1}, ref);
  EXPECT_NEAR(e.worst, 0.1, 1e-12);  // output 2: 0.1 / 1 beats output 1: 0.5 / 10
  EXPECT_EQ(e.index, 2u);
  auto nan = plantune::testing::compare_to_reference(std::vector<double>{1.0, NAN, 3.0}, ref);
  EXPECT_TRUE(std::isinf(nan.worst));
  EXPECT_EQ(nan.index, 1u);
}

}  // namespace
