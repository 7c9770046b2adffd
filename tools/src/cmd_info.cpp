// plantune info [--json]: the plantune, cuDNN, CUDA and cuBLASLt versions, and the GPU; on a
// machine without one it says why and still succeeds.
#include <iostream>
#include <nlohmann/json.hpp>

#include "args.h"
#include "commands.h"
#include "plantune/core/device_info.h"
#include "plantune/core/device_info_json.h"

namespace plantune::cli {

int cmd_info(const Args& args) {
  ArgParser p("plantune info",
              "print plantune's version, the cuDNN / CUDA / cuBLASLt versions (built against and "
              "loaded) and the GPU; works without a GPU");
  p.flag("--json", "print one JSON object instead of text");
  if (!p.parse(args)) return 0;

  const LibraryVersions versions = library_versions();
  const std::optional<DeviceInfo> device = query_device(0);
  const std::string reason = device ? std::string() : no_device_reason();

  if (p.has("--json")) {
    nlohmann::json j;
    j["plantune_version"] = versions.plantune;
    j["libraries"] = versions;
    if (device) {
      nlohmann::json d = *device;
      d.erase("versions");  // already under "libraries"
      j["device"] = d;
    } else {
      j["device"] = nullptr;
      j["no_device_reason"] = reason;
    }
    std::cout << j.dump(2) << "\n";
    return 0;
  }

  std::cout << to_string(versions);
  if (device) {
    std::cout << to_string(*device);
  } else {
    std::cout << "no CUDA device: " << reason << "\n";
  }
  return 0;
}

}  // namespace plantune::cli
