// CudaGraph capture / instantiate / launch, with Stream and Event; misuse that needs no GPU.
#include "plantune/core/cuda_graph.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "plantune/core/device_buffer.h"
#include "plantune/core/error.h"
#include "plantune/core/event.h"
#include "plantune/core/host_buffer.h"
#include "plantune/core/stream.h"
#include "support/gpu_skip.h"

namespace {

using plantune::CudaGraph;
using plantune::DeviceBuffer;
using plantune::Error;

TEST(CudaGraph, MisuseIsAnInvalidArgument) {
  CudaGraph g;
  EXPECT_FALSE(g.instantiated());
  EXPECT_FALSE(g.capturing());
  EXPECT_EQ(g.node_count(), 0u);
  try {
    g.end_capture();
    FAIL() << "end_capture without begin_capture must throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), plantune::ErrorCode::invalid_argument);
  }
  EXPECT_THROW(g.launch(nullptr), Error);
}

TEST(CudaGraph, CapturedCopiesReplayOnLaunch) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: needs a stream";
  plantune::Stream stream;
  DeviceBuffer<std::uint8_t> a(1 << 20), b(1 << 20);
  plantune::HostBuffer<std::uint8_t> host(1 << 20);
  CudaGraph g;
  g.begin_capture(stream.get());
  EXPECT_TRUE(g.capturing());
  PT_CUDA_CHECK(cudaMemsetAsync(a.data(), 0x5A, a.bytes(), stream.get()));
  PT_CUDA_CHECK(
      cudaMemcpyAsync(b.data(), a.data(), a.bytes(), cudaMemcpyDeviceToDevice, stream.get()));
  PT_CUDA_CHECK(
      cudaMemcpyAsync(host.data(), b.data(), b.bytes(), cudaMemcpyDeviceToHost, stream.get()));
  g.end_capture();
  EXPECT_FALSE(g.capturing());
  EXPECT_TRUE(g.instantiated());
  EXPECT_EQ(g.node_count(), 3u);
  // Nothing ran during the capture.
  b.fill_bytes(0);
  std::fill(host.span().begin(), host.span().end(), std::uint8_t{0});
  PT_CUDA_CHECK(cudaDeviceSynchronize());

  plantune::Event start, end;
  start.record(stream.get());
  g.launch(stream.get());
  end.record(stream.get());
  const float ms = end - start;  // waits for `end`
  EXPECT_GE(ms, 0.0f);
  EXPECT_TRUE(end.query());
  EXPECT_TRUE(stream.query());
  for (std::size_t i = 0; i < host.size(); i += 4099) ASSERT_EQ(host[i], 0x5A) << i;
  EXPECT_EQ(b.to_host(), std::vector<std::uint8_t>(b.size(), 0x5A));

  // A second launch replays the same work again.
  std::fill(host.span().begin(), host.span().end(), std::uint8_t{1});
  g.launch(stream.get());
  stream.synchronize();
  EXPECT_EQ(host[12345], 0x5A);

  // Moving keeps the instantiated graph.
  CudaGraph moved(std::move(g));
  EXPECT_TRUE(moved.instantiated());
  EXPECT_FALSE(g.instantiated());  // NOLINT(bugprone-use-after-move)
}

TEST(CudaGraph, DestroyingWhileCapturingLeavesTheStreamUsable) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: needs a stream";
  plantune::Stream stream;
  DeviceBuffer<std::uint8_t> a(4096);
  a.fill_bytes(0);
  PT_CUDA_CHECK(cudaDeviceSynchronize());
  {
    CudaGraph g;
    g.begin_capture(stream.get());
    PT_CUDA_CHECK(cudaMemsetAsync(a.data(), 7, a.bytes(), stream.get()));
  }  // the capture ends here and its work is dropped
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusActive;
  ASSERT_EQ(cudaStreamIsCapturing(stream.get(), &status), cudaSuccess);
  EXPECT_EQ(status, cudaStreamCaptureStatusNone);
  stream.synchronize();
  EXPECT_EQ(a.to_host(), std::vector<std::uint8_t>(4096, 0));  // the memset never ran
  PT_CUDA_CHECK(cudaMemsetAsync(a.data(), 9, a.bytes(), stream.get()));
  stream.synchronize();
  EXPECT_EQ(a.to_host(), std::vector<std::uint8_t>(4096, 9));
}

TEST(Event, TimingDisabledEventsCannotBeSubtracted) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: needs events";
  plantune::Stream stream;
  plantune::Event start(cudaEventDisableTiming), end(cudaEventDisableTiming);
  start.record(stream.get());
  end.record(stream.get());
  try {
    (void)(end - start);
    FAIL() << "elapsed time of untimed events must throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), plantune::ErrorCode::cuda_error);
    EXPECT_NE(std::string(e.what()).find("measuring the time between two CUDA events"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
