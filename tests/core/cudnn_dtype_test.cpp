// plantune::DType <-> cudnnDataType_t.
#include "plantune/core/cudnn_dtype.h"

#include <gtest/gtest.h>

namespace {

using plantune::DType;

TEST(CudnnDtype, EveryDTypeMapsAndComesBack) {
  EXPECT_EQ(plantune::to_cudnn(DType::fp32), CUDNN_DATA_FLOAT);
  EXPECT_EQ(plantune::to_cudnn(DType::tf32), CUDNN_DATA_FLOAT);  // TF32 is a math mode
  EXPECT_EQ(plantune::to_cudnn(DType::fp16), CUDNN_DATA_HALF);
  EXPECT_EQ(plantune::to_cudnn(DType::bf16), CUDNN_DATA_BFLOAT16);
  EXPECT_EQ(plantune::to_cudnn(DType::int8), CUDNN_DATA_INT8);
  EXPECT_EQ(plantune::to_cudnn(DType::int32), CUDNN_DATA_INT32);
  for (DType t : plantune::kAllDTypes) {
    const DType back = t == DType::tf32 ? DType::fp32 : t;
    EXPECT_EQ(plantune::dtype_from_cudnn(plantune::to_cudnn(t)), back) << plantune::to_string(t);
  }
  EXPECT_EQ(plantune::dtype_from_cudnn(CUDNN_DATA_DOUBLE), std::nullopt);
  EXPECT_EQ(plantune::dtype_from_cudnn(CUDNN_DATA_FP8_E4M3), std::nullopt);
}

}  // namespace
