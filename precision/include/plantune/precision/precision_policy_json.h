#pragma once
// A precision policy as JSON; budgets list only the bounds that are set, and an entry without
// "budget" gets its precision's default_budget():
//   {"format": "plantune.precision_policy", "version": 1,
//    "allowed": [{"precision": "fp32", "budget": {"max_rel_l2": 0.0001}},
//                {"precision": "fp16", "budget": {"max_rel_l2": 0.01, "min_cosine": 0.999}}]}
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "plantune/precision/precision_policy.h"

namespace plantune::precision {

nlohmann::json error_budget_to_json(const ErrorBudget& b);
ErrorBudget error_budget_from_json(const nlohmann::json& j, const std::string& source = "<json>");

nlohmann::json precision_policy_to_json(const PrecisionPolicy& p);
// Throws parse_error naming `source` (and the entry) for a wrong format/version, an unknown
// precision or budget key, or a mistyped value; the result is validate()d.
PrecisionPolicy precision_policy_from_json(const nlohmann::json& j,
                                           const std::string& source = "<json>");

}  // namespace plantune::precision
