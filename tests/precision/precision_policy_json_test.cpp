// Precision policy JSON: round trip, defaults for entries without a budget, and errors that
// name the source, the entry and the key.
#include "plantune/precision/precision_policy_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "plantune/core/error.h"

namespace plantune::precision {
namespace {

TEST(PrecisionPolicyJson, RoundTrips) {
  PrecisionPolicy p = PrecisionPolicy::defaults();
  ErrorBudget int8;
  int8.min_sqnr_db = 25;
  int8.min_cosine = 0.99;
  p.allow(DType::int8, int8);
  const auto j = precision_policy_to_json(p);
  EXPECT_EQ(j["format"], "plantune.precision_policy");
  EXPECT_EQ(j["allowed"][2]["precision"], "fp16");
  EXPECT_EQ(j["allowed"][2]["budget"], nlohmann::json({{"max_rel_l2", 0.01}}));
  const PrecisionPolicy back = precision_policy_from_json(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(back, p);
}

TEST(PrecisionPolicyJson, EntryWithoutBudgetGetsTheDefault) {
  const auto j = nlohmann::json::parse(R"({"format": "plantune.precision_policy", "version": 1,
      "allowed": [{"precision": "bf16"}, {"precision": "int8", "budget": {}}]})");
  const PrecisionPolicy p = precision_policy_from_json(j);
  EXPECT_EQ(p.budget(DType::bf16), default_budget(DType::bf16));
  EXPECT_EQ(p.budget(DType::int8), ErrorBudget{});  // explicitly empty: only finiteness
}

TEST(PrecisionPolicyJson, ErrorsNameSourceEntryAndKey) {
  auto expect_error = [](const char* text, const char* needle) {
    try {
      precision_policy_from_json(nlohmann::json::parse(text), "policy.json");
      ADD_FAILURE() << "accepted: " << text;
    } catch (const Error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("policy.json"), std::string::npos) << what;
      EXPECT_NE(what.find(needle), std::string::npos) << what;
    }
  };
  expect_error(R"({"format": "x", "version": 1, "allowed": []})", "format");
  expect_error(R"({"format": "plantune.precision_policy", "version": 2, "allowed": []})",
               "version 2");
  expect_error(R"({"format": "plantune.precision_policy", "version": 1,
                   "allowed": [{"precision": "fp8"}]})",
               "unknown precision \"fp8\"");
  expect_error(R"({"format": "plantune.precision_policy", "version": 1,
                   "allowed": [{"precision": "fp16", "budget": {"max_rel": "big"}}]})",
               "entry 0");
  expect_error(R"({"format": "plantune.precision_policy", "version": 1,
                   "allowed": [{"precision": "fp16", "budget": {"max_relative": 0.1}}]})",
               "unknown key \"max_relative\"");
}

TEST(PrecisionPolicyJson, DuplicatePrecisionIsRejected) {
  const auto j = nlohmann::json::parse(R"({"format": "plantune.precision_policy", "version": 1,
      "allowed": [{"precision": "fp16"}, {"precision": "fp16"}]})");
  EXPECT_THROW(precision_policy_from_json(j), Error);
}

}  // namespace
}  // namespace plantune::precision
