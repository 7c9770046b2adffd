#pragma once
// TransformCost as JSON, the form the tactic database stores:
//   {"dims": [32, 3, 224, 224], "src_layout": "nchw", "src_dtype": "fp32",
//    "dst_layout": "nhwc_c8", "dst_dtype": "fp16", "provider": "plantune",
//    "bytes_moved": 44957696, "median_ms": 0.0151, "min_ms": 0.0149, "max_ms": 0.0158,
//    "repetitions": 50, "gbps": 2977.3}
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "plantune/layouts/transform_cost.h"

namespace plantune::layouts {

nlohmann::json transform_desc_to_json(const TransformDesc& d);
// Throws parse_error naming `source` and the key for a missing or mistyped key, an unknown
// layout or dtype name; invalid_argument when the result fails validate().
TransformDesc transform_desc_from_json(const nlohmann::json& j,
                                       const std::string& source = "<json>");

// The desc's keys plus the measurement's, in one flat object.
nlohmann::json transform_cost_to_json(const TransformCost& c);
// Also throws parse_error when bytes_moved disagrees with the desc.
TransformCost transform_cost_from_json(const nlohmann::json& j,
                                       const std::string& source = "<json>");

}  // namespace plantune::layouts
