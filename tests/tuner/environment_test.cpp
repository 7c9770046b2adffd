#include "plantune/tuner/environment.h"

#include <gtest/gtest.h>

#include "tuner/sample_db.h"

namespace plantune::tuner {
namespace {

using testing::h200_env;

TEST(Environment, SameEnvironmentHasNoDifferences) {
  auto c = check_environment(h200_env(), h200_env());
  EXPECT_EQ(c.verdict, EnvVerdict::same);
  EXPECT_TRUE(c.differences.empty());
  EXPECT_EQ(c.reason(), "");
}

TEST(Environment, AnotherGpuIsRejected) {
  Environment h100 = h200_env();
  h100.gpu_name = "NVIDIA H100 80GB HBM3";
  h100.sm_count = 132;
  auto c = check_environment(h200_env(), h100);
  EXPECT_EQ(c.verdict, EnvVerdict::reject);
  EXPECT_EQ(c.reason(), "GPU differs: measured with 'NVIDIA H200', now 'NVIDIA H100 80GB HBM3'");

  Environment mig = h200_env();
  mig.sm_count = 16;  // a MIG slice of the same chip
  c = check_environment(h200_env(), mig);
  EXPECT_EQ(c.verdict, EnvVerdict::reject);
  EXPECT_EQ(c.reason(), "SM count differs: measured with '132', now '16'");

  Environment cc = h200_env();
  cc.cc_minor = 1;
  EXPECT_EQ(check_environment(h200_env(), cc).verdict, EnvVerdict::reject);
}

TEST(Environment, AnotherLibraryVersionNeedsReverification) {
  Environment newer = h200_env();
  newer.cudnn_version = "9.19.0";
  auto c = check_environment(h200_env(), newer);
  EXPECT_EQ(c.verdict, EnvVerdict::reverify);
  EXPECT_EQ(c.reason(), "cuDNN version differs: measured with '9.14.0', now '9.19.0'");
  newer.cuda_runtime_version = "13.1";
  c = check_environment(h200_env(), newer);
  EXPECT_EQ(c.verdict, EnvVerdict::reverify);
  ASSERT_EQ(c.differences.size(), 2u);
  EXPECT_EQ(c.differences[1], "CUDA runtime version differs: measured with '13.0', now '13.1'");
}

TEST(Environment, DriverAndPlantuneVersionsAreNotesOnly) {
  Environment e = h200_env();
  e.driver_version = "13.1";
  e.plantune_version = "0.2.0";
  auto c = check_environment(h200_env(), e);
  EXPECT_EQ(c.verdict, EnvVerdict::same);
  ASSERT_EQ(c.differences.size(), 2u);
  EXPECT_NE(c.reason().find("driver version (note only) differs"), std::string::npos);
  EXPECT_NE(c.reason().find("plantune version (note only) differs"), std::string::npos);
}

TEST(Environment, WorstVerdictWins) {
  Environment e = h200_env();
  e.cudnn_version = "9.19.0";
  e.gpu_name = "NVIDIA H100";
  auto c = check_environment(h200_env(), e);
  EXPECT_EQ(c.verdict, EnvVerdict::reject);
  EXPECT_EQ(c.differences.size(), 2u);
  EXPECT_EQ(to_string(c.verdict), "reject");
}

TEST(Environment, DescribeAndEmpty) {
  EXPECT_EQ(h200_env().describe(),
            "NVIDIA H200 (cc 9.0, 132 SMs), driver 13.0, CUDA 13.0, cuDNN 9.14.0, plantune 0.1.0");
  EXPECT_TRUE(Environment{}.empty());
  EXPECT_FALSE(h200_env().empty());
}

}  // namespace
}  // namespace plantune::tuner
