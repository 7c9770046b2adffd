#include "plantune/core/dtype.h"

#include <gtest/gtest.h>

namespace plantune {
namespace {

TEST(DType, NamesRoundTrip) {
  for (DType t : kAllDTypes) {
    auto back = dtype_from_string(to_string(t));
    ASSERT_TRUE(back.has_value()) << to_string(t);
    EXPECT_EQ(*back, t);
  }
  EXPECT_EQ(to_string(DType::fp16), "fp16");
  EXPECT_EQ(to_string(DType::bf16), "bf16");
}

TEST(DType, UnknownNamesAreRejected) {
  EXPECT_FALSE(dtype_from_string("float32").has_value());
  EXPECT_FALSE(dtype_from_string("FP32").has_value());
  EXPECT_FALSE(dtype_from_string("").has_value());
}

TEST(DType, Sizes) {
  EXPECT_EQ(dtype_size(DType::fp32), 4);
  EXPECT_EQ(dtype_size(DType::tf32), 4);  // stored as fp32
  EXPECT_EQ(dtype_size(DType::fp16), 2);
  EXPECT_EQ(dtype_size(DType::bf16), 2);
  EXPECT_EQ(dtype_size(DType::int8), 1);
  EXPECT_EQ(dtype_size(DType::int32), 4);
}

}  // namespace
}  // namespace plantune
