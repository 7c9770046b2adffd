#include "plantune/tuner/environment.h"

#include "text.h"

namespace plantune::tuner {

std::string Environment::describe() const {
  std::string s = gpu_name.empty() ? std::string("<no GPU>") : gpu_name;
  s += detail::cat(" (cc ", cc_major, ".", cc_minor, ", ", sm_count, " SMs)");
  s += ", driver " + (driver_version.empty() ? std::string("?") : driver_version);
  s += ", CUDA " + (cuda_runtime_version.empty() ? std::string("?") : cuda_runtime_version);
  s += ", cuDNN " + (cudnn_version.empty() ? std::string("?") : cudnn_version);
  s += ", plantune " + (plantune_version.empty() ? std::string("?") : plantune_version);
  return s;
}

std::string_view to_string(EnvVerdict v) {
  switch (v) {
    case EnvVerdict::same:
      return "same";
    case EnvVerdict::reverify:
      return "reverify";
    case EnvVerdict::reject:
      return "reject";
  }
  return "unknown";
}

std::string EnvCheck::reason() const {
  std::string s;
  for (const auto& d : differences) {
    if (!s.empty()) s += "; ";
    s += d;
  }
  return s;
}

EnvCheck check_environment(const Environment& stored, const Environment& current) {
  EnvCheck check;
  auto differ = [&](EnvVerdict level, const char* what, const std::string& a,
                    const std::string& b) {
    if (a == b) return;
    check.differences.push_back(
        detail::cat(what, " differs: measured with '", a, "', now '", b, "'"));
    if (level > check.verdict) check.verdict = level;
  };
  auto cc = [](const Environment& e) { return detail::cat(e.cc_major, ".", e.cc_minor); };
  differ(EnvVerdict::reject, "GPU", stored.gpu_name, current.gpu_name);
  differ(EnvVerdict::reject, "compute capability", cc(stored), cc(current));
  differ(EnvVerdict::reject, "SM count", std::to_string(stored.sm_count),
         std::to_string(current.sm_count));
  differ(EnvVerdict::reverify, "cuDNN version", stored.cudnn_version, current.cudnn_version);
  differ(EnvVerdict::reverify, "CUDA runtime version", stored.cuda_runtime_version,
         current.cuda_runtime_version);
  differ(EnvVerdict::same, "driver version (note only)", stored.driver_version,
         current.driver_version);
  differ(EnvVerdict::same, "plantune version (note only)", stored.plantune_version,
         current.plantune_version);
  return check;
}

}  // namespace plantune::tuner
