#include "plantune/layouts/transform_cost_json.h"

#include <nlohmann/json.hpp>

#include "plantune/core/error.h"

namespace plantune::layouts {

namespace {

const nlohmann::json& member(const nlohmann::json& j, const char* key, const std::string& what) {
  PT_REQUIRE(j.is_object(), parse_error, what << ": expected an object, got " << j.dump());
  auto it = j.find(key);
  PT_REQUIRE(it != j.end(), parse_error, what << ": missing key \"" << key << "\"");
  return *it;
}

std::string string_member(const nlohmann::json& j, const char* key, const std::string& what) {
  const auto& v = member(j, key, what);
  PT_REQUIRE(v.is_string(), parse_error,
             what << ": \"" << key << "\" must be a string, got " << v.dump());
  return v.get<std::string>();
}

double number_member(const nlohmann::json& j, const char* key, const std::string& what) {
  const auto& v = member(j, key, what);
  PT_REQUIRE(v.is_number(), parse_error,
             what << ": \"" << key << "\" must be a number, got " << v.dump());
  return v.get<double>();
}

std::int64_t integer_member(const nlohmann::json& j, const char* key, const std::string& what) {
  const auto& v = member(j, key, what);
  PT_REQUIRE(v.is_number_integer(), parse_error,
             what << ": \"" << key << "\" must be an integer, got " << v.dump());
  return v.get<std::int64_t>();
}

TensorLayout layout_member(const nlohmann::json& j, const char* key, const std::string& what) {
  const std::string name = string_member(j, key, what);
  const auto l = tensor_layout_from_string(name);
  PT_REQUIRE(l.has_value(), parse_error, what << ": unknown layout \"" << name << "\" in \"" << key
                                              << "\"");
  return *l;
}

DType dtype_member(const nlohmann::json& j, const char* key, const std::string& what) {
  const std::string name = string_member(j, key, what);
  const auto t = dtype_from_string(name);
  PT_REQUIRE(t.has_value(), parse_error, what << ": unknown dtype \"" << name << "\" in \"" << key
                                              << "\"");
  return *t;
}

}  // namespace

nlohmann::json transform_desc_to_json(const TransformDesc& d) {
  return {{"dims", {d.dims.n, d.dims.c, d.dims.h, d.dims.w}},
          {"src_layout", to_string(d.src_layout)},
          {"src_dtype", std::string(plantune::to_string(d.src_dtype))},
          {"dst_layout", to_string(d.dst_layout)},
          {"dst_dtype", std::string(plantune::to_string(d.dst_dtype))}};
}

TransformDesc transform_desc_from_json(const nlohmann::json& j, const std::string& source) {
  const std::string what = source + ": transform";
  const auto& dims = member(j, "dims", what);
  PT_REQUIRE(dims.is_array() && dims.size() == 4, parse_error,
             what << ": \"dims\" must be an array of 4 integers (N, C, H, W), got " << dims.dump());
  for (const auto& v : dims) {
    PT_REQUIRE(v.is_number_integer(), parse_error,
               what << ": \"dims\" must hold integers, got " << dims.dump());
  }
  TransformDesc d;
  d.dims = {dims[0].get<std::int64_t>(), dims[1].get<std::int64_t>(), dims[2].get<std::int64_t>(),
            dims[3].get<std::int64_t>()};
  d.src_layout = layout_member(j, "src_layout", what);
  d.src_dtype = dtype_member(j, "src_dtype", what);
  d.dst_layout = layout_member(j, "dst_layout", what);
  d.dst_dtype = dtype_member(j, "dst_dtype", what);
  validate(d);
  return d;
}

nlohmann::json transform_cost_to_json(const TransformCost& c) {
  nlohmann::json j = transform_desc_to_json(c.desc);
  j["provider"] = c.provider;
  j["bytes_moved"] = c.bytes_moved;
  j["median_ms"] = c.median_ms;
  j["min_ms"] = c.min_ms;
  j["max_ms"] = c.max_ms;
  j["repetitions"] = c.repetitions;
  j["gbps"] = c.gbps;
  return j;
}

TransformCost transform_cost_from_json(const nlohmann::json& j, const std::string& source) {
  const std::string what = source + ": transform cost";
  TransformCost c;
  c.desc = transform_desc_from_json(j, source);
  c.provider = string_member(j, "provider", what);
  c.bytes_moved = integer_member(j, "bytes_moved", what);
  PT_REQUIRE(c.bytes_moved == bytes_moved(c.desc), parse_error,
             what << ": bytes_moved " << c.bytes_moved << " disagrees with "
                  << to_string(c.desc) << " (" << bytes_moved(c.desc) << ")");
  c.median_ms = number_member(j, "median_ms", what);
  c.min_ms = number_member(j, "min_ms", what);
  c.max_ms = number_member(j, "max_ms", what);
  c.repetitions = static_cast<int>(integer_member(j, "repetitions", what));
  c.gbps = number_member(j, "gbps", what);
  return c;
}

}  // namespace plantune::layouts
