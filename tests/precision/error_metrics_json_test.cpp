// ErrorMetrics JSON: round trip (non-finite values included) and clear errors on bad input.
#include "plantune/precision/error_metrics_json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "plantune/core/error.h"

namespace plantune::precision {
namespace {

TEST(ErrorMetricsJson, RoundTripsFiniteValues) {
  ErrorMetrics m;
  m.count = 802816;
  m.nonfinite = 0;
  m.max_abs = 0.0012;
  m.max_rel = 0.21;
  m.mean_rel = 0.0009;
  m.rel_l2 = 0.00041;
  m.sqnr_db = 67.7;
  m.cosine = 0.99999992;
  const auto j = error_metrics_to_json(m);
  EXPECT_EQ(j["count"], 802816);
  EXPECT_EQ(j["sqnr_db"], 67.7);
  const ErrorMetrics back = error_metrics_from_json(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(back.count, m.count);
  EXPECT_EQ(back.max_abs, m.max_abs);
  EXPECT_EQ(back.max_rel, m.max_rel);
  EXPECT_EQ(back.mean_rel, m.mean_rel);
  EXPECT_EQ(back.rel_l2, m.rel_l2);
  EXPECT_EQ(back.sqnr_db, m.sqnr_db);
  EXPECT_EQ(back.cosine, m.cosine);
}

TEST(ErrorMetricsJson, NonFiniteValuesAreStrings) {
  ErrorMetrics m;
  m.count = 4;
  m.sqnr_db = std::numeric_limits<double>::infinity();
  m.max_abs = std::numeric_limits<double>::quiet_NaN();
  m.rel_l2 = -std::numeric_limits<double>::infinity();
  const auto j = error_metrics_to_json(m);
  EXPECT_EQ(j["sqnr_db"], "inf");
  EXPECT_EQ(j["max_abs"], "nan");
  EXPECT_EQ(j["rel_l2"], "-inf");
  const ErrorMetrics back = error_metrics_from_json(nlohmann::json::parse(j.dump()));
  EXPECT_TRUE(std::isinf(back.sqnr_db) && back.sqnr_db > 0);
  EXPECT_TRUE(std::isnan(back.max_abs));
  EXPECT_TRUE(std::isinf(back.rel_l2) && back.rel_l2 < 0);
}

TEST(ErrorMetricsJson, MissingOrMistypedKeysNameTheSourceAndKey) {
  auto j = error_metrics_to_json(ErrorMetrics{});
  j.erase("cosine");
  try {
    error_metrics_from_json(j, "db.json");
    FAIL() << "missing key accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::parse_error);
    EXPECT_NE(std::string(e.what()).find("db.json"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("cosine"), std::string::npos) << e.what();
  }
  auto k = error_metrics_to_json(ErrorMetrics{});
  k["count"] = "many";
  EXPECT_THROW(error_metrics_from_json(k), Error);
  k = error_metrics_to_json(ErrorMetrics{});
  k["max_abs"] = "big";
  EXPECT_THROW(error_metrics_from_json(k), Error);
}

}  // namespace
}  // namespace plantune::precision
