// CudnnHandle and CublasLtHandle: creation, stream binding and ownership on a GPU machine, and
// the error a machine without one gets.
#include <gtest/gtest.h>

#include <utility>

#include "plantune/core/cublaslt_handle.h"
#include "plantune/core/cudnn_handle.h"
#include "plantune/core/error.h"
#include "plantune/core/stream.h"
#include "support/gpu_skip.h"

namespace {

TEST(CudnnHandle, WithoutADeviceCreationThrowsNamingCudnn) {
  if (plantune::testing::has_cuda_device()) {
    GTEST_SKIP() << "a CUDA device is present: this checks the machines without one";
  }
  try {
    plantune::CudnnHandle h;
    FAIL() << "cudnnCreate must fail without a device";
  } catch (const plantune::Error& e) {
    EXPECT_NE(std::string(e.what()).find("creating a cuDNN handle: cuDNN error"), std::string::npos)
        << e.what();
  }
}

TEST(CudnnHandle, BindsItsStreamAndMoves) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: cudnnCreate";
  plantune::Stream stream;
  plantune::CudnnHandle h(stream.get());
  ASSERT_NE(h.get(), nullptr);
  EXPECT_EQ(h.stream(), stream.get());
  plantune::Stream other;
  h.set_stream(other.get());
  EXPECT_EQ(h.stream(), other.get());
  const cudnnHandle_t raw = h.get();
  plantune::CudnnHandle moved(std::move(h));
  EXPECT_EQ(moved.get(), raw);
  EXPECT_EQ(h.get(), nullptr);  // NOLINT(bugprone-use-after-move)
}

TEST(CublasLtHandle, CreatesAndMoves) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: cublasLtCreate";
  plantune::CublasLtHandle h;
  ASSERT_NE(h.get(), nullptr);
  const cublasLtHandle_t raw = h.get();
  plantune::CublasLtHandle moved;
  moved = std::move(h);
  EXPECT_EQ(moved.get(), raw);
  EXPECT_EQ(h.get(), nullptr);  // NOLINT(bugprone-use-after-move)
}

}  // namespace
