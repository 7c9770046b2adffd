// TransformDesc: names, validation and the bytes a transform must move.
#include "plantune/layouts/transform_desc.h"

#include <gtest/gtest.h>

#include "plantune/core/error.h"

namespace plantune::layouts {
namespace {

TEST(TransformDesc, ToStringNamesEverything) {
  const TransformDesc d{{32, 3, 224, 224}, kNCHW, DType::fp32, kNHWC_C8, DType::fp16};
  EXPECT_EQ(to_string(d), "[32, 3, 224, 224] nchw fp32 -> nhwc_c8 fp16");
}

TEST(TransformDesc, BytesMovedCountsPaddingOnBothSides) {
  // fp32 nchw read: 32*3*224*224*4; fp16 nhwc_c8 written: 32*224*224*8*2
  const TransformDesc d{{32, 3, 224, 224}, kNCHW, DType::fp32, kNHWC_C8, DType::fp16};
  EXPECT_EQ(bytes_moved(d), 32LL * 3 * 224 * 224 * 4 + 32LL * 224 * 224 * 8 * 2);
  const TransformDesc f{{1, 3, 5, 5}, kNHWC_S2D2_C8, DType::int8, kNCHW, DType::int8};
  EXPECT_EQ(bytes_moved(f), 3 * 3 * 16 + 75);
}

TEST(TransformDesc, ValidateRejectsBadTypesLayoutsAndDims) {
  TransformDesc d{{1, 3, 4, 4}, kNCHW, DType::fp32, kNHWC, DType::int32};
  EXPECT_THROW(validate(d), Error);
  d.dst_dtype = DType::tf32;
  EXPECT_THROW(validate(d), Error);
  d.dst_dtype = DType::bf16;
  EXPECT_NO_THROW(validate(d));
  d.dst_layout = {Layout::nchw, 32, 1};
  EXPECT_THROW(validate(d), Error);
  d.dst_layout = kNHWC;
  d.dims.h = 0;
  try {
    validate(d);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[1, 3, 0, 4]"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace plantune::layouts
