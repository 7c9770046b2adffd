#pragma once
// The Environment (environment.h) of the GPU this process runs on.
#include "plantune/core/device_info.h"
#include "plantune/tuner/environment.h"

namespace plantune::tuner {

// Fields from a DeviceInfo: GPU name, compute capability, SM count, the driver's CUDA version
// ("13.0"), the CUDA runtime, the cuDNN loaded at run time and plantune's version.
Environment environment_of(const DeviceInfo& device);

// environment_of(query_device(device)); throws not_supported naming the reason when there is
// no usable CUDA device.
Environment device_environment(int device = 0);

}  // namespace plantune::tuner
