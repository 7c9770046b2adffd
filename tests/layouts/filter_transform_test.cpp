// Filter transforms checked the way they are used: a convolution over the transformed input
// with the transformed filter must give the original convolution's output. The reference is
// tests/core/conv_reference.h (fp64 accumulation) on random data.
#include "plantune/layouts/filter_transform.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/conv_reference.h"
#include "plantune/layouts/host_transform.h"

namespace plantune::layouts {
namespace {

using plantune::testing::conv2d_reference;
using plantune::testing::ConvShape;
using plantune::testing::random_uniform;

// A plain-layout view of a stored tensor: `x` stored in `l` with dims `d` is the plain nhwc
// tensor `as_dims` (folded_dims for folded layouts, C rounded up for padded ones); returned as
// nchw of as_dims.
std::vector<float> as_plain_nchw(const std::vector<float>& x, const Dims4& as_dims) {
  return transform_host<float>(x, as_dims, kNHWC, kNCHW);
}

// Largest |a - b| over the leading p x q block of b (a is n x k x p x q, b is n x k x P x Q).
double max_diff_cropped(const std::vector<double>& a, const std::vector<double>& b, std::int64_t n,
                        std::int64_t k, std::int64_t p, std::int64_t q, std::int64_t P,
                        std::int64_t Q) {
  double worst = 0.0;
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < k; ++j)
      for (std::int64_t y = 0; y < p; ++y)
        for (std::int64_t x = 0; x < q; ++x) {
          const double va = a[static_cast<std::size_t>(((i * k + j) * p + y) * q + x)];
          const double vb = b[static_cast<std::size_t>(((i * k + j) * P + y) * Q + x)];
          worst = std::max(worst, std::abs(va - vb));
        }
  return worst;
}

TEST(FilterTransform, KcrsKrscRoundTripAndPadding) {
  const Dims4 f{4, 3, 2, 5};
  const auto w = random_uniform(4 * 3 * 2 * 5, 1);
  const auto krsc = transform_filter(w, f, kKCRS, kKRSC);
  EXPECT_EQ(krsc[static_cast<std::size_t>(((1 * 2 + 1) * 5 + 4) * 3 + 2)],
            w[static_cast<std::size_t>(((1 * 3 + 2) * 2 + 1) * 5 + 4)]);
  EXPECT_EQ(transform_filter(krsc, f, kKRSC, kKCRS), w);
  const auto padded = transform_filter(w, f, kKCRS, kNHWC_C8);
  EXPECT_EQ(padded.size(), 4u * 2 * 5 * 8);
  for (std::size_t i = 0; i < padded.size(); ++i) {
    if (i % 8 >= 3) {
      ASSERT_EQ(padded[i], 0.0f) << i;
    }
  }
  EXPECT_THROW(transform_filter(w, f, kKCRS, kNHWC_S2D2), Error);
}

// conv(pad_c(x), pad_c(w)) == conv(x, w): the zero channels add nothing.
TEST(FilterTransform, ChannelPaddedConvolutionEqualsOriginal) {
  ConvShape sh;
  sh.n = 2; sh.c = 3; sh.h = 9; sh.w = 7; sh.k = 5; sh.r = 3; sh.s = 3;
  sh.pad_h = 1; sh.pad_w = 1;
  const Dims4 in{sh.n, sh.c, sh.h, sh.w}, fd{sh.k, sh.c, sh.r, sh.s};
  const auto x = random_uniform(sh.x_count(), 2);
  const auto w = random_uniform(sh.w_count(), 3);
  const auto ref = conv2d_reference(sh, x, w);

  for (TensorLayout padded : {kNHWC_C8, kNHWC_C32}) {
    const std::int64_t cp = stored_channels(in, padded);
    const auto xp = as_plain_nchw(transform_host<float>(x, in, kNCHW, padded), {sh.n, cp, sh.h, sh.w});
    const auto wp = as_plain_nchw(transform_filter(w, fd, kKCRS, padded), {sh.k, cp, sh.r, sh.s});
    ConvShape psh = sh;
    psh.c = cp;
    const auto got = conv2d_reference(psh, xp, wp);
    ASSERT_EQ(got.y.size(), ref.y.size());
    for (std::size_t i = 0; i < got.y.size(); ++i) ASSERT_NEAR(got.y[i], ref.y[i], 1e-12) << i;
  }
}

// Extra zero filters give extra zero output channels and leave the others alone.
TEST(FilterTransform, PaddedFilterCountAddsZeroOutputs) {
  const Dims4 fd{5, 3, 3, 3};
  const auto w = random_uniform(5 * 27, 4);
  const auto wk = pad_filter_count(w, fd, kKCRS, 8);
  ASSERT_EQ(wk.size(), 8u * 27);
  EXPECT_TRUE(std::equal(w.begin(), w.end(), wk.begin()));
  ConvShape sh;
  sh.n = 1; sh.c = 3; sh.h = 6; sh.w = 6; sh.k = 8; sh.r = 3; sh.s = 3;
  const auto x = random_uniform(sh.x_count(), 5);
  const auto out = conv2d_reference(sh, x, wk);
  for (std::size_t i = 5 * 16; i < out.y.size(); ++i) EXPECT_EQ(out.y[i], 0.0);
  EXPECT_EQ(pad_filter_count(w, fd, kKCRS, 5), w);
  const auto krsc8 = transform_filter(w, fd, kKCRS, kNHWC_C8);
  EXPECT_EQ(pad_filter_count(krsc8, fd, kNHWC_C8, 32).size(), 32u * 3 * 3 * 8);
  EXPECT_THROW(pad_filter_count(w, {4, 3, 3, 3}, kKCRS, 8), Error);
}

struct FoldCase {
  std::int64_t c, h, w, k, r, s, pad_h, pad_w;
};

// conv(x, w, stride 2, pad) == crop(conv(fold(x), fold(w), stride 1, pad')) for odd and even
// pads, kernels and input sizes, including ResNet's 7x7/2 pad 3 stem.
TEST(FilterTransform, FoldedStride2ConvolutionEqualsOriginal) {
  const FoldCase cases[] = {
      {3, 16, 16, 4, 7, 7, 3, 3},  // the ResNet stem, smaller
      {3, 15, 13, 4, 7, 7, 3, 3},  // odd input
      {2, 9, 10, 3, 3, 3, 1, 1},   // 3x3/2 pad 1
      {5, 8, 8, 2, 1, 1, 0, 0},    // 1x1/2 downsample
      {2, 11, 9, 3, 4, 4, 2, 1},   // even kernel, even/odd pads
      {1, 7, 7, 2, 2, 3, 0, 2},    // 2x3 kernel
      {3, 6, 6, 2, 5, 3, 2, 1},
  };
  std::uint32_t seed = 10;
  for (const FoldCase& fc : cases) {
    ConvShape sh;
    sh.n = 2; sh.c = fc.c; sh.h = fc.h; sh.w = fc.w; sh.k = fc.k; sh.r = fc.r; sh.s = fc.s;
    sh.stride_h = 2; sh.stride_w = 2; sh.pad_h = fc.pad_h; sh.pad_w = fc.pad_w;
    const auto x = random_uniform(sh.x_count(), seed++);
    const auto w = random_uniform(sh.w_count(), seed++);
    const auto ref = conv2d_reference(sh, x, w);

    const Dims4 in{sh.n, sh.c, sh.h, sh.w};
    const FoldedConv2d f = fold_conv2d(w, {sh.k, sh.c, sh.r, sh.s}, {sh.pad_h, sh.pad_w, 2, 2}, in);
    EXPECT_EQ(f.out_h, sh.p());
    EXPECT_EQ(f.out_w, sh.q());
    EXPECT_EQ(f.input_dims, folded_dims(in));
    const auto xf = as_plain_nchw(transform_host<float>(x, in, kNCHW, kNHWC_S2D2), f.input_dims);

    ConvShape fsh;
    fsh.n = sh.n; fsh.c = f.input_dims.c; fsh.h = f.input_dims.h; fsh.w = f.input_dims.w;
    fsh.k = sh.k; fsh.r = f.filter_dims.h; fsh.s = f.filter_dims.w;
    fsh.pad_h = f.geometry.pad_h; fsh.pad_w = f.geometry.pad_w;
    ASSERT_EQ(fsh.p(), f.folded_out_h);
    ASSERT_EQ(fsh.q(), f.folded_out_w);
    const auto got = conv2d_reference(fsh, xf, f.filter);
    EXPECT_LT(max_diff_cropped(ref.y, got.y, sh.n, sh.k, sh.p(), sh.q(), fsh.p(), fsh.q()), 1e-12)
        << sh.name();
  }
}

// Folded and then padded (3 -> 12 -> 16 channels): the stem's layout for Tensor Cores.
TEST(FilterTransform, FoldedThenChannelPaddedEqualsOriginal) {
  ConvShape sh;
  sh.n = 1; sh.c = 3; sh.h = 14; sh.w = 14; sh.k = 8; sh.r = 7; sh.s = 7;
  sh.stride_h = 2; sh.stride_w = 2; sh.pad_h = 3; sh.pad_w = 3;
  const auto x = random_uniform(sh.x_count(), 40);
  const auto w = random_uniform(sh.w_count(), 41);
  const auto ref = conv2d_reference(sh, x, w);
  const Dims4 in{sh.n, sh.c, sh.h, sh.w};
  const FoldedConv2d f = fold_conv2d(w, {sh.k, sh.c, sh.r, sh.s}, {3, 3, 2, 2}, in);
  EXPECT_EQ(f.filter_dims, (Dims4{8, 12, 4, 4}));
  EXPECT_EQ(f.geometry, (Conv2dGeometry{2, 2, 1, 1}));
  const std::int64_t cp = stored_channels(in, kNHWC_S2D2_C8);
  ASSERT_EQ(cp, 16);
  const auto xf = as_plain_nchw(transform_host<float>(x, in, kNCHW, kNHWC_S2D2_C8),
                                {1, cp, f.input_dims.h, f.input_dims.w});
  const auto wf = as_plain_nchw(transform_filter(f.filter, f.filter_dims, kKCRS, kNHWC_C8),
                                {sh.k, cp, f.filter_dims.h, f.filter_dims.w});
  ConvShape fsh;
  fsh.n = 1; fsh.c = cp; fsh.h = f.input_dims.h; fsh.w = f.input_dims.w;
  fsh.k = sh.k; fsh.r = 4; fsh.s = 4; fsh.pad_h = 2; fsh.pad_w = 2;
  const auto got = conv2d_reference(fsh, xf, wf);
  EXPECT_LT(max_diff_cropped(ref.y, got.y, 1, sh.k, sh.p(), sh.q(), fsh.p(), fsh.q()), 1e-12);
}

TEST(FilterTransform, FoldRejectsWhatItCannotRewrite) {
  const auto w = random_uniform(2 * 3 * 3 * 3, 50);
  const Dims4 fd{2, 3, 3, 3}, in{1, 3, 8, 8};
  EXPECT_THROW(fold_conv2d(w, fd, {1, 1, 1, 1}, in), Error);        // stride 1
  EXPECT_THROW(fold_conv2d(w, fd, {1, 1, 2, 2}, {1, 4, 8, 8}), Error);  // channel mismatch
  EXPECT_THROW(fold_conv2d(w, {2, 3, 3, 2}, {1, 1, 2, 2}, in), Error);  // weights size
  EXPECT_THROW(conv_output_size(2, 5, 1, 2), Error);
  EXPECT_EQ(conv_output_size(224, 7, 3, 2), 112);
}

}  // namespace
}  // namespace plantune::layouts
