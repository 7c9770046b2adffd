#include "plantune/tuner/device_environment.h"

#include "plantune/core/error.h"

namespace plantune::tuner {

Environment environment_of(const DeviceInfo& d) {
  Environment e;
  e.gpu_name = d.name;
  e.cc_major = d.cc_major;
  e.cc_minor = d.cc_minor;
  e.sm_count = d.sm_count;
  e.driver_version = format_cuda_version(d.versions.cuda_driver);
  e.cuda_runtime_version = format_cuda_version(d.versions.cuda_runtime);
  e.cudnn_version = format_cudnn_version(d.versions.cudnn_runtime);
  e.plantune_version = d.versions.plantune;
  return e;
}

Environment device_environment(int device) {
  const std::optional<DeviceInfo> d = query_device(device);
  PT_REQUIRE(d.has_value(), not_supported,
             "no CUDA device to tune on: " << no_device_reason());
  return environment_of(*d);
}

}  // namespace plantune::tuner
