// TransformCost JSON: exact round trip and errors naming the source and key.
#include "plantune/layouts/transform_cost_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "plantune/core/error.h"

namespace plantune::layouts {
namespace {

TEST(TransformCostJson, RoundTrips) {
  const TransformDesc d{{32, 3, 224, 224}, kNCHW, DType::fp32, kNHWC_S2D2_C8, DType::fp16};
  const TransformCost c = make_transform_cost(d, "plantune", std::vector<double>{0.0151, 0.0149, 0.0158});
  const auto j = transform_cost_to_json(c);
  EXPECT_EQ(j["dims"], nlohmann::json({32, 3, 224, 224}));
  EXPECT_EQ(j["dst_layout"], "nhwc_s2d2_c8");
  EXPECT_EQ(j["src_dtype"], "fp32");
  EXPECT_EQ(j["repetitions"], 3);
  const TransformCost back = transform_cost_from_json(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(back, c);
}

TEST(TransformCostJson, ErrorsNameSourceAndKey) {
  const TransformDesc d{{1, 8, 4, 4}, kNHWC, DType::bf16, kNCHW, DType::fp32};
  const auto good = transform_cost_to_json(make_transform_cost(d, "p", std::vector<double>{1.0}));
  auto expect_error = [](nlohmann::json j, const char* needle) {
    try {
      transform_cost_from_json(j, "costs.json");
      ADD_FAILURE() << "accepted " << j.dump();
    } catch (const Error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("costs.json"), std::string::npos) << what;
      EXPECT_NE(what.find(needle), std::string::npos) << what;
    }
  };
  auto j = good;
  j.erase("median_ms");
  expect_error(j, "median_ms");
  j = good;
  j["src_layout"] = "nhcw";
  expect_error(j, "unknown layout \"nhcw\"");
  j = good;
  j["dst_dtype"] = "fp64";
  expect_error(j, "unknown dtype \"fp64\"");
  j = good;
  j["dims"] = {1, 8, 4};
  expect_error(j, "dims");
  j = good;
  j["bytes_moved"] = 12;
  expect_error(j, "bytes_moved 12 disagrees");
  j = good;
  j["provider"] = 3;
  expect_error(j, "provider");
}

}  // namespace
}  // namespace plantune::layouts
