// Layout names, stored shapes and element offsets, checked on hand-worked small cases.
#include "plantune/layouts/layout.h"

#include <gtest/gtest.h>

#include <set>

#include "plantune/core/error.h"

namespace plantune::layouts {
namespace {

TEST(Layout, NamesRoundTripAndAreDistinct) {
  std::set<std::string> names;
  for (TensorLayout l : kAllLayouts) {
    const std::string name = to_string(l);
    EXPECT_TRUE(names.insert(name).second) << name;
    EXPECT_EQ(tensor_layout_from_string(name), l) << name;
    EXPECT_TRUE(is_supported(l));
  }
  EXPECT_EQ(to_string(kNHWC_S2D2_C8), "nhwc_s2d2_c8");
  EXPECT_EQ(to_string(kKRSC), "nhwc");
  EXPECT_FALSE(tensor_layout_from_string("nchw_c8").has_value());
  EXPECT_FALSE(tensor_layout_from_string("NHWC").has_value());
}

TEST(Layout, UnsupportedCombinationsAreRejectedWithTheirFields) {
  const TensorLayout padded_nchw{Layout::nchw, 8, 1};
  EXPECT_FALSE(is_supported(padded_nchw));
  try {
    validate_layout(padded_nchw, "conv1 input");
    FAIL();
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("conv1 input"), std::string::npos) << what;
    EXPECT_NE(what.find("channel_align 8"), std::string::npos) << what;
  }
  EXPECT_FALSE(is_supported({Layout::nhwc, 16, 1}));
  EXPECT_FALSE(is_supported({Layout::nhwc, 1, 3}));
  EXPECT_THROW(stored_dims({1, 1, 1, 1}, {Layout::nchw, 1, 2}), Error);
}

TEST(Layout, StoredDimsAndBytes) {
  const Dims4 d{2, 3, 7, 5};
  EXPECT_EQ(stored_dims(d, kNCHW), (std::array<std::int64_t, 4>{2, 3, 7, 5}));
  EXPECT_EQ(stored_dims(d, kNHWC), (std::array<std::int64_t, 4>{2, 7, 5, 3}));
  EXPECT_EQ(stored_dims(d, kNHWC_C8), (std::array<std::int64_t, 4>{2, 7, 5, 8}));
  EXPECT_EQ(stored_dims(d, kNHWC_C32), (std::array<std::int64_t, 4>{2, 7, 5, 32}));
  EXPECT_EQ(stored_dims(d, kNHWC_S2D2), (std::array<std::int64_t, 4>{2, 4, 3, 12}));
  EXPECT_EQ(stored_dims(d, kNHWC_S2D2_C8), (std::array<std::int64_t, 4>{2, 4, 3, 16}));
  EXPECT_EQ(stored_numel(d, kNHWC_C8), 2 * 7 * 5 * 8);
  EXPECT_EQ(stored_bytes(d, kNHWC_S2D2_C32, DType::fp16), 2 * 4 * 3 * 32 * 2);
  EXPECT_EQ(folded_dims(d), (Dims4{2, 12, 4, 3}));
  // ResNet-50's first input at batch 32, fp16, padded 3 -> 8: 8/3 of the plain bytes
  EXPECT_EQ(stored_bytes({32, 3, 224, 224}, kNHWC_C8, DType::fp16), 32LL * 224 * 224 * 8 * 2);
  EXPECT_THROW(stored_numel({1LL << 40, 1LL << 20, 1 << 10, 1 << 10}, kNCHW), Error);
}

TEST(Layout, ElementOffsetsOnWorkedExamples) {
  const Dims4 d{2, 3, 5, 4};  // H odd
  // nchw: ((n*C + c)*H + h)*W + w
  EXPECT_EQ(element_offset(d, kNCHW, 1, 2, 3, 1), ((1 * 3 + 2) * 5 + 3) * 4 + 1);
  // nhwc: ((n*H + h)*W + w)*C + c
  EXPECT_EQ(element_offset(d, kNHWC, 1, 2, 3, 1), ((1 * 5 + 3) * 4 + 1) * 3 + 2);
  // nhwc_c8: the same with 8 stored channels
  EXPECT_EQ(element_offset(d, kNHWC_C8, 1, 2, 3, 1), ((1 * 5 + 3) * 4 + 1) * 8 + 2);
  // nhwc_s2d2: stored (N, 3, 2, 12); (h, w) = (3, 1) is pixel (1, 0), block (1*2 + 1) = 3
  EXPECT_EQ(element_offset(d, kNHWC_S2D2, 1, 2, 3, 1), ((1 * 3 + 1) * 2 + 0) * 12 + 3 * 3 + 2);
  // nhwc_s2d2_c32: 32 stored channels per folded pixel
  EXPECT_EQ(element_offset(d, kNHWC_S2D2_C32, 0, 0, 4, 3), ((0 * 3 + 2) * 2 + 1) * 32 + 1 * 3);
}

TEST(Layout, EveryLogicalElementHasItsOwnStoredPosition) {
  const Dims4 d{2, 5, 3, 7};
  for (TensorLayout l : kAllLayouts) {
    std::set<std::int64_t> seen;
    for (std::int64_t n = 0; n < d.n; ++n)
      for (std::int64_t c = 0; c < d.c; ++c)
        for (std::int64_t h = 0; h < d.h; ++h)
          for (std::int64_t w = 0; w < d.w; ++w) {
            const auto o = element_offset(d, l, n, c, h, w);
            EXPECT_GE(o, 0);
            EXPECT_LT(o, stored_numel(d, l)) << to_string(l);
            EXPECT_TRUE(seen.insert(o).second) << to_string(l) << " duplicate offset " << o;
          }
  }
}

TEST(Layout, DimsHelpers) {
  EXPECT_EQ(to_string(Dims4{32, 3, 224, 224}), "[32, 3, 224, 224]");
  TensorShape s;
  s.dims = {1, 2, 3, 4};
  EXPECT_EQ(dims4_from_shape(s), (Dims4{1, 2, 3, 4}));
  s.dims = {1, 2, 3};
  EXPECT_THROW(dims4_from_shape(s), Error);
  EXPECT_THROW(validate_dims({1, 0, 3, 4}, "x"), Error);
  EXPECT_EQ(round_up(7, 8), 8);
  EXPECT_EQ(round_up(16, 8), 16);
  EXPECT_EQ(round_up(0, 32), 0);
}

}  // namespace
}  // namespace plantune::layouts
