#include "plantune/planner/plan_json.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "plantune/core/error.h"
#include "write_file.h"

namespace plantune::planner {

namespace {

constexpr const char* kFormat = "plantune.plan";
constexpr int kVersion = 1;

// The value at `key` of `obj` as T; parse_error naming `where` when it is missing or mistyped.
template <typename T>
T get(const nlohmann::json& obj, const char* key, const std::string& where) {
  auto it = obj.find(key);
  PT_REQUIRE(it != obj.end(), parse_error, where << ": missing key \"" << key << "\"");
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception& e) {
    PT_FAIL(parse_error, where << ": key \"" << key << "\" has the wrong type (" << it->dump()
                               << "): " << e.what());
  }
}

}  // namespace

nlohmann::json plan_to_json(const Problem& problem, const Plan& plan) {
  PT_REQUIRE(plan.offsets.size() == problem.buffers.size(), invalid_argument,
             "plan has " << plan.offsets.size() << " offsets for " << problem.buffers.size()
                         << " buffers");
  nlohmann::json buffers = nlohmann::json::array();
  for (std::size_t i = 0; i < problem.buffers.size(); ++i) {
    const Buffer& b = problem.buffers[i];
    nlohmann::json jb = {{"id", b.id},         {"name", b.name},   {"size", b.size},
                         {"alignment", b.alignment}, {"first", b.first}, {"last", b.last},
                         {"offset", plan.offsets[i]}};
    if (b.fixed_offset) jb["fixed_offset"] = *b.fixed_offset;
    if (b.alias) jb["alias"] = {{"base", b.alias->base}, {"byte_offset", b.alias->byte_offset}};
    buffers.push_back(std::move(jb));
  }
  return {{"format", kFormat},
          {"version", kVersion},
          {"algorithm", plan.algorithm},
          {"seconds", plan.seconds},
          {"arena_bytes", plan.arena_bytes},
          {"lower_bound", plan.lower_bound},
          {"optimal", plan.optimal},
          {"gap", plan.gap},
          {"buffers", std::move(buffers)}};
}

PlannedProblem plan_from_json(const nlohmann::json& j, const std::string& source) {
  PT_REQUIRE(j.is_object(), parse_error, source << ": a plan must be a JSON object");
  const auto format = get<std::string>(j, "format", source);
  PT_REQUIRE(format == kFormat, parse_error,
             source << ": format is \"" << format << "\", expected \"" << kFormat << "\"");
  const int version = get<int>(j, "version", source);
  PT_REQUIRE(version == kVersion, parse_error,
             source << ": plan version " << version << " is not supported (expected " << kVersion
                    << ")");
  PlannedProblem out;
  Plan& plan = out.plan;
  plan.algorithm = get<std::string>(j, "algorithm", source);
  plan.seconds = get<double>(j, "seconds", source);
  plan.arena_bytes = get<std::int64_t>(j, "arena_bytes", source);
  plan.lower_bound = get<std::int64_t>(j, "lower_bound", source);
  plan.optimal = get<bool>(j, "optimal", source);
  plan.gap = get<double>(j, "gap", source);
  const auto it = j.find("buffers");
  PT_REQUIRE(it != j.end() && it->is_array(), parse_error,
             source << ": \"buffers\" must be an array");
  for (std::size_t i = 0; i < it->size(); ++i) {
    const nlohmann::json& jb = (*it)[i];
    const std::string where = source + ": buffers[" + std::to_string(i) + "]";
    PT_REQUIRE(jb.is_object(), parse_error, where << " must be an object");
    Buffer b;
    b.id = get<std::int32_t>(jb, "id", where);
    b.name = get<std::string>(jb, "name", where);
    b.size = get<std::int64_t>(jb, "size", where);
    b.alignment = get<std::int64_t>(jb, "alignment", where);
    b.first = get<std::int64_t>(jb, "first", where);
    b.last = get<std::int64_t>(jb, "last", where);
    if (jb.contains("fixed_offset")) b.fixed_offset = get<std::int64_t>(jb, "fixed_offset", where);
    if (jb.contains("alias")) {
      const nlohmann::json& ja = jb["alias"];
      PT_REQUIRE(ja.is_object(), parse_error, where << ": \"alias\" must be an object");
      b.alias = Alias{get<std::int32_t>(ja, "base", where + ".alias"),
                      get<std::int64_t>(ja, "byte_offset", where + ".alias")};
    }
    plan.offsets.push_back(get<std::int64_t>(jb, "offset", where));
    out.problem.buffers.push_back(std::move(b));
  }
  try {
    out.problem.validate();
  } catch (const Error& e) {
    PT_FAIL(invalid_argument, source << ": invalid problem: " << e.what());
  }
  return out;
}

void save_plan_json(const std::string& path, const Problem& problem, const Plan& plan) {
  detail::write_file_atomically(path, plan_to_json(problem, plan).dump(1) + "\n");
}

PlannedProblem load_plan_json(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  PT_REQUIRE(f.good(), io_error, "cannot open plan file '" << path << "'");
  std::stringstream ss;
  ss << f.rdbuf();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(ss.str());
  } catch (const nlohmann::json::parse_error& e) {
    PT_FAIL(parse_error, path << ": not valid JSON: " << e.what());
  }
  return plan_from_json(j, path);
}

}  // namespace plantune::planner
