#include "plantune/core/shape.h"

#include <gtest/gtest.h>

#include "plantune/core/error.h"

namespace plantune {
namespace {

using Dims = std::vector<std::int64_t>;
constexpr std::int64_t k2p62 = std::int64_t{1} << 62;

TEST(Shape, NchwStridesAreRowMajor) {
  TensorShape s{{2, 3, 4, 5}};
  EXPECT_EQ(s.strides(), (Dims{60, 20, 5, 1}));
  EXPECT_EQ((TensorShape{{7, 9}}.strides()), (Dims{9, 1}));
  EXPECT_EQ((TensorShape{{7}}.strides()), (Dims{1}));
}

TEST(Shape, NhwcStridesInLogicalOrder) {
  TensorShape s{{2, 3, 4, 5}, Layout::nhwc};
  // memory order N, H, W, C: C stride 1, W stride C, H stride W*C, N stride H*W*C
  EXPECT_EQ(s.strides(), (Dims{60, 1, 15, 3}));
}

TEST(Shape, NumelAndBytes) {
  TensorShape s{{32, 64, 56, 56}};
  EXPECT_EQ(s.numel(), 32 * 64 * 56 * 56);
  EXPECT_EQ(s.bytes(DType::fp16), 2LL * 32 * 64 * 56 * 56);
  EXPECT_EQ(s.bytes(DType::int8), 32LL * 64 * 56 * 56);
  EXPECT_EQ(TensorShape{}.numel(), 1);  // rank 0
}

TEST(Shape, OverflowNearTwoToThe62) {
  TensorShape fits{{k2p62}};
  EXPECT_EQ(fits.numel(), k2p62);
  EXPECT_EQ(fits.bytes(DType::int8), k2p62);
  // 2^62 * 2 = 2^63 does not fit in int64
  EXPECT_THROW(fits.bytes(DType::fp16), Error);
  try {
    (void)fits.bytes(DType::fp32);
    FAIL() << "expected overflow";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::overflow);
    EXPECT_NE(std::string(e.what()).find("byte count of [4611686018427387904]"), std::string::npos)
        << e.what();
  }
  TensorShape too_many{{k2p62, 2}};
  try {
    (void)too_many.numel();
    FAIL() << "expected overflow";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::overflow);
  }
  EXPECT_EQ((TensorShape{{k2p62 / 2, 2}}.numel()), k2p62);
}

TEST(Shape, CheckedArithmetic) {
  EXPECT_EQ(checked_mul(k2p62, 1), k2p62);
  EXPECT_EQ(checked_add(k2p62, k2p62 - 1), INT64_MAX);
  EXPECT_THROW(checked_add(k2p62, k2p62), Error);
  try {
    checked_mul(k2p62, 4, "arena size");
    FAIL() << "expected overflow";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::overflow);
    EXPECT_NE(std::string(e.what()).find("arena size overflows 64 bits"), std::string::npos)
        << e.what();
  }
}

TEST(Shape, Valid) {
  EXPECT_TRUE((TensorShape{{1, 3, 224, 224}}.valid()));
  EXPECT_FALSE((TensorShape{{1, 0, 224, 224}}.valid()));
  EXPECT_FALSE((TensorShape{{1, 3, -1, 224}}.valid()));
}

TEST(Shape, ToStringAndLayoutNames) {
  EXPECT_EQ(to_string(TensorShape{{32, 64, 56, 56}}), "[32, 64, 56, 56]");
  EXPECT_EQ(to_string(TensorShape{{1, 3, 8, 8}, Layout::nhwc}), "[1, 3, 8, 8] nhwc");
  EXPECT_EQ(to_string(TensorShape{}), "[]");
  EXPECT_EQ(layout_from_string("nhwc"), Layout::nhwc);
  EXPECT_EQ(layout_from_string("nchw"), Layout::nchw);
  EXPECT_FALSE(layout_from_string("NHWC").has_value());
  EXPECT_EQ(to_string(Layout::nhwc), "nhwc");
}

TEST(Shape, EqualityIncludesLayout) {
  EXPECT_EQ((TensorShape{{1, 2, 3, 4}}), (TensorShape{{1, 2, 3, 4}}));
  EXPECT_NE((TensorShape{{1, 2, 3, 4}}), (TensorShape{{1, 2, 3, 4}, Layout::nhwc}));
}

}  // namespace
}  // namespace plantune
