#pragma once
// A plan as JSON, with the problem it solves, so that a report or another runtime can read it:
//   {"format": "plantune.plan", "version": 1, "algorithm": "portfolio", "seconds": 0.01,
//    "arena_bytes": N, "lower_bound": N, "optimal": true, "gap": 0.0,
//    "buffers": [{"id": 0, "name": "conv1", "size": N, "alignment": 256, "first": 0, "last": 3,
//                 "offset": N, "fixed_offset": N?, "alias": {"base": 2, "byte_offset": N}?}]}
// Buffers appear in id order; optional keys are written only when present.
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "plantune/planner/problem.h"

namespace plantune::planner {

struct PlannedProblem {
  Problem problem;
  Plan plan;
};

// Throws invalid_argument when plan.offsets does not have one offset per buffer.
nlohmann::json plan_to_json(const Problem& problem, const Plan& plan);
// Reads what plan_to_json writes. Throws parse_error naming `source` and the buffer (by index)
// for a missing or mistyped key, and invalid_argument when the problem is invalid.
PlannedProblem plan_from_json(const nlohmann::json& j, const std::string& source = "<json>");

// Writes indented JSON atomically (temp file + rename); io_error when the file system refuses.
void save_plan_json(const std::string& path, const Problem& problem, const Plan& plan);
// io_error when the file cannot be read, parse_error for malformed JSON or content.
PlannedProblem load_plan_json(const std::string& path);

}  // namespace plantune::planner
