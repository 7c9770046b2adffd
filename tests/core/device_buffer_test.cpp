// DeviceBuffer (device memory) and HostBuffer (pinned host memory): size checks that need no
// GPU, and round trips through device memory on a GPU machine.
#include "plantune/core/device_buffer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include "plantune/core/error.h"
#include "plantune/core/host_buffer.h"
#include "plantune/core/stream.h"
#include "support/gpu_skip.h"

namespace {

using plantune::DeviceBuffer;
using plantune::Error;
using plantune::ErrorCode;
using plantune::HostBuffer;

TEST(DeviceBuffer, EmptyHoldsNothingAndRejectsCopies) {
  DeviceBuffer<float> empty;
  EXPECT_EQ(empty.data(), nullptr);
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_TRUE(empty.empty());
  DeviceBuffer<float> zero(0);  // no allocation for zero elements
  EXPECT_EQ(zero.data(), nullptr);
  std::vector<float> three(3);
  try {
    zero.upload(three);
    FAIL() << "uploading 3 elements into 0 must throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("upload of 3 elements into a device buffer of 0"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(zero.download(three), Error);
}

TEST(DeviceBuffer, ByteSizeOverflowIsReportedBeforeAllocating) {
  try {
    DeviceBuffer<double> huge(std::numeric_limits<std::size_t>::max() / 4);
    FAIL() << "must throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::overflow);
  }
}

TEST(DeviceBuffer, RoundTripAndMove) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: needs cudaMalloc";
  std::vector<std::int32_t> host(1000);
  std::iota(host.begin(), host.end(), -500);
  DeviceBuffer<std::int32_t> a(host.size());
  EXPECT_EQ(a.bytes(), 4000u);
  a.upload(host);
  EXPECT_EQ(a.to_host(), host);
  // A partial download reads the front.
  std::vector<std::int32_t> front(10);
  a.download(front);
  EXPECT_EQ(front, std::vector<std::int32_t>(host.begin(), host.begin() + 10));
  // Moving transfers the allocation.
  std::int32_t* raw = a.data();
  DeviceBuffer<std::int32_t> b(std::move(a));
  EXPECT_EQ(b.data(), raw);
  EXPECT_EQ(a.data(), nullptr);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(b.to_host(), host);
  b.fill_bytes(0);
  EXPECT_EQ(b.to_host(), std::vector<std::int32_t>(host.size(), 0));
  b.fill_bytes(0xFF);
  EXPECT_EQ(b.to_host(), std::vector<std::int32_t>(host.size(), -1));
}

TEST(DeviceBuffer, OutOfMemoryIsOutOfMemory) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: needs cudaMalloc";
  try {
    DeviceBuffer<std::byte> too_big(std::size_t{1} << 50);  // 1 PiB
    FAIL() << "a 1 PiB allocation must fail";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::out_of_memory);
    EXPECT_NE(std::string(e.what()).find("allocating a device buffer of 1125899906842624 bytes"),
              std::string::npos)
        << e.what();
  }
  // The failure is not sticky: the next allocation works.
  DeviceBuffer<float> ok(16);
  EXPECT_NE(ok.data(), nullptr);
}

TEST(HostBuffer, PinnedAsyncRoundTrip) {
  if (!plantune::testing::has_cuda_device()) {
    GTEST_SKIP() << "no CUDA device: needs cudaHostAlloc and a stream";
  }
  plantune::Stream stream;
  HostBuffer<float> in(4096), out(4096);
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<float>(i) * 0.5f;
  std::fill(out.span().begin(), out.span().end(), -1.0f);
  DeviceBuffer<float> dev(in.size());
  dev.upload_async(in.span(), stream.get());
  dev.download_async(out.span(), stream.get());
  stream.synchronize();
  EXPECT_TRUE(std::equal(in.span().begin(), in.span().end(), out.span().begin()));
  HostBuffer<float> moved(std::move(out));
  EXPECT_EQ(moved.size(), 4096u);
  EXPECT_EQ(moved[4095], 4095 * 0.5f);
}

}  // namespace
