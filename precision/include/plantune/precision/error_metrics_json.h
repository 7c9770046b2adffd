#pragma once
// ErrorMetrics as JSON, as the tactic database stores it beside a tactic's time:
//   {"count": 802816, "nonfinite": 0, "max_abs": 0.0012, "max_rel": 0.21, "mean_rel": 0.0009,
//    "rel_l2": 0.00041, "sqnr_db": 67.7, "cosine": 0.99999992}
// Non-finite values are written as the strings "inf", "-inf", "nan".
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "plantune/precision/error_metrics.h"

namespace plantune::precision {

nlohmann::json error_metrics_to_json(const ErrorMetrics& m);
// Throws parse_error naming `source` and the key for a missing or mistyped key.
ErrorMetrics error_metrics_from_json(const nlohmann::json& j, const std::string& source = "<json>");

}  // namespace plantune::precision
