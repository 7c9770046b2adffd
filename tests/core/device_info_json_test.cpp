// DeviceInfo and LibraryVersions to JSON and back.
#include "plantune/core/device_info_json.h"

#include <gtest/gtest.h>

namespace {

plantune::DeviceInfo h200() {
  plantune::DeviceInfo d;
  d.device = 1;
  d.name = "NVIDIA H200";
  d.cc_major = 9;
  d.cc_minor = 0;
  d.sm_count = 132;
  d.l2_bytes = 62914560;
  d.global_memory_bytes = 150110011392;
  d.memory_clock_khz = 3201000;
  d.memory_bus_width_bits = 6144;
  d.sm_clock_khz = 1980000;
  d.versions = {"0.1.0", 91400, 91900, 13000, 13000, 13000, 130100, 130100};
  return d;
}

TEST(DeviceInfoJson, RoundTrips) {
  const plantune::DeviceInfo d = h200();
  nlohmann::json j = d;
  EXPECT_EQ(j.get<plantune::DeviceInfo>(), d);
  // Through text as well, as a database file would hold it.
  EXPECT_EQ(nlohmann::json::parse(j.dump()).get<plantune::DeviceInfo>(), d);
}

TEST(DeviceInfoJson, FieldsAndReadableVersions) {
  nlohmann::json j = h200();
  EXPECT_EQ(j["name"], "NVIDIA H200");
  EXPECT_EQ(j["compute_capability"], "9.0");
  EXPECT_EQ(j["sm_count"], 132);
  EXPECT_EQ(j["l2_bytes"], 62914560);
  // 2 transfers x 3.201 GHz x 6144 bit / 8 = 4.916736 TB/s
  EXPECT_DOUBLE_EQ(j["peak_memory_bandwidth_bytes_per_s"].get<double>(), 4.916736e12);
  EXPECT_EQ(j["versions"]["cudnn_runtime"], 91400);
  EXPECT_EQ(j["versions"]["text"]["cudnn_runtime"], "9.14.0");
  EXPECT_EQ(j["versions"]["text"]["cudnn_compiled"], "9.19.0");
  EXPECT_EQ(j["versions"]["text"]["cuda_runtime"], "13.0");
  EXPECT_EQ(j["versions"]["text"]["cublaslt_runtime"], "13.1.0");
}

TEST(DeviceInfoJson, NoDriverIsSpelledOut) {
  plantune::LibraryVersions v = h200().versions;
  v.cuda_driver = 0;
  nlohmann::json j = v;
  EXPECT_EQ(j["cuda_driver"], 0);
  EXPECT_EQ(j["text"]["cuda_driver"], "no driver");
  EXPECT_EQ(j.get<plantune::LibraryVersions>(), v);
}

TEST(DeviceInfoJson, MissingFieldThrows) {
  nlohmann::json j = h200();
  j.erase("sm_count");
  EXPECT_THROW(j.get<plantune::DeviceInfo>(), nlohmann::json::exception);
}

}  // namespace
