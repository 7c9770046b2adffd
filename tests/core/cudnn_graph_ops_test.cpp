// Builders of the graph side (tensors, convolutions, conv-forward operations, pointwise
// operations, graphs), on descriptors cuDNN builds without a GPU.
#include "plantune/core/cudnn_graph_ops.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "plantune/core/error.h"

namespace {

using plantune::BackendDescriptor;
using plantune::Error;
using plantune::ErrorCode;
using V = std::vector<std::int64_t>;

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

TEST(PackedStrides, RowMajorAndChannelsLast) {
  const V dims = {2, 3, 4, 5};
  EXPECT_EQ(plantune::packed_strides(dims, false), (V{60, 20, 5, 1}));
  EXPECT_EQ(plantune::packed_strides(dims, true), (V{60, 1, 15, 3}));  // NHWC
  const V filters = {8, 4, 3, 3};
  EXPECT_EQ(plantune::packed_strides(filters, true), (V{36, 1, 12, 4}));  // KRSC
  const V volume = {1, 2, 3, 4, 5};
  EXPECT_EQ(plantune::packed_strides(volume, true), (V{120, 1, 40, 10, 2}));  // NDHWC
}

TEST(MakeTensor, FinalizedWithWhatWasAsked) {
  const V dims = {1, 8, 10, 12};
  const V strides = plantune::packed_strides(dims, true);
  BackendDescriptor t = plantune::make_tensor(42, CUDNN_DATA_HALF, dims, strides);
  EXPECT_TRUE(t.finalized());
  EXPECT_EQ(t.get_int64(CUDNN_ATTR_TENSOR_UNIQUE_ID), 42);
  EXPECT_EQ(t.get_int64s(CUDNN_ATTR_TENSOR_DIMENSIONS, 8), dims);
  EXPECT_EQ(t.get_int64s(CUDNN_ATTR_TENSOR_STRIDES, 8), strides);
}

TEST(MakeTensor, MismatchedStridesNameTheTensor) {
  try {
    plantune::make_tensor(5, CUDNN_DATA_FLOAT, V{1, 2, 3, 4}, V{24, 12, 4});
    FAIL() << "must throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_TRUE(contains(e.what(), "tensor uid 5: dims [1,2,3,4] and strides [24,12,4]"))
        << e.what();
  }
}

TEST(MakeConvolution, ArraysReadBack) {
  BackendDescriptor c =
      plantune::make_convolution(V{3, 2}, V{3, 1}, V{2, 2}, V{1, 2}, CUDNN_DATA_FLOAT);
  EXPECT_TRUE(c.finalized());
  EXPECT_EQ(c.get_int64(CUDNN_ATTR_CONVOLUTION_SPATIAL_DIMS), 2);
  EXPECT_EQ(c.get_int64s(CUDNN_ATTR_CONVOLUTION_PRE_PADDINGS, 4), (V{3, 2}));
  EXPECT_EQ(c.get_int64s(CUDNN_ATTR_CONVOLUTION_POST_PADDINGS, 4), (V{3, 1}));
  EXPECT_EQ(c.get_int64s(CUDNN_ATTR_CONVOLUTION_FILTER_STRIDES, 4), (V{2, 2}));
  EXPECT_EQ(c.get_int64s(CUDNN_ATTR_CONVOLUTION_DILATIONS, 4), (V{1, 2}));
  cudnnDataType_t compute = CUDNN_DATA_HALF;
  c.get(CUDNN_ATTR_CONVOLUTION_COMP_TYPE, CUDNN_TYPE_DATA_TYPE, 1, &compute);
  EXPECT_EQ(compute, CUDNN_DATA_FLOAT);
  EXPECT_THROW(plantune::make_convolution(V{1, 1}, V{1}, V{1, 1}, V{1, 1}, CUDNN_DATA_FLOAT),
               Error);
}

// x: 1x8x10x10, w: 16x8x3x3 (or 16x2x3x3 for 4 groups), pad 1, stride 1 -> y: 1x16x10x10.
struct ConvParts {
  BackendDescriptor x, w, y, conv;
};
ConvParts conv_parts(std::int64_t c_per_group, std::int64_t out_h) {
  const V xd = {1, 8, 10, 10}, wd = {16, c_per_group, 3, 3}, yd = {1, 16, out_h, out_h};
  return {plantune::make_tensor(1, CUDNN_DATA_FLOAT, xd, plantune::packed_strides(xd, false)),
          plantune::make_tensor(2, CUDNN_DATA_FLOAT, wd, plantune::packed_strides(wd, false)),
          plantune::make_tensor(3, CUDNN_DATA_FLOAT, yd, plantune::packed_strides(yd, false)),
          plantune::make_convolution(V{1, 1}, V{1, 1}, V{1, 1}, V{1, 1}, CUDNN_DATA_FLOAT)};
}

TEST(MakeConvForward, AcceptsConsistentShapesIncludingGroups) {
  for (std::int64_t cg : {8, 2}) {  // dense, then 4 groups (cuDNN infers groups = 8 / 2)
    ConvParts p = conv_parts(cg, 10);
    BackendDescriptor op = plantune::make_conv_forward(p.x, p.w, p.y, p.conv, CUDNN_DATA_FLOAT);
    EXPECT_TRUE(op.finalized()) << "C/groups = " << cg;
  }
}

TEST(MakeConvForward, RejectsAnOutputOfTheWrongSize) {
  ConvParts p = conv_parts(8, 9);  // pad 1 keeps 10x10, not 9x9
  EXPECT_THROW(plantune::make_conv_forward(p.x, p.w, p.y, p.conv, CUDNN_DATA_FLOAT), Error);
}

TEST(MakeConvForward, RejectsDescriptorsInTheWrongRole) {
  ConvParts p = conv_parts(8, 10);
  try {
    plantune::make_conv_forward(p.conv, p.w, p.y, p.conv, CUDNN_DATA_FLOAT);
    FAIL() << "must throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_TRUE(contains(e.what(),
                         "conv forward X must be a CUDNN_BACKEND_TENSOR_DESCRIPTOR, "
                         "got CUDNN_BACKEND_CONVOLUTION_DESCRIPTOR"))
        << e.what();
  }
}

TEST(MakePointwise, ActivationsAndAddFinalize) {
  // (cuDNN 9.19 does not read a pointwise operator's attributes back: finalizing is the check.)
  for (cudnnPointwiseMode_t mode : {CUDNN_POINTWISE_ADD, CUDNN_POINTWISE_RELU_FWD,
                                    CUDNN_POINTWISE_SIGMOID_FWD, CUDNN_POINTWISE_SWISH_FWD,
                                    CUDNN_POINTWISE_GELU_FWD}) {
    EXPECT_TRUE(plantune::make_pointwise(mode).finalized()) << static_cast<int>(mode);
  }
  plantune::PointwiseParams relu6;
  relu6.relu_upper_clip = 6.0;
  EXPECT_TRUE(
      plantune::make_pointwise(CUDNN_POINTWISE_RELU_FWD, CUDNN_DATA_FLOAT, relu6).finalized());
}

// conv -> (virtual fp32) -> + bias [1,K,1,1] -> (virtual) -> + z -> (virtual) -> relu -> y,
// NHWC fp16 as a fused ResNet layer; the graph finalizes without a handle.
TEST(MakePointwiseOp, ConvBiasAddReluGraphFinalizes) {
  const bool cl = true;
  const V xd = {2, 8, 10, 10}, wd = {16, 8, 3, 3}, yd = {2, 16, 10, 10}, bd = {1, 16, 1, 1};
  auto t = [&](std::int64_t uid, cudnnDataType_t dt, const V& d, bool is_virtual = false) {
    return plantune::make_tensor(uid, dt, d, plantune::packed_strides(d, cl), 16, is_virtual);
  };
  BackendDescriptor x = t(1, CUDNN_DATA_HALF, xd), w = t(2, CUDNN_DATA_HALF, wd),
                    y = t(3, CUDNN_DATA_HALF, yd), bias = t(4, CUDNN_DATA_HALF, bd),
                    z = t(5, CUDNN_DATA_HALF, yd);
  BackendDescriptor acc = t(101, CUDNN_DATA_FLOAT, yd, true),
                    biased = t(102, CUDNN_DATA_FLOAT, yd, true),
                    summed = t(103, CUDNN_DATA_FLOAT, yd, true);
  BackendDescriptor conv =
      plantune::make_convolution(V{1, 1}, V{1, 1}, V{1, 1}, V{1, 1}, CUDNN_DATA_FLOAT);
  BackendDescriptor add = plantune::make_pointwise(CUDNN_POINTWISE_ADD);
  BackendDescriptor relu = plantune::make_pointwise(CUDNN_POINTWISE_RELU_FWD);
  std::vector<BackendDescriptor> ops;
  ops.push_back(plantune::make_conv_forward(x, w, acc, conv, CUDNN_DATA_FLOAT));
  ops.push_back(plantune::make_pointwise_op(add, acc, bias, biased));
  ops.push_back(plantune::make_pointwise_op(add, biased, z, summed));
  ops.push_back(plantune::make_pointwise_op(relu, summed, y));
  for (const BackendDescriptor& op : ops) EXPECT_TRUE(op.finalized());
  BackendDescriptor g = plantune::make_operation_graph(nullptr, ops);
  EXPECT_TRUE(g.finalized());
}

TEST(MakePointwiseOp, RejectsDescriptorsInTheWrongRole) {
  const V yd = {1, 4, 2, 2};
  BackendDescriptor y = plantune::make_tensor(1, CUDNN_DATA_FLOAT, yd, plantune::packed_strides(yd, false));
  BackendDescriptor add = plantune::make_pointwise(CUDNN_POINTWISE_ADD);
  try {
    plantune::make_pointwise_op(y, y, y);
    FAIL() << "must throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_TRUE(contains(e.what(), "pointwise operator must be a CUDNN_BACKEND_POINTWISE_DESCRIPTOR"))
        << e.what();
  }
  EXPECT_THROW(plantune::make_pointwise_op(add, add, y, y), Error);
}

TEST(MakeOperationGraph, RejectsNoOperations) {
  EXPECT_THROW(plantune::make_operation_graph(nullptr, {}), Error);
}

}  // namespace
