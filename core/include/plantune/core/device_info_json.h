#pragma once
// JSON form of DeviceInfo and LibraryVersions (nlohmann's to_json/from_json, so `json j = info;`
// and `j.get<DeviceInfo>()` work). Versions are stored both as numbers and as readable strings;
// reading uses the numbers. Reading throws nlohmann::json::exception on a missing field.
#include <nlohmann/json.hpp>

#include "plantune/core/device_info.h"

namespace plantune {

void to_json(nlohmann::json& j, const LibraryVersions& v);
void from_json(const nlohmann::json& j, LibraryVersions& v);
void to_json(nlohmann::json& j, const DeviceInfo& d);
void from_json(const nlohmann::json& j, DeviceInfo& d);

}  // namespace plantune
