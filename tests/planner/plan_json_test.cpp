#include "plantune/planner/plan_json.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "plantune/core/error.h"
#include "plantune/core/graph_builder.h"
#include "plantune/planner/checker.h"
#include "plantune/planner/lifetime.h"
#include "plantune/planner/planner.h"

namespace plantune::planner {
namespace {

// Three buffers: a root, an alias inside it, and a pinned one.
//   0 "a"   [0, 2)  512 bytes at 0
//   1 "b"   [1, 2)  256 bytes, alias of a at +256
//   2 "w"   [2, 3) 1024 bytes pinned at 1024
PlannedProblem Sample() {
  PlannedProblem s;
  Buffer a{0, 512, 256, 0, 2, std::nullopt, std::nullopt, "a"};
  Buffer b{1, 256, 256, 1, 2, std::nullopt, Alias{0, 256}, "b"};
  Buffer w{2, 1024, 256, 2, 3, 1024, std::nullopt, "w \"quoted\" <&>"};
  s.problem.buffers = {a, b, w};
  s.plan.offsets = {0, 256, 1024};
  s.plan.arena_bytes = 2048;
  s.plan.lower_bound = 2048;
  s.plan.optimal = true;
  s.plan.gap = 0.0;
  s.plan.algorithm = "portfolio";
  s.plan.seconds = 0.0123456789;
  return s;
}

void ExpectSame(const PlannedProblem& x, const PlannedProblem& y) {
  EXPECT_EQ(x.problem.buffers, y.problem.buffers);
  EXPECT_EQ(x.plan.offsets, y.plan.offsets);
  EXPECT_EQ(x.plan.arena_bytes, y.plan.arena_bytes);
  EXPECT_EQ(x.plan.lower_bound, y.plan.lower_bound);
  EXPECT_EQ(x.plan.optimal, y.plan.optimal);
  EXPECT_EQ(x.plan.gap, y.plan.gap);
  EXPECT_EQ(x.plan.algorithm, y.plan.algorithm);
  EXPECT_EQ(x.plan.seconds, y.plan.seconds);
}

TEST(PlanJson, WritesEveryField) {
  PlannedProblem s = Sample();
  nlohmann::json j = plan_to_json(s.problem, s.plan);
  EXPECT_EQ(j["format"], "plantune.plan");
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["arena_bytes"], 2048);
  EXPECT_EQ(j["lower_bound"], 2048);
  EXPECT_EQ(j["optimal"], true);
  EXPECT_EQ(j["algorithm"], "portfolio");
  ASSERT_EQ(j["buffers"].size(), 3u);
  const auto& b1 = j["buffers"][1];
  EXPECT_EQ(b1["name"], "b");
  EXPECT_EQ(b1["size"], 256);
  EXPECT_EQ(b1["first"], 1);
  EXPECT_EQ(b1["last"], 2);
  EXPECT_EQ(b1["offset"], 256);
  EXPECT_EQ(b1["alias"]["base"], 0);
  EXPECT_EQ(b1["alias"]["byte_offset"], 256);
  EXPECT_FALSE(b1.contains("fixed_offset"));
  EXPECT_EQ(j["buffers"][2]["fixed_offset"], 1024);
  EXPECT_FALSE(j["buffers"][0].contains("alias"));
}

TEST(PlanJson, RoundTripsThroughTextExactly) {
  PlannedProblem s = Sample();
  std::string text = plan_to_json(s.problem, s.plan).dump(1);
  PlannedProblem back = plan_from_json(nlohmann::json::parse(text), "<test>");
  ExpectSame(s, back);
}

TEST(PlanJson, RoundTripsAPlannedGraphThroughAFile) {
  Graph g("net");
  GraphBuilder b(g);
  TensorId x = b.input("x", {1, 16, 8, 8});
  TensorId c = b.conv("c", x, 16, 3);
  TensorId r = b.act("r", c, Activation::relu);
  TensorId d = b.conv("d", x, 16, 3);
  TensorId cat = b.concat("cat", {r, d});
  b.output(b.conv("y", cat, 8, 1));
  Lifetimes lt = analyze_lifetimes(g, {Mode::aliasing, {0, 0, 3000, 0, 100}});
  Plan p = plan(lt.problem);
  ASSERT_EQ(check_plan(lt.problem, p), std::nullopt);

  auto path = (std::filesystem::temp_directory_path() / "plantune_plan_json_test.json").string();
  save_plan_json(path, lt.problem, p);
  PlannedProblem back = load_plan_json(path);
  std::remove(path.c_str());
  ExpectSame({lt.problem, p}, back);
  EXPECT_EQ(check_plan(back.problem, back.plan), std::nullopt);
}

TEST(PlanJson, ErrorsNameTheSourceAndTheBuffer) {
  PlannedProblem s = Sample();
  nlohmann::json j = plan_to_json(s.problem, s.plan);
  j["buffers"][1].erase("size");
  try {
    plan_from_json(j, "plan.json");
    FAIL() << "a buffer without a size was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::parse_error);
    std::string m = e.what();
    EXPECT_NE(m.find("plan.json: buffers[1]"), std::string::npos) << m;
    EXPECT_NE(m.find("\"size\""), std::string::npos) << m;
  }

  j = plan_to_json(s.problem, s.plan);
  j["buffers"][0]["first"] = "zero";
  try {
    plan_from_json(j, "plan.json");
    FAIL() << "a string interval was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::parse_error);
    EXPECT_NE(std::string(e.what()).find("buffers[0]: key \"first\" has the wrong type"),
              std::string::npos)
        << e.what();
  }

  j = plan_to_json(s.problem, s.plan);
  j["format"] = "something.else";
  EXPECT_THROW(plan_from_json(j, "plan.json"), Error);

  j = plan_to_json(s.problem, s.plan);
  j["buffers"][1]["alias"]["base"] = 7;  // no buffer 7
  try {
    plan_from_json(j, "plan.json");
    FAIL() << "an alias of a missing buffer was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("plan.json: invalid problem"), std::string::npos)
        << e.what();
  }

  s.plan.offsets.pop_back();
  EXPECT_THROW(plan_to_json(s.problem, s.plan), Error);
}

TEST(PlanJson, FileErrors) {
  try {
    load_plan_json("/nonexistent/dir/plan.json");
    FAIL() << "a missing file was read";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io_error);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/plan.json"), std::string::npos);
  }
  auto path = (std::filesystem::temp_directory_path() / "plantune_plan_json_bad.json").string();
  {
    std::ofstream f(path);
    f << "{\"format\": ";
  }
  try {
    load_plan_json(path);
    FAIL() << "truncated JSON was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::parse_error);
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos);
  }
  std::remove(path.c_str());
  PlannedProblem s = Sample();
  EXPECT_THROW(save_plan_json("/nonexistent/dir/plan.json", s.problem, s.plan), Error);
}

}  // namespace
}  // namespace plantune::planner
