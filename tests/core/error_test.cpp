#include "plantune/core/error.h"

#include <gtest/gtest.h>

#include <string>

namespace plantune {
namespace {

TEST(Error, RequireThrowsWithCodeExprAndLocation) {
  int n = -3;
  int line = 0;
  try {
    line = __LINE__ + 1;
    PT_REQUIRE(n > 0, invalid_argument, "n must be positive, got " << n);
    FAIL() << "PT_REQUIRE did not throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    std::string msg = e.what();
    EXPECT_NE(msg.find("n must be positive, got -3"), std::string::npos) << msg;
    EXPECT_NE(msg.find("n > 0 at "), std::string::npos) << msg;
    EXPECT_NE(msg.find("error_test.cpp:" + std::to_string(line)), std::string::npos) << msg;
  }
}

TEST(Error, RequirePassesWhenConditionHolds) {
  EXPECT_NO_THROW(PT_REQUIRE(1 + 1 == 2, internal, "arithmetic"));
}

TEST(Error, FailThrowsWithCodeAndLocationButNoExpr) {
  try {
    PT_FAIL(io_error, "cannot open '"
                          << "x.json"
                          << "'");
    FAIL() << "PT_FAIL did not throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io_error);
    std::string msg = e.what();
    EXPECT_EQ(msg.rfind("cannot open 'x.json' (error_test.cpp:", 0), 0u) << msg;
    EXPECT_EQ(msg.find(" at "), std::string::npos) << msg;
  }
}

TEST(Error, IsARuntimeError) { EXPECT_THROW(PT_FAIL(overflow, "x"), std::runtime_error); }

TEST(Error, CodeNames) {
  EXPECT_EQ(to_string(ErrorCode::invalid_argument), "invalid_argument");
  EXPECT_EQ(to_string(ErrorCode::parse_error), "parse_error");
  EXPECT_EQ(to_string(ErrorCode::io_error), "io_error");
  EXPECT_EQ(to_string(ErrorCode::overflow), "overflow");
  EXPECT_EQ(to_string(ErrorCode::not_supported), "not_supported");
  EXPECT_EQ(to_string(ErrorCode::out_of_memory), "out_of_memory");
  EXPECT_EQ(to_string(ErrorCode::cuda_error), "cuda_error");
  EXPECT_EQ(to_string(ErrorCode::cudnn_error), "cudnn_error");
  EXPECT_EQ(to_string(ErrorCode::cublas_error), "cublas_error");
  EXPECT_EQ(to_string(ErrorCode::internal), "internal");
}

}  // namespace
}  // namespace plantune
