#include "plantune/core/device_info.h"

#include <cublasLt.h>
#include <cuda_runtime_api.h>
#include <cudnn_graph.h>
#include <cudnn_version.h>

#include <cstdio>
#include <sstream>

#include "plantune/core/cuda_check.h"
#include "plantune/core/error.h"

#ifndef PLANTUNE_VERSION_STRING
#define PLANTUNE_VERSION_STRING "unknown"
#endif

namespace plantune {
namespace {

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

int attribute(cudaDeviceAttr attr, int device) {
  int value = 0;
  PT_CUDA_CHECK_MSG(cudaDeviceGetAttribute(&value, attr, device),
                    "reading attribute " << static_cast<int>(attr) << " of CUDA device " << device);
  return value;
}

}  // namespace

std::string DeviceInfo::compute_capability() const {
  return std::to_string(cc_major) + "." + std::to_string(cc_minor);
}

double DeviceInfo::peak_memory_bandwidth() const {
  return 2.0 * static_cast<double>(memory_clock_khz) * 1e3 *
         static_cast<double>(memory_bus_width_bits) / 8.0;
}

LibraryVersions library_versions() {
  LibraryVersions v;
  v.plantune = PLANTUNE_VERSION_STRING;
  v.cudnn_runtime = static_cast<int>(cudnnGetVersion());
  v.cudnn_compiled = CUDNN_VERSION;
  v.cuda_compiled = CUDART_VERSION;
  if (cudaRuntimeGetVersion(&v.cuda_runtime) != cudaSuccess) v.cuda_runtime = 0;
  if (cudaDriverGetVersion(&v.cuda_driver) != cudaSuccess) v.cuda_driver = 0;
  v.cublaslt_runtime = static_cast<int>(cublasLtGetVersion());
  v.cublaslt_compiled = CUBLAS_VERSION;
  return v;
}

std::string no_device_reason() {
  int count = 0;
  const cudaError_t s = cudaGetDeviceCount(&count);
  if (s != cudaSuccess) return status_string(s);
  if (count == 0) return "cudaGetDeviceCount reports 0 devices";
  return "";
}

std::optional<DeviceInfo> query_device(int device) {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) return std::nullopt;
  PT_REQUIRE(device >= 0 && device < count, invalid_argument,
             "CUDA device " << device << " requested, but this machine has " << count << " (0.."
                            << count - 1 << ")");
  cudaDeviceProp prop{};
  PT_CUDA_CHECK_MSG(cudaGetDeviceProperties(&prop, device),
                    "reading the properties of CUDA device " << device);
  DeviceInfo d;
  d.device = device;
  d.name = prop.name;
  d.cc_major = prop.major;
  d.cc_minor = prop.minor;
  d.sm_count = prop.multiProcessorCount;
  d.l2_bytes = prop.l2CacheSize;
  d.global_memory_bytes = static_cast<std::int64_t>(prop.totalGlobalMem);
  d.memory_bus_width_bits = prop.memoryBusWidth;
  // CUDA 13 dropped the clock fields from cudaDeviceProp: ask for the attributes.
  d.memory_clock_khz = attribute(cudaDevAttrMemoryClockRate, device);
  d.sm_clock_khz = attribute(cudaDevAttrClockRate, device);
  d.versions = library_versions();
  return d;
}

std::string format_cudnn_version(int version) {
  return std::to_string(version / 10000) + "." + std::to_string(version / 100 % 100) + "." +
         std::to_string(version % 100);
}

std::string format_cuda_version(int version) {
  if (version == 0) return "no driver";
  return std::to_string(version / 1000) + "." + std::to_string(version / 10 % 100);
}

std::string to_string(const LibraryVersions& v) {
  std::ostringstream os;
  os << "plantune " << v.plantune << "\n"
     << "cuDNN " << format_cudnn_version(v.cudnn_runtime) << " loaded (built against "
     << format_cudnn_version(v.cudnn_compiled) << ")\n"
     << "CUDA runtime " << format_cuda_version(v.cuda_runtime) << " (built against "
     << format_cuda_version(v.cuda_compiled) << "), driver "
     << (v.cuda_driver == 0 ? std::string("not installed")
                            : "supports CUDA " + format_cuda_version(v.cuda_driver))
     << "\n"
     << "cuBLASLt " << format_cudnn_version(v.cublaslt_runtime) << " loaded (built against "
     << format_cudnn_version(v.cublaslt_compiled) << ")\n";
  return os.str();
}

std::string to_string(const DeviceInfo& d) {
  constexpr double kMiB = 1024.0 * 1024.0;
  constexpr double kGiB = kMiB * 1024.0;
  std::ostringstream os;
  os << "GPU " << d.device << ": " << d.name << ", compute capability " << d.compute_capability()
     << ", " << d.sm_count << " SMs, L2 " << fixed(static_cast<double>(d.l2_bytes) / kMiB, 1)
     << " MiB, memory " << fixed(static_cast<double>(d.global_memory_bytes) / kGiB, 1) << " GiB\n"
     << "  memory clock " << d.memory_clock_khz / 1000 << " MHz x " << d.memory_bus_width_bits
     << " bit (" << fixed(d.peak_memory_bandwidth() / 1e9, 0) << " GB/s peak), SM clock "
     << d.sm_clock_khz / 1000 << " MHz\n";
  return os.str();
}

}  // namespace plantune
