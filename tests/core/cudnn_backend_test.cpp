// BackendDescriptor on descriptors cuDNN builds without a GPU: attributes set and read back,
// errors that name the descriptor and attribute, try_finalize outcomes, ownership.
#include "plantune/core/cudnn_backend.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "plantune/core/error.h"

namespace {

using plantune::BackendDescriptor;
using plantune::Error;
using plantune::ErrorCode;

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// A 4-D fp32 tensor with the given strides (not finalized).
BackendDescriptor tensor(std::int64_t uid, std::vector<std::int64_t> dims,
                         std::vector<std::int64_t> strides) {
  BackendDescriptor t(CUDNN_BACKEND_TENSOR_DESCRIPTOR);
  t.set_int64(CUDNN_ATTR_TENSOR_UNIQUE_ID, uid)
      .set_data_type(CUDNN_ATTR_TENSOR_DATA_TYPE, CUDNN_DATA_FLOAT)
      .set_int64s(CUDNN_ATTR_TENSOR_DIMENSIONS, dims)
      .set_int64s(CUDNN_ATTR_TENSOR_STRIDES, strides)
      .set_int64(CUDNN_ATTR_TENSOR_BYTE_ALIGNMENT, 16);
  return t;
}

TEST(BackendDescriptor, TensorAttributesReadBack) {
  BackendDescriptor t = tensor(7, {2, 3, 4, 5}, {60, 1, 15, 3});  // NHWC strides
  EXPECT_EQ(t.type(), CUDNN_BACKEND_TENSOR_DESCRIPTOR);
  EXPECT_FALSE(t.finalized());
  t.finalize();
  EXPECT_TRUE(t.finalized());
  EXPECT_EQ(t.get_int64(CUDNN_ATTR_TENSOR_UNIQUE_ID), 7);
  EXPECT_EQ(t.get_int64s(CUDNN_ATTR_TENSOR_DIMENSIONS, 8), (std::vector<std::int64_t>{2, 3, 4, 5}));
  EXPECT_EQ(t.get_int64s(CUDNN_ATTR_TENSOR_STRIDES, 8), (std::vector<std::int64_t>{60, 1, 15, 3}));
  EXPECT_EQ(t.element_count(CUDNN_ATTR_TENSOR_DIMENSIONS, CUDNN_TYPE_INT64), 4);
  cudnnDataType_t dtype = CUDNN_DATA_HALF;
  EXPECT_EQ(t.get(CUDNN_ATTR_TENSOR_DATA_TYPE, CUDNN_TYPE_DATA_TYPE, 1, &dtype), 1);
  EXPECT_EQ(dtype, CUDNN_DATA_FLOAT);
}

TEST(BackendDescriptor, RejectedAttributeNamesDescriptorAndAttribute) {
  BackendDescriptor t(CUDNN_BACKEND_TENSOR_DESCRIPTOR);
  try {
    t.set_data_type(CUDNN_ATTR_CONVOLUTION_COMP_TYPE, CUDNN_DATA_FLOAT);
    FAIL() << "a convolution attribute on a tensor descriptor must be rejected";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::cudnn_error);
    const std::string what = e.what();
    EXPECT_TRUE(contains(what,
                         "setting CUDNN_ATTR_CONVOLUTION_COMP_TYPE (1 element(s)) on a "
                         "CUDNN_BACKEND_TENSOR_DESCRIPTOR: cuDNN error "
                         "CUDNN_STATUS_BAD_PARAM"))
        << what;
  }
}

TEST(BackendDescriptor, TryFinalizeReportsRejectionWithoutThrowing) {
  // Four dims but three strides: cuDNN refuses at finalize.
  BackendDescriptor t = tensor(1, {1, 2, 3, 4}, {24, 12, 4});
  const cudnnStatus_t s = t.try_finalize();
  EXPECT_NE(s, CUDNN_STATUS_SUCCESS);
  EXPECT_EQ(t.finalize_status(), s);
  EXPECT_FALSE(t.finalized());
  // finalize() on the same problem throws, naming the descriptor type.
  BackendDescriptor u = tensor(2, {1, 2, 3, 4}, {24, 12, 4});
  try {
    u.finalize();
    FAIL() << "finalize must throw";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "finalizing a CUDNN_BACKEND_TENSOR_DESCRIPTOR: cuDNN error"))
        << e.what();
  }
}

TEST(BackendDescriptor, MoveTransfersOwnership) {
  BackendDescriptor a = tensor(3, {1, 1, 1, 1}, {1, 1, 1, 1});
  a.finalize();
  const cudnnBackendDescriptor_t raw = a.get();
  BackendDescriptor b(std::move(a));
  EXPECT_EQ(a.get(), nullptr);  // NOLINT(bugprone-use-after-move): the moved-from state is defined
  EXPECT_FALSE(a.finalized());
  EXPECT_EQ(b.get(), raw);
  EXPECT_TRUE(b.finalized());
  BackendDescriptor c(CUDNN_BACKEND_CONVOLUTION_DESCRIPTOR);
  c = std::move(b);
  EXPECT_EQ(c.get(), raw);
  EXPECT_EQ(c.type(), CUDNN_BACKEND_TENSOR_DESCRIPTOR);
  EXPECT_EQ(c.get_int64(CUDNN_ATTR_TENSOR_UNIQUE_ID), 3);
}

TEST(BackendDescriptor, EmptyDescriptorIsAnInvalidArgument) {
  BackendDescriptor empty;
  EXPECT_FALSE(static_cast<bool>(empty));
  try {
    empty.set_int64(CUDNN_ATTR_TENSOR_UNIQUE_ID, 1);
    FAIL() << "setting on an empty descriptor must throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_TRUE(contains(e.what(), "CUDNN_ATTR_TENSOR_UNIQUE_ID")) << e.what();
  }
  EXPECT_EQ(empty.try_finalize(), CUDNN_STATUS_BAD_PARAM_NULL_POINTER);
  BackendDescriptor op(CUDNN_BACKEND_OPERATION_CONVOLUTION_FORWARD_DESCRIPTOR);
  EXPECT_THROW(op.set_descriptor(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_X, empty), Error);
}

TEST(BackendDescriptor, EnumAndDescriptorArrayAttributes) {
  BackendDescriptor conv(CUDNN_BACKEND_CONVOLUTION_DESCRIPTOR);
  const std::vector<std::int64_t> one = {1, 1}, zero = {0, 0};
  conv.set_int64(CUDNN_ATTR_CONVOLUTION_SPATIAL_DIMS, 2)
      .set_data_type(CUDNN_ATTR_CONVOLUTION_COMP_TYPE, CUDNN_DATA_FLOAT)
      .set_enum(CUDNN_ATTR_CONVOLUTION_CONV_MODE, CUDNN_TYPE_CONVOLUTION_MODE,
                CUDNN_CROSS_CORRELATION)
      .set_int64s(CUDNN_ATTR_CONVOLUTION_PRE_PADDINGS, zero)
      .set_int64s(CUDNN_ATTR_CONVOLUTION_POST_PADDINGS, zero)
      .set_int64s(CUDNN_ATTR_CONVOLUTION_FILTER_STRIDES, one)
      .set_int64s(CUDNN_ATTR_CONVOLUTION_DILATIONS, one);
  conv.finalize();
  // A scalar attribute is read with capacity exactly 1 (Note [cuDNN backend descriptors]).
  auto compute =
      conv.get_enums<cudnnDataType_t>(CUDNN_ATTR_CONVOLUTION_COMP_TYPE, CUDNN_TYPE_DATA_TYPE, 1);
  EXPECT_EQ(compute, std::vector<cudnnDataType_t>{CUDNN_DATA_FLOAT});
  EXPECT_THROW(
      conv.get_enums<cudnnDataType_t>(CUDNN_ATTR_CONVOLUTION_COMP_TYPE, CUDNN_TYPE_DATA_TYPE, 4),
      Error);

  // 1x1 convolution of a 1x4x2x2 input into 1x8x2x2: an operation built from descriptors.
  BackendDescriptor x = tensor(1, {1, 4, 2, 2}, {16, 4, 2, 1});
  BackendDescriptor w = tensor(2, {8, 4, 1, 1}, {4, 1, 1, 1});
  BackendDescriptor y = tensor(3, {1, 8, 2, 2}, {32, 4, 2, 1});
  x.finalize();
  w.finalize();
  y.finalize();
  BackendDescriptor op(CUDNN_BACKEND_OPERATION_CONVOLUTION_FORWARD_DESCRIPTOR);
  op.set_descriptor(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_X, x)
      .set_descriptor(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_W, w)
      .set_descriptor(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_Y, y)
      .set_descriptor(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_CONV_DESC, conv)
      .set_float(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_ALPHA, 1.0f)
      .set_float(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_BETA, 0.0f);
  EXPECT_EQ(op.try_finalize(), CUDNN_STATUS_SUCCESS);
  std::vector<BackendDescriptor> ops;
  ops.push_back(std::move(op));
  BackendDescriptor graph(CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR);
  graph.set_descriptors(CUDNN_ATTR_OPERATIONGRAPH_OPS, ops);
  if (graph.try_finalize() != CUDNN_STATUS_SUCCESS) {
    GTEST_SKIP() << "this cuDNN does not finalize an operation graph without a handle: "
                 << graph.finalize_message();
  }
  EXPECT_GT(graph.get_int64(CUDNN_ATTR_OPERATIONGRAPH_ENGINE_GLOBAL_COUNT), 0);
}

}  // namespace
