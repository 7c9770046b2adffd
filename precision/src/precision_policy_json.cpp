#include "plantune/precision/precision_policy_json.h"

#include <nlohmann/json.hpp>

#include "json_number.h"

namespace plantune::precision {

namespace {

constexpr const char* kFormat = "plantune.precision_policy";
constexpr int kVersion = 1;

// Visits every bound of a budget with its JSON name, so reader and writer cannot drift.
template <typename B, typename V>
void budget_fields(B& b, V&& v) {
  v("max_rel_l2", b.max_rel_l2);
  v("max_abs", b.max_abs);
  v("max_rel", b.max_rel);
  v("max_mean_rel", b.max_mean_rel);
  v("min_sqnr_db", b.min_sqnr_db);
  v("min_cosine", b.min_cosine);
}

}  // namespace

nlohmann::json error_budget_to_json(const ErrorBudget& b) {
  nlohmann::json j = nlohmann::json::object();
  budget_fields(b, [&](const char* key, const std::optional<double>& bound) {
    if (bound) j[key] = detail::number_to_json(*bound);
  });
  return j;
}

ErrorBudget error_budget_from_json(const nlohmann::json& j, const std::string& source) {
  const std::string what = source + ": error budget";
  PT_REQUIRE(j.is_object(), parse_error, what << ": expected an object, got " << j.dump());
  ErrorBudget b;
  std::size_t known = 0;
  budget_fields(b, [&](const char* key, std::optional<double>& bound) {
    auto it = j.find(key);
    if (it == j.end()) return;
    bound = detail::number_from_json(*it, what + " \"" + key + "\"");
    ++known;
  });
  if (known != j.size()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      bool ok = false;
      budget_fields(b, [&](const char* key, std::optional<double>&) { ok = ok || it.key() == key; });
      PT_REQUIRE(ok, parse_error,
                 what << ": unknown key \"" << it.key()
                      << "\" (max_rel_l2, max_abs, max_rel, max_mean_rel, min_sqnr_db, min_cosine)");
    }
  }
  return b;
}

nlohmann::json precision_policy_to_json(const PrecisionPolicy& p) {
  nlohmann::json allowed = nlohmann::json::array();
  for (const auto& a : p.allowed) {
    allowed.push_back({{"precision", std::string(to_string(a.precision))},
                       {"budget", error_budget_to_json(a.budget)}});
  }
  return {{"format", kFormat}, {"version", kVersion}, {"allowed", allowed}};
}

PrecisionPolicy precision_policy_from_json(const nlohmann::json& j, const std::string& source) {
  const std::string what = source + ": precision policy";
  const auto& format = detail::member(j, "format", what);
  PT_REQUIRE(format == kFormat, parse_error,
             what << ": format is " << format.dump() << ", expected \"" << kFormat << "\"");
  const auto& version = detail::member(j, "version", what);
  PT_REQUIRE(version == kVersion, parse_error,
             what << ": version " << version.dump() << " is not supported (this build reads "
                  << kVersion << ")");
  const auto& allowed = detail::member(j, "allowed", what);
  PT_REQUIRE(allowed.is_array(), parse_error,
             what << ": \"allowed\" must be an array, got " << allowed.dump());
  PrecisionPolicy p;
  for (std::size_t i = 0; i < allowed.size(); ++i) {
    const std::string entry = what + " entry " + std::to_string(i);
    const auto& name = detail::member(allowed[i], "precision", entry);
    PT_REQUIRE(name.is_string(), parse_error,
               entry << ": \"precision\" must be a string, got " << name.dump());
    const auto t = dtype_from_string(name.get<std::string>());
    PT_REQUIRE(t.has_value(), parse_error,
               entry << ": unknown precision \"" << name.get<std::string>() << "\"");
    if (auto it = allowed[i].find("budget"); it != allowed[i].end()) {
      p.allowed.push_back({*t, error_budget_from_json(*it, entry)});
    } else {
      p.allowed.push_back({*t, default_budget(*t)});
    }
  }
  p.validate();
  return p;
}

}  // namespace plantune::precision
