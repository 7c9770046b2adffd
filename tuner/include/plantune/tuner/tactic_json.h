#pragma once
// JSON form of single tactics and candidates: the same objects the tactic database stores
// (docs/tactic-db-format.md). Parsing is strict: unknown or repeated members, wrong types,
// unknown enum names and out-of-range numbers throw parse_error naming `source`, the line and
// column, and the member path.
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "plantune/tuner/candidate.h"
#include "plantune/tuner/tactic.h"

namespace plantune::tuner {

// One-line JSON objects.
std::string to_json_string(const TacticConfig& t);
std::string to_json_string(
    const Tactic& t);  // {"layout", "precision", "padded_c", "padded_k", "tactic"}
std::string to_json_string(const Candidate& c);

TacticConfig tactic_config_from_json_string(std::string_view text,
                                            const std::string& source = "<string>");
Tactic tactic_from_json_string(std::string_view text, const std::string& source = "<string>");
Candidate candidate_from_json_string(std::string_view text, const std::string& source = "<string>");

// nlohmann::json adapters (found by ADL: `json j = tactic; j.get<Tactic>()`), for documents
// such as a schedule that embed a tactic. They go through the functions above.
void to_json(nlohmann::json& j, const Tactic& t);
void from_json(const nlohmann::json& j, Tactic& t);

}  // namespace plantune::tuner
