#include "plantune/core/op.h"

#include <gtest/gtest.h>

#include <string>

#include "plantune/core/error.h"

namespace plantune {
namespace {

using Dims = std::vector<std::int64_t>;

Op make_op(std::string name, OpKind kind, OpAttrs attrs) {
  Op op;
  op.name = std::move(name);
  op.kind = kind;
  op.attrs = std::move(attrs);
  return op;
}

ConvAttrs conv_attrs(std::int64_t k_out, std::int64_t k, std::int64_t s, std::int64_t p,
                     std::int64_t groups = 1, bool bias = false, std::int64_t dilation = 1) {
  ConvAttrs a;
  a.out_channels = k_out;
  a.kernel_h = a.kernel_w = k;
  a.stride_h = a.stride_w = s;
  a.pad_h = a.pad_w = p;
  a.groups = groups;
  a.bias = bias;
  a.dilation_h = a.dilation_w = dilation;
  return a;
}

PoolAttrs pool_attrs(std::int64_t k, std::int64_t s, std::int64_t p, bool ceil_mode = false) {
  PoolAttrs a;
  a.kernel_h = a.kernel_w = k;
  a.stride_h = a.stride_w = s;
  a.pad_h = a.pad_w = p;
  a.ceil_mode = ceil_mode;
  return a;
}

Dims infer(const Op& op, std::vector<TensorShape> in) { return infer_output_shape(op, in).dims; }

// The message of the Error `f` throws, after checking its code.
template <class F>
std::string error_of(F&& f, ErrorCode code = ErrorCode::invalid_argument) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no Error thrown";
  return {};
}

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)

TEST(OpNames, EveryKindRoundTrips) {
  int n = 0;
  for (int i = 0; i <= static_cast<int>(OpKind::upsample); ++i, ++n) {
    auto k = static_cast<OpKind>(i);
    ASSERT_NE(to_string(k), "unknown");
    EXPECT_EQ(op_kind_from_string(to_string(k)), k);
  }
  EXPECT_EQ(n, 15);
  EXPECT_EQ(to_string(OpKind::conv_transpose2d), "conv_transpose2d");
  EXPECT_EQ(to_string(OpKind::fully_connected), "fully_connected");
  EXPECT_FALSE(op_kind_from_string("Conv").has_value());
  EXPECT_FALSE(op_kind_from_string("").has_value());
}

TEST(OpNames, ActivationsAndUpsampleModesRoundTrip) {
  for (int i = 0; i <= static_cast<int>(Activation::hard_swish); ++i) {
    auto a = static_cast<Activation>(i);
    ASSERT_NE(to_string(a), "unknown");
    EXPECT_EQ(activation_from_string(to_string(a)), a);
  }
  EXPECT_EQ(to_string(Activation::hard_swish), "hard_swish");
  EXPECT_FALSE(activation_from_string("ReLU").has_value());
  EXPECT_EQ(upsample_mode_from_string("bilinear"), UpsampleMode::bilinear);
  EXPECT_EQ(upsample_mode_from_string("nearest"), UpsampleMode::nearest);
  EXPECT_FALSE(upsample_mode_from_string("bicubic").has_value());
}

TEST(OpAttrs, DefaultAttrsMatchTheirKind) {
  for (int i = 0; i <= static_cast<int>(OpKind::upsample); ++i) {
    auto k = static_cast<OpKind>(i);
    EXPECT_TRUE(attrs_match(k, default_attrs(k))) << to_string(k);
  }
  EXPECT_TRUE(std::holds_alternative<ConvAttrs>(default_attrs(OpKind::conv_transpose2d)));
  EXPECT_TRUE(std::holds_alternative<NoAttrs>(default_attrs(OpKind::global_avg_pool)));
  EXPECT_TRUE(std::holds_alternative<EltwiseAttrs>(default_attrs(OpKind::mul)));
  EXPECT_FALSE(attrs_match(OpKind::conv2d, PoolAttrs{}));
  EXPECT_FALSE(attrs_match(OpKind::add, NoAttrs{}));
}

TEST(OpInfer, WrongAttrsTypeNamesTheOp) {
  auto op = make_op("c1", OpKind::conv2d, PoolAttrs{});
  auto msg = error_of([&] { infer(op, {TensorShape{{1, 3, 8, 8}}}); });
  EXPECT_CONTAINS(msg, "op 'c1' (conv2d): attributes are of the wrong type");
}

TEST(OpInfer, ConvOutputSizes) {
  // ResNet stem: 7x7 s2 p3 on 224 -> 112
  auto stem = make_op("conv1", OpKind::conv2d, conv_attrs(64, 7, 2, 3));
  EXPECT_EQ(infer(stem, {TensorShape{{8, 3, 224, 224}}}), (Dims{8, 64, 112, 112}));
  // 3x3 s2 p1 on an odd size: floor((7 + 2 - 3) / 2) + 1 = 4
  auto down = make_op("d", OpKind::conv2d, conv_attrs(16, 3, 2, 1));
  EXPECT_EQ(infer(down, {TensorShape{{1, 8, 7, 7}}}), (Dims{1, 16, 4, 4}));
  // dilation 2, no padding: 10 - 2*(3-1) = 6
  auto dil = make_op("dil", OpKind::conv2d, conv_attrs(4, 3, 1, 0, 1, false, 2));
  EXPECT_EQ(infer(dil, {TensorShape{{1, 4, 10, 12}}}), (Dims{1, 4, 6, 8}));
  // rectangular kernel and stride
  ConvAttrs r = conv_attrs(5, 1, 1, 0);
  r.kernel_h = 3, r.kernel_w = 1, r.stride_h = 1, r.stride_w = 2, r.pad_h = 1;
  EXPECT_EQ(infer(make_op("r", OpKind::conv2d, r), {TensorShape{{2, 5, 9, 9}}}),
            (Dims{2, 5, 9, 5}));
  // depthwise
  auto dw = make_op("dw", OpKind::conv2d, conv_attrs(32, 3, 1, 1, 32));
  EXPECT_EQ(infer(dw, {TensorShape{{1, 32, 14, 14}}}), (Dims{1, 32, 14, 14}));
}

TEST(OpInfer, ConvKeepsLayout) {
  auto op = make_op("c", OpKind::conv2d, conv_attrs(8, 1, 1, 0));
  auto out = infer_output_shape(op, std::vector{TensorShape{{1, 4, 5, 5}, Layout::nhwc}});
  EXPECT_EQ(out, (TensorShape{{1, 8, 5, 5}, Layout::nhwc}));
}

TEST(OpInfer, ConvErrorsNameTheOp) {
  auto grp = make_op("layer1.0.conv2", OpKind::conv2d, conv_attrs(64, 3, 1, 1, 3));
  EXPECT_CONTAINS(error_of([&] {
                    infer(grp, {TensorShape{{1, 64, 56, 56}}});
                  }),
                  "op 'layer1.0.conv2' (conv2d): input has 64 channels but groups=3 does not "
                  "divide it");
  auto kgrp = make_op("g", OpKind::conv2d, conv_attrs(10, 3, 1, 1, 4));
  EXPECT_CONTAINS(error_of([&] {
                    infer(kgrp, {TensorShape{{1, 8, 5, 5}}});
                  }),
                  "out_channels=10 but groups=4");
  auto big = make_op("big", OpKind::conv2d, conv_attrs(4, 7, 1, 0));
  EXPECT_CONTAINS(error_of([&] {
                    infer(big, {TensorShape{{1, 4, 5, 5}}});
                  }),
                  "op 'big' (conv2d): input H=5 with padding 0 is smaller than the dilated "
                  "kernel extent 7");
  auto rank = make_op("r3", OpKind::conv2d, conv_attrs(4, 1, 1, 0));
  EXPECT_CONTAINS(error_of([&] {
                    infer(rank, {TensorShape{{1, 4, 5}}});
                  }),
                  "op 'r3' (conv2d): input must be 4-D");
  auto zero = make_op("z", OpKind::conv2d, conv_attrs(0, 1, 1, 0));
  EXPECT_CONTAINS(error_of([&] {
                    infer(zero, {TensorShape{{1, 4, 5, 5}}});
                  }),
                  "out_channels must be > 0");
  auto two = make_op("two", OpKind::conv2d, conv_attrs(4, 1, 1, 0));
  EXPECT_CONTAINS(error_of([&] {
                    infer(two, {TensorShape{{1, 4, 5, 5}}, TensorShape{{1, 4, 5, 5}}});
                  }),
                  "op 'two' (conv2d): takes 1 input, got 2");
  ConvAttrs opad = conv_attrs(4, 3, 2, 1);
  opad.output_pad_h = 1;
  EXPECT_CONTAINS(error_of([&] {
                    infer(make_op("o", OpKind::conv2d, opad), {TensorShape{{1, 4, 8, 8}}});
                  }),
                  "output_pad applies to conv_transpose2d only");
  auto neg = make_op("neg", OpKind::conv2d, conv_attrs(4, 1, 1, 0));
  EXPECT_CONTAINS(error_of([&] {
                    infer(neg, {TensorShape{{1, 4, 0, 5}}});
                  }),
                  "op 'neg' (conv2d): input 0 has a non-positive dim");
}

TEST(OpInfer, ConvTransposeOutputSizes) {
  // UNet up-convolution: k2 s2 doubles
  auto up = make_op("up", OpKind::conv_transpose2d, conv_attrs(32, 2, 2, 0, 1, true));
  EXPECT_EQ(infer(up, {TensorShape{{1, 64, 28, 28}}}), (Dims{1, 32, 56, 56}));
  // (28-1)*2 - 2*1 + 1*(3-1) + 1 + 1 = 56
  ConvAttrs a = conv_attrs(16, 3, 2, 1);
  a.output_pad_h = a.output_pad_w = 1;
  EXPECT_EQ(infer(make_op("t", OpKind::conv_transpose2d, a), {TensorShape{{1, 8, 28, 28}}}),
            (Dims{1, 16, 56, 56}));
  // output_pad must be smaller than stride or dilation
  a.output_pad_h = 2;
  EXPECT_CONTAINS(error_of([&] {
                    infer(make_op("t", OpKind::conv_transpose2d, a), {TensorShape{{1, 8, 4, 4}}});
                  }),
                  "op 't' (conv_transpose2d): output_pad 2x1 must be smaller");
}

TEST(OpInfer, PoolingLikePyTorch) {
  auto mp = make_op("maxpool", OpKind::max_pool, pool_attrs(3, 2, 1));
  EXPECT_EQ(infer(mp, {TensorShape{{1, 64, 112, 112}}}), (Dims{1, 64, 56, 56}));
  auto floor_mode = make_op("p", OpKind::max_pool, pool_attrs(2, 2, 0, false));
  auto ceil_mode = make_op("p", OpKind::max_pool, pool_attrs(2, 2, 0, true));
  EXPECT_EQ(infer(floor_mode, {TensorShape{{1, 1, 7, 6}}}), (Dims{1, 1, 3, 3}));
  EXPECT_EQ(infer(ceil_mode, {TensorShape{{1, 1, 7, 6}}}), (Dims{1, 1, 4, 3}));
  // ceil_mode drops a last window that would start in the right padding:
  // H=4, k=2, s=3, p=1: ceil((4+2-2)/3)+1 = 3, but window 3 starts at 6 >= 4+1 -> 2
  auto drop = make_op("p", OpKind::avg_pool, pool_attrs(2, 3, 1, true));
  EXPECT_EQ(infer(drop, {TensorShape{{1, 1, 4, 4}}}), (Dims{1, 1, 2, 2}));
  auto half = make_op("half", OpKind::avg_pool, pool_attrs(2, 2, 2));
  EXPECT_CONTAINS(error_of([&] {
                    infer(half, {TensorShape{{1, 1, 8, 8}}});
                  }),
                  "op 'half' (avg_pool): padding 2x2 must be at most half the kernel 2x2");
  auto small = make_op("small", OpKind::max_pool, pool_attrs(3, 1, 0));
  EXPECT_CONTAINS(error_of([&] {
                    infer(small, {TensorShape{{1, 1, 2, 8}}});
                  }),
                  "op 'small' (max_pool): input H=2 with padding 0 is smaller than the window 3");
}

TEST(OpInfer, GlobalPoolActivationBatchNormSoftmax) {
  auto gap = make_op("gap", OpKind::global_avg_pool, NoAttrs{});
  EXPECT_EQ(infer(gap, {TensorShape{{4, 512, 7, 7}}}), (Dims{4, 512, 1, 1}));
  auto relu = make_op("relu", OpKind::activation, ActivationAttrs{Activation::relu});
  EXPECT_EQ(infer(relu, {TensorShape{{4, 5}}}), (Dims{4, 5}));
  auto none = make_op("id", OpKind::activation, ActivationAttrs{Activation::none});
  EXPECT_CONTAINS(error_of([&] {
                    infer(none, {TensorShape{{4, 5}}});
                  }),
                  "op 'id' (activation): activation 'none' is not an operation");
  auto bn = make_op("bn", OpKind::batch_norm, BatchNormAttrs{});
  EXPECT_EQ(infer(bn, {TensorShape{{2, 3, 4, 5}}}), (Dims{2, 3, 4, 5}));
  auto bad_eps = make_op("bn", OpKind::batch_norm, BatchNormAttrs{0.0});
  EXPECT_CONTAINS(error_of([&] { infer(bad_eps, {TensorShape{{2, 3}}}); }), "epsilon must be > 0");
  auto sm = make_op("sm", OpKind::softmax, SoftmaxAttrs{-1});
  EXPECT_EQ(infer(sm, {TensorShape{{2, 10}}}), (Dims{2, 10}));
  auto sm_bad = make_op("sm", OpKind::softmax, SoftmaxAttrs{2});
  EXPECT_CONTAINS(error_of([&] {
                    infer(sm_bad, {TensorShape{{2, 10}}});
                  }),
                  "op 'sm' (softmax): axis=2 is out of range for a rank-2 input");
}

TEST(OpInfer, AddAndMul) {
  auto add = make_op("res", OpKind::add, EltwiseAttrs{Activation::relu});
  EXPECT_EQ(infer(add, {TensorShape{{1, 64, 8, 8}}, TensorShape{{1, 64, 8, 8}}}),
            (Dims{1, 64, 8, 8}));
  EXPECT_CONTAINS(
      error_of([&] {
        infer(add, {TensorShape{{1, 64, 8, 8}}, TensorShape{{1, 32, 8, 8}}});
      }),
      "op 'res' (add): inputs must have one shape, got [1, 64, 8, 8] and [1, 32, 8, 8]");
  EXPECT_CONTAINS(error_of([&] {
                    infer(add, {TensorShape{{1, 64, 8, 8}}});
                  }),
                  "op 'res' (add): takes 2 inputs, got 1");
  auto mul = make_op("se.scale", OpKind::mul, EltwiseAttrs{});
  EXPECT_EQ(infer(mul, {TensorShape{{2, 64, 8, 8}}, TensorShape{{2, 64, 1, 1}}}),
            (Dims{2, 64, 8, 8}));
  EXPECT_EQ(infer(mul, {TensorShape{{2, 64, 8, 8}}, TensorShape{{2, 64, 8, 8}}}),
            (Dims{2, 64, 8, 8}));
  EXPECT_CONTAINS(
      error_of([&] {
        infer(mul, {TensorShape{{2, 64, 8, 8}}, TensorShape{{2, 32, 1, 1}}});
      }),
      "op 'se.scale' (mul): second input [2, 32, 1, 1] must equal the first [2, 64, 8, 8] or be "
      "[N, C, 1, 1] = [2, 64, 1, 1]");
}

TEST(OpInfer, Concat) {
  auto cat = make_op("cat", OpKind::concat, ConcatAttrs{1});
  EXPECT_EQ(infer(cat, {TensorShape{{1, 64, 28, 28}}, TensorShape{{1, 32, 28, 28}},
                        TensorShape{{1, 8, 28, 28}}}),
            (Dims{1, 104, 28, 28}));
  auto neg = make_op("cat", OpKind::concat, ConcatAttrs{-3});
  EXPECT_EQ(infer(neg, {TensorShape{{1, 64, 28, 28}}, TensorShape{{1, 32, 28, 28}}}),
            (Dims{1, 96, 28, 28}));
  EXPECT_CONTAINS(
      error_of([&] {
        infer(cat, {TensorShape{{1, 64, 28, 28}}, TensorShape{{1, 32, 27, 28}}});
      }),
      "op 'cat' (concat): input 1 [1, 32, 27, 28] does not match input 0 [1, 64, 28, 28] in "
      "every dim except axis 1");
  EXPECT_CONTAINS(error_of([&] {
                    infer(cat, {TensorShape{{1, 64, 28, 28}}});
                  }),
                  "takes two or more inputs, got 1");
  EXPECT_CONTAINS(error_of([&] {
                    infer(cat, {TensorShape{{1, 64, 28, 28}}, TensorShape{{1, 64, 28}}});
                  }),
                  "does not match input 0");
}

TEST(OpInfer, FullyConnected) {
  auto fc = make_op("fc", OpKind::fully_connected, FullyConnectedAttrs{1000, true});
  EXPECT_EQ(infer(fc, {TensorShape{{8, 512}}}), (Dims{8, 1000}));
  EXPECT_EQ(infer(fc, {TensorShape{{8, 512, 1, 1}}}), (Dims{8, 1000}));
  EXPECT_CONTAINS(error_of([&] {
                    infer(fc, {TensorShape{{8, 512, 7, 7}}});
                  }),
                  "op 'fc' (fully_connected): input [8, 512, 7, 7] has spatial dims > 1; "
                  "flatten it first");
  EXPECT_CONTAINS(error_of([&] {
                    infer(fc, {TensorShape{{8, 512, 7}}});
                  }),
                  "input must be [N, F] or [N, F, 1, 1]");
}

TEST(OpInfer, FlattenReshapeUpsample) {
  auto fl = make_op("flat", OpKind::flatten, FlattenAttrs{1});
  EXPECT_EQ(infer(fl, {TensorShape{{2, 512, 7, 7}}}), (Dims{2, 25088}));
  auto fl2 = make_op("flat", OpKind::flatten, FlattenAttrs{2});
  EXPECT_EQ(infer(fl2, {TensorShape{{2, 3, 4, 5}}}), (Dims{2, 3, 20}));
  auto fl_bad = make_op("flat", OpKind::flatten, FlattenAttrs{4});
  EXPECT_CONTAINS(error_of([&] {
                    infer(fl_bad, {TensorShape{{2, 3, 4, 5}}});
                  }),
                  "start_axis=4 is out of range");

  auto rs = make_op("rs", OpKind::reshape, ReshapeAttrs{{-1, 4}});
  EXPECT_EQ(infer(rs, {TensorShape{{2, 3, 4}}}), (Dims{6, 4}));
  auto rs2 = make_op("rs", OpKind::reshape, ReshapeAttrs{{-1, -1}});
  EXPECT_CONTAINS(error_of([&] {
                    infer(rs2, {TensorShape{{2, 3, 4}}});
                  }),
                  "op 'rs' (reshape): shape has more than one -1");
  auto rs3 = make_op("rs", OpKind::reshape, ReshapeAttrs{{5, 5}});
  EXPECT_CONTAINS(error_of([&] {
                    infer(rs3, {TensorShape{{2, 3, 4}}});
                  }),
                  "shape [5, 5] has 25 elements but the input [2, 3, 4] has 24");
  auto rs4 = make_op("rs", OpKind::reshape, ReshapeAttrs{{-1, 5}});
  EXPECT_CONTAINS(error_of([&] {
                    infer(rs4, {TensorShape{{2, 3, 4}}});
                  }),
                  "cannot infer the -1 dim");
  auto rs5 = make_op("rs", OpKind::reshape, ReshapeAttrs{{0, 24}});
  EXPECT_CONTAINS(error_of([&] { infer(rs5, {TensorShape{{2, 3, 4}}}); }), "shape dim 0 is 0");

  auto up = make_op("up", OpKind::upsample, UpsampleAttrs{2, 3, UpsampleMode::bilinear});
  EXPECT_EQ(infer(up, {TensorShape{{1, 8, 4, 5}}}), (Dims{1, 8, 8, 15}));
  auto up_bad = make_op("up", OpKind::upsample, UpsampleAttrs{0, 1, UpsampleMode::nearest});
  EXPECT_CONTAINS(error_of([&] {
                    infer(up_bad, {TensorShape{{1, 8, 4, 5}}});
                  }),
                  "op 'up' (upsample): scale must be >= 1");
  auto up_huge = make_op("up", OpKind::upsample,
                         UpsampleAttrs{std::int64_t{1} << 62, 1, UpsampleMode::nearest});
  EXPECT_CONTAINS(error_of(
                      [&] {
                        infer(up_huge, {TensorShape{{1, 8, 4, 5}}});
                      },
                      ErrorCode::overflow),
                  "op 'up' (upsample): size overflows 64 bits");
}

TEST(OpCounts, ConvParamsMacsFlops) {
  // ResNet-18 layer1 3x3 conv: 64*64*9 weights, 56*56*64*64*9 MACs per image
  auto op = make_op("c", OpKind::conv2d, conv_attrs(64, 3, 1, 1));
  std::vector in{TensorShape{{2, 64, 56, 56}}};
  auto out = infer_output_shape(op, in);
  EXPECT_EQ(op_params(op, in), 36864);
  EXPECT_EQ(op_macs(op, in, out), 2LL * 56 * 56 * 64 * 64 * 9);
  EXPECT_EQ(op_flops(op, in, out), 2 * op_macs(op, in, out));
  // stem with bias: 64*3*49 + 64
  auto stem = make_op("s", OpKind::conv2d, conv_attrs(64, 7, 2, 3, 1, true));
  EXPECT_EQ(op_params(stem, std::vector{TensorShape{{1, 3, 224, 224}}}), 9408 + 64);
  // depthwise: K * (C/g) * 3 * 3 = 32 * 1 * 9
  auto dw = make_op("dw", OpKind::conv2d, conv_attrs(32, 3, 1, 1, 32));
  std::vector dwin{TensorShape{{1, 32, 14, 14}}};
  EXPECT_EQ(op_params(dw, dwin), 288);
  EXPECT_EQ(op_macs(dw, dwin, infer_output_shape(dw, dwin)), 14LL * 14 * 32 * 9);
}

TEST(OpCounts, ConvTransposeParamsMacs) {
  // weight C x K/g x R x S = 64*32*2*2, + 32 bias; MACs N*C*H*W*(K/g)*R*S
  auto up = make_op("up", OpKind::conv_transpose2d, conv_attrs(32, 2, 2, 0, 1, true));
  std::vector in{TensorShape{{1, 64, 28, 28}}};
  auto out = infer_output_shape(up, in);
  EXPECT_EQ(op_params(up, in), 64 * 32 * 4 + 32);
  EXPECT_EQ(op_macs(up, in, out), 64LL * 28 * 28 * 32 * 4);
  // grouped: C x K/g: 8 x (12/4) x 3 x 3
  auto g = make_op("g", OpKind::conv_transpose2d, conv_attrs(12, 3, 1, 1, 4));
  EXPECT_EQ(op_params(g, std::vector{TensorShape{{1, 8, 5, 5}}}), 8 * 3 * 9);
}

TEST(OpCounts, FullyConnectedBatchNormAndOthers) {
  auto fc = make_op("fc", OpKind::fully_connected, FullyConnectedAttrs{1000, true});
  std::vector in{TensorShape{{4, 512}}};
  auto out = infer_output_shape(fc, in);
  EXPECT_EQ(op_params(fc, in), 512 * 1000 + 1000);
  EXPECT_EQ(op_macs(fc, in, out), 4LL * 512 * 1000);
  EXPECT_EQ(op_flops(fc, in, out), 2LL * 4 * 512 * 1000);
  auto fc_nb = make_op("fc", OpKind::fully_connected, FullyConnectedAttrs{10, false});
  EXPECT_EQ(op_params(fc_nb, std::vector{TensorShape{{4, 512, 1, 1}}}), 5120);

  auto bn = make_op("bn", OpKind::batch_norm, BatchNormAttrs{});
  std::vector bin{TensorShape{{4, 64, 8, 8}}};
  EXPECT_EQ(op_params(bn, bin), 128);
  EXPECT_EQ(op_macs(bn, bin, bin[0]), 0);
  EXPECT_EQ(op_flops(bn, bin, bin[0]), 4 * 64 * 8 * 8);

  auto mp = make_op("mp", OpKind::max_pool, pool_attrs(3, 2, 1));
  std::vector pin{TensorShape{{1, 64, 112, 112}}};
  auto pout = infer_output_shape(mp, pin);
  EXPECT_EQ(op_params(mp, pin), 0);
  EXPECT_EQ(op_flops(mp, pin, pout), 64LL * 56 * 56 * 9);  // one per window element read

  auto gap = make_op("gap", OpKind::global_avg_pool, NoAttrs{});
  std::vector gin{TensorShape{{2, 512, 7, 7}}};
  EXPECT_EQ(op_flops(gap, gin, infer_output_shape(gap, gin)), 2 * 512 * 49);

  auto flat = make_op("flat", OpKind::flatten, FlattenAttrs{});
  EXPECT_EQ(op_flops(flat, gin, infer_output_shape(flat, gin)), 0);
  auto relu = make_op("relu", OpKind::activation, ActivationAttrs{});
  EXPECT_EQ(op_flops(relu, gin, gin[0]), 2 * 512 * 49);
}

TEST(OpKinds, Views) {
  EXPECT_TRUE(is_view(OpKind::flatten));
  EXPECT_TRUE(is_view(OpKind::reshape));
  EXPECT_FALSE(is_view(OpKind::concat));
  EXPECT_FALSE(is_view(OpKind::activation));
  EXPECT_FALSE(is_view(OpKind::conv2d));
}

}  // namespace
}  // namespace plantune
