#pragma once
// What a result was measured with: the GPU (DeviceInfo) and the library versions
// (LibraryVersions), compiled-against and loaded-at-run-time. Both can be asked for on a
// machine without a GPU or driver: query_device() then answers nullopt, library_versions() still
// reports what it can.
#include <cstdint>
#include <optional>
#include <string>

namespace plantune {

// Versions as the libraries encode them, with helpers to format them below.
struct LibraryVersions {
  std::string plantune;       // "0.1.0"
  int cudnn_runtime = 0;      // cudnnGetVersion() of the loaded library, e.g. 91400
  int cudnn_compiled = 0;     // CUDNN_VERSION of the headers built against, e.g. 91900
  int cuda_runtime = 0;       // cudaRuntimeGetVersion(), e.g. 13000
  int cuda_compiled = 0;      // CUDART_VERSION of the headers
  int cuda_driver = 0;        // cudaDriverGetVersion(): newest CUDA the driver supports;
                              // 0 when no driver is installed
  int cublaslt_runtime = 0;   // cublasLtGetVersion(), e.g. 130100
  int cublaslt_compiled = 0;  // CUBLAS_VERSION of the headers
  bool operator==(const LibraryVersions&) const = default;
};

// Properties of one GPU that change which tactic wins, plus the versions it ran with.
struct DeviceInfo {
  int device = 0;
  std::string name;  // "NVIDIA H200"
  int cc_major = 0;  // compute capability 9.0 -> 9, 0
  int cc_minor = 0;
  int sm_count = 0;
  std::int64_t l2_bytes = 0;
  std::int64_t global_memory_bytes = 0;
  int memory_clock_khz = 0;  // peak memory clock
  int memory_bus_width_bits = 0;
  int sm_clock_khz = 0;  // peak SM clock
  LibraryVersions versions;
  bool operator==(const DeviceInfo&) const = default;

  // "9.0"
  std::string compute_capability() const;
  // Theoretical DRAM bandwidth, 2 transfers per memory clock over the bus (bytes/s).
  double peak_memory_bandwidth() const;
};

// The library versions; never throws and needs no GPU.
LibraryVersions library_versions();

// Device `device`, or nullopt when the machine has no usable CUDA device or driver (the reason
// is no_device_reason()). Throws Error(invalid_argument) for an index beyond the devices present.
std::optional<DeviceInfo> query_device(int device = 0);

// "" when a CUDA device is present; otherwise why not, from cudaGetDeviceCount, e.g.
// "cudaErrorNoDevice (no CUDA-capable device is detected)".
std::string no_device_reason();

// "9.14.0" from 91400 (cuDNN 9 encoding: major*10000 + minor*100 + patch; also cuBLAS's).
std::string format_cudnn_version(int version);
// "13.0" from 13000 (CUDA encoding: major*1000 + minor*10); "no driver" for 0.
std::string format_cuda_version(int version);
// Multi-line human-readable summary, as `plantune info` prints it.
std::string to_string(const LibraryVersions& v);
std::string to_string(const DeviceInfo& d);

}  // namespace plantune
