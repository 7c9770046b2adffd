#include "plantune/runtime/schedule_json.h"

#include <gtest/gtest.h>

#include "plantune/core/error.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "plantune/models/registry.h"
#include "schedule_test_db.h"

namespace plantune::runtime {
namespace {

Schedule resnet_schedule() {
  models::ModelOptions mo;
  mo.batch = 4;
  const Graph g = models::build_model("resnet18", mo);
  ScheduleOptions o;
  tuner::TacticDb db = testing::made_up_db(g, o, 0.05, 0.02);
  return build_schedule(g, db, o);
}

TEST(ScheduleJson, RoundTripIsExact) {
  const Schedule s = resnet_schedule();
  const std::string text = schedule_to_json(s);
  const Schedule back = schedule_from_json(text);
  EXPECT_EQ(schedule_to_json(back), text);
  EXPECT_EQ(back.steps, s.steps);
  EXPECT_EQ(back.tensors, s.tensors);
  EXPECT_EQ(back.memory, s.memory);
  EXPECT_EQ(back.graph.ops().size(), s.graph.ops().size());
}

TEST(ScheduleJson, SaveIsAtomicAndLoads) {
  const Schedule s = resnet_schedule();
  const auto dir = std::filesystem::temp_directory_path() / "plantune_schedule_json_test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "s.json").string();
  save_schedule(s, path);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  EXPECT_EQ(load_schedule(path).steps, s.steps);
  EXPECT_THROW(load_schedule((dir / "missing.json").string()), Error);
}

// Each edit breaks the document in one way; the reader names the member.
TEST(ScheduleJson, HostileDocumentsAreRefusedWithTheMember) {
  const nlohmann::json good = nlohmann::json::parse(schedule_to_json(resnet_schedule()));
  struct Case {
    const char* what;
    std::function<void(nlohmann::json&)> edit;
  };
  const Case cases[] = {
      {"format", [](nlohmann::json& j) { j["format"] = "something-else"; }},
      {"schema_version", [](nlohmann::json& j) { j["schema_version"] = 99; }},
      {"unknown member 'extra'", [](nlohmann::json& j) { j["extra"] = 1; }},
      {"$.steps[3].output", [](nlohmann::json& j) { j["steps"][3]["output"] = "nowhere"; }},
      {"$.tensors[1].dtype", [](nlohmann::json& j) { j["tensors"][1]["dtype"] = "fp33"; }},
      {"bytes", [](nlohmann::json& j) { j["tensors"][1]["bytes"] = 3; }},
      {"overlap", [](nlohmann::json& j) {
         for (auto& t : j["tensors"]) t["offset"] = 0;
       }},
      {"$.steps[1].tactic", [](nlohmann::json& j) {
         for (auto& st : j["steps"])
           if (st.contains("tactic")) {
             st["tactic"]["tactic"]["api"] = "no_such_api";
             break;
           }
       }},
      {"arena", [](nlohmann::json& j) { j["memory"]["arena_bytes"] = 16; }},
  };
  for (const Case& c : cases) {
    nlohmann::json j = good;
    c.edit(j);
    try {
      schedule_from_json(j.dump(), "doc.json");
      ADD_FAILURE() << c.what << ": accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("doc.json"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(c.what), std::string::npos)
          << c.what << " not in: " << e.what();
    }
  }
  EXPECT_THROW(schedule_from_json("{not json"), Error);
}

}  // namespace
}  // namespace plantune::runtime
