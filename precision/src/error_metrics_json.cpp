#include "plantune/precision/error_metrics_json.h"

#include <nlohmann/json.hpp>

#include "json_number.h"

namespace plantune::precision {

using detail::member;
using detail::number_from_json;
using detail::number_to_json;

nlohmann::json error_metrics_to_json(const ErrorMetrics& m) {
  nlohmann::json j = nlohmann::json::object();
  j["count"] = m.count;
  j["nonfinite"] = m.nonfinite;
  j["max_abs"] = number_to_json(m.max_abs);
  j["max_rel"] = number_to_json(m.max_rel);
  j["mean_rel"] = number_to_json(m.mean_rel);
  j["rel_l2"] = number_to_json(m.rel_l2);
  j["sqnr_db"] = number_to_json(m.sqnr_db);
  j["cosine"] = number_to_json(m.cosine);
  return j;
}

ErrorMetrics error_metrics_from_json(const nlohmann::json& j, const std::string& source) {
  const std::string what = source + ": error metrics";
  auto integer = [&](const char* key) {
    const auto& v = member(j, key, what);
    PT_REQUIRE(v.is_number_integer(), parse_error,
               what << ": \"" << key << "\" must be an integer, got " << v.dump());
    return v.get<std::int64_t>();
  };
  auto number = [&](const char* key) {
    return number_from_json(member(j, key, what), what + " \"" + key + "\"");
  };
  ErrorMetrics m;
  m.count = integer("count");
  m.nonfinite = integer("nonfinite");
  m.max_abs = number("max_abs");
  m.max_rel = number("max_rel");
  m.mean_rel = number("mean_rel");
  m.rel_l2 = number("rel_l2");
  m.sqnr_db = number("sqnr_db");
  m.cosine = number("cosine");
  return m;
}

}  // namespace plantune::precision
