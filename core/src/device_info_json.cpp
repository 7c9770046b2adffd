#include "plantune/core/device_info_json.h"

namespace plantune {

void to_json(nlohmann::json& j, const LibraryVersions& v) {
  j = nlohmann::json{
      {"plantune", v.plantune},
      {"cudnn_runtime", v.cudnn_runtime},
      {"cudnn_compiled", v.cudnn_compiled},
      {"cuda_runtime", v.cuda_runtime},
      {"cuda_compiled", v.cuda_compiled},
      {"cuda_driver", v.cuda_driver},
      {"cublaslt_runtime", v.cublaslt_runtime},
      {"cublaslt_compiled", v.cublaslt_compiled},
      {"text",
       {{"cudnn_runtime", format_cudnn_version(v.cudnn_runtime)},
        {"cudnn_compiled", format_cudnn_version(v.cudnn_compiled)},
        {"cuda_runtime", format_cuda_version(v.cuda_runtime)},
        {"cuda_compiled", format_cuda_version(v.cuda_compiled)},
        {"cuda_driver", format_cuda_version(v.cuda_driver)},
        {"cublaslt_runtime", format_cudnn_version(v.cublaslt_runtime)},
        {"cublaslt_compiled", format_cudnn_version(v.cublaslt_compiled)}}},
  };
}

void from_json(const nlohmann::json& j, LibraryVersions& v) {
  j.at("plantune").get_to(v.plantune);
  j.at("cudnn_runtime").get_to(v.cudnn_runtime);
  j.at("cudnn_compiled").get_to(v.cudnn_compiled);
  j.at("cuda_runtime").get_to(v.cuda_runtime);
  j.at("cuda_compiled").get_to(v.cuda_compiled);
  j.at("cuda_driver").get_to(v.cuda_driver);
  j.at("cublaslt_runtime").get_to(v.cublaslt_runtime);
  j.at("cublaslt_compiled").get_to(v.cublaslt_compiled);
}

void to_json(nlohmann::json& j, const DeviceInfo& d) {
  j = nlohmann::json{
      {"device", d.device},
      {"name", d.name},
      {"compute_capability", d.compute_capability()},
      {"cc_major", d.cc_major},
      {"cc_minor", d.cc_minor},
      {"sm_count", d.sm_count},
      {"l2_bytes", d.l2_bytes},
      {"global_memory_bytes", d.global_memory_bytes},
      {"memory_clock_khz", d.memory_clock_khz},
      {"memory_bus_width_bits", d.memory_bus_width_bits},
      {"peak_memory_bandwidth_bytes_per_s", d.peak_memory_bandwidth()},
      {"sm_clock_khz", d.sm_clock_khz},
      {"versions", d.versions},
  };
}

void from_json(const nlohmann::json& j, DeviceInfo& d) {
  j.at("device").get_to(d.device);
  j.at("name").get_to(d.name);
  j.at("cc_major").get_to(d.cc_major);
  j.at("cc_minor").get_to(d.cc_minor);
  j.at("sm_count").get_to(d.sm_count);
  j.at("l2_bytes").get_to(d.l2_bytes);
  j.at("global_memory_bytes").get_to(d.global_memory_bytes);
  j.at("memory_clock_khz").get_to(d.memory_clock_khz);
  j.at("memory_bus_width_bits").get_to(d.memory_bus_width_bits);
  j.at("sm_clock_khz").get_to(d.sm_clock_khz);
  j.at("versions").get_to(d.versions);
}

}  // namespace plantune
