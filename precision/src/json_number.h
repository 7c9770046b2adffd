#pragma once
// JSON numbers that may be non-finite: written as numbers when finite, else as the strings
// "inf", "-inf", "nan" (JSON itself has no such numbers); read back from either form.
#include <cmath>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "plantune/core/error.h"

namespace plantune::precision::detail {

inline nlohmann::json number_to_json(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

inline double number_from_json(const nlohmann::json& j, const std::string& what) {
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) {
    const auto s = j.get<std::string>();
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
    if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
  }
  PT_FAIL(parse_error, what << ": expected a number (or \"inf\", \"-inf\", \"nan\"), got "
                            << j.dump());
}

// The member `key` of object `j`; parse_error naming `what` and the key when missing.
inline const nlohmann::json& member(const nlohmann::json& j, const char* key,
                                    const std::string& what) {
  PT_REQUIRE(j.is_object(), parse_error, what << ": expected an object, got " << j.dump());
  auto it = j.find(key);
  PT_REQUIRE(it != j.end(), parse_error, what << ": missing key \"" << key << "\"");
  return *it;
}

}  // namespace plantune::precision::detail
