// library_versions() (any machine), query_device() and no_device_reason() (checked against the
// CUDA runtime directly on a GPU machine, and for their no-device answers elsewhere).
#include "plantune/core/device_info.h"

#include <cuda_runtime_api.h>
#include <cudnn_version.h>
#include <gtest/gtest.h>

#include <string>

#include "plantune/core/error.h"
#include "support/gpu_skip.h"

namespace {

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

TEST(LibraryVersions, ReportedWithoutAGpu) {
  const plantune::LibraryVersions v = plantune::library_versions();
  EXPECT_FALSE(v.plantune.empty());
  EXPECT_NE(v.plantune, "unknown");
  EXPECT_EQ(v.cudnn_compiled, CUDNN_VERSION);
  EXPECT_EQ(v.cudnn_runtime / 10000, 9) << "cuDNN 9 expected, loaded " << v.cudnn_runtime;
  EXPECT_EQ(v.cuda_compiled, CUDART_VERSION);
  EXPECT_GE(v.cuda_runtime, 12000);
  EXPECT_GE(v.cublaslt_runtime, 120000);
  EXPECT_GE(v.cuda_driver, 0);
}

TEST(LibraryVersions, Formatting) {
  EXPECT_EQ(plantune::format_cudnn_version(91400), "9.14.0");
  EXPECT_EQ(plantune::format_cudnn_version(90102), "9.1.2");
  EXPECT_EQ(plantune::format_cudnn_version(130100), "13.1.0");
  EXPECT_EQ(plantune::format_cuda_version(13000), "13.0");
  EXPECT_EQ(plantune::format_cuda_version(12080), "12.8");
  EXPECT_EQ(plantune::format_cuda_version(0), "no driver");
  plantune::LibraryVersions v{"0.1.0", 91400, 91900, 13000, 13000, 0, 130100, 130100};
  const std::string text = plantune::to_string(v);
  EXPECT_TRUE(contains(text, "cuDNN 9.14.0 loaded (built against 9.19.0)")) << text;
  EXPECT_TRUE(contains(text, "driver not installed")) << text;
}

TEST(QueryDevice, AnswersConsistentlyWithOrWithoutDevice) {
  const std::string reason = plantune::no_device_reason();
  const auto info = plantune::query_device(0);
  if (plantune::testing::has_cuda_device()) {
    EXPECT_EQ(reason, "");
    EXPECT_TRUE(info.has_value());
  } else {
    EXPECT_FALSE(info.has_value());
    EXPECT_FALSE(reason.empty());
  }
}

TEST(QueryDevice, MatchesTheRuntimesAttributes) {
  if (!plantune::testing::has_cuda_device()) {
    GTEST_SKIP() << "no CUDA device: query_device needs a GPU to describe";
  }
  const auto info = plantune::query_device(0);
  ASSERT_TRUE(info.has_value());
  auto attr = [](cudaDeviceAttr a) {
    int v = 0;
    EXPECT_EQ(cudaDeviceGetAttribute(&v, a, 0), cudaSuccess);
    return v;
  };
  EXPECT_FALSE(info->name.empty());
  EXPECT_EQ(info->cc_major, attr(cudaDevAttrComputeCapabilityMajor));
  EXPECT_EQ(info->cc_minor, attr(cudaDevAttrComputeCapabilityMinor));
  EXPECT_EQ(info->sm_count, attr(cudaDevAttrMultiProcessorCount));
  EXPECT_EQ(info->l2_bytes, attr(cudaDevAttrL2CacheSize));
  EXPECT_EQ(info->memory_bus_width_bits, attr(cudaDevAttrGlobalMemoryBusWidth));
  EXPECT_EQ(info->memory_clock_khz, attr(cudaDevAttrMemoryClockRate));
  EXPECT_EQ(info->sm_clock_khz, attr(cudaDevAttrClockRate));
  std::size_t free_bytes = 0, total_bytes = 0;
  ASSERT_EQ(cudaMemGetInfo(&free_bytes, &total_bytes), cudaSuccess);
  EXPECT_EQ(info->global_memory_bytes, static_cast<std::int64_t>(total_bytes));
  EXPECT_GT(info->sm_count, 0);
  EXPECT_GT(info->l2_bytes, 0);
  EXPECT_GT(info->peak_memory_bandwidth(), 1e11);  // any GPU cuDNN 9 supports beats 100 GB/s
  EXPECT_GT(info->versions.cuda_driver, 0);
  EXPECT_EQ(info->versions, plantune::library_versions());
  const std::string text = plantune::to_string(*info);
  EXPECT_TRUE(contains(text, info->name)) << text;
  EXPECT_TRUE(contains(text, "compute capability " + info->compute_capability())) << text;
}

TEST(QueryDevice, IndexBeyondTheDevicesThrows) {
  if (!plantune::testing::has_cuda_device()) {
    GTEST_SKIP() << "no CUDA device: needs the device count of a GPU machine";
  }
  int count = 0;
  ASSERT_EQ(cudaGetDeviceCount(&count), cudaSuccess);
  try {
    plantune::query_device(count);
    FAIL() << "device " << count << " of " << count << " must be rejected";
  } catch (const plantune::Error& e) {
    EXPECT_EQ(e.code(), plantune::ErrorCode::invalid_argument);
    EXPECT_TRUE(contains(e.what(), "CUDA device " + std::to_string(count) + " requested"))
        << e.what();
  }
}

}  // namespace
