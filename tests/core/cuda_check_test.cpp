// PT_CUDA_CHECK / PT_CUDNN_CHECK / PT_CUBLAS_CHECK and their _MSG and _LOG forms, on statuses
// made up in the test (no GPU needed) and on one real cuDNN failure.
#include "plantune/core/cuda_check.h"

#include <gtest/gtest.h>

#include <string>

namespace {

using plantune::Error;
using plantune::ErrorCode;

// Runs `f`, which must throw plantune::Error; returns it.
template <typename F>
Error catch_error(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected plantune::Error";
  return Error(ErrorCode::internal, "no error thrown");
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

TEST(CudnnCheck, BadParamNamesStatusCallAndLine) {
  const int line = __LINE__ + 1;
  Error e = catch_error([] { PT_CUDNN_CHECK(CUDNN_STATUS_BAD_PARAM); });
  EXPECT_EQ(e.code(), ErrorCode::cudnn_error);
  const std::string what = e.what();
  EXPECT_TRUE(what.rfind("cuDNN error CUDNN_STATUS_BAD_PARAM (code 2000)", 0) == 0) << what;
  EXPECT_TRUE(contains(
      what, "(CUDNN_STATUS_BAD_PARAM at cuda_check_test.cpp:" + std::to_string(line) + ")"))
      << what;
}

TEST(CudnnCheck, MessageArgumentIsStreamedInFront) {
  const int layer = 3;
  Error e = catch_error(
      [&] { PT_CUDNN_CHECK_MSG(CUDNN_STATUS_EXECUTION_FAILED, "running conv layer " << layer); });
  EXPECT_EQ(e.code(), ErrorCode::cudnn_error);
  EXPECT_TRUE(
      std::string(e.what()).rfind(
          "running conv layer 3: cuDNN error CUDNN_STATUS_EXECUTION_FAILED (code 5000)", 0) == 0)
      << e.what();
}

TEST(CudnnCheck, NotSupportedFamilyMapsToNotSupported) {
  for (cudnnStatus_t s :
       {CUDNN_STATUS_NOT_SUPPORTED, CUDNN_STATUS_NOT_SUPPORTED_SHAPE,
        CUDNN_STATUS_NOT_SUPPORTED_LAYOUT, CUDNN_STATUS_NOT_SUPPORTED_DATA_TYPE}) {
    EXPECT_TRUE(plantune::is_not_supported(s)) << static_cast<int>(s);
    EXPECT_EQ(catch_error([s] { PT_CUDNN_CHECK(s); }).code(), ErrorCode::not_supported);
  }
  EXPECT_FALSE(plantune::is_not_supported(CUDNN_STATUS_SUCCESS));
  EXPECT_FALSE(plantune::is_not_supported(CUDNN_STATUS_BAD_PARAM));
  EXPECT_FALSE(plantune::is_not_supported(CUDNN_STATUS_INTERNAL_ERROR));
  EXPECT_EQ(plantune::error_code_for(CUDNN_STATUS_INTERNAL_ERROR_DEVICE_ALLOCATION_FAILED),
            ErrorCode::out_of_memory);
}

TEST(CudnnCheck, SuccessEvaluatesTheCallOnce) {
  int calls = 0;
  auto call = [&] {
    ++calls;
    return CUDNN_STATUS_SUCCESS;
  };
  PT_CUDNN_CHECK(call());
  PT_CUDA_CHECK((++calls, cudaSuccess));
  PT_CUBLAS_CHECK((++calls, CUBLAS_STATUS_SUCCESS));
  EXPECT_EQ(calls, 3);
}

TEST(CudnnCheck, RealFailureCarriesCudnnsOwnExplanationOnce) {
  // Setting a convolution attribute on a tensor descriptor is rejected by cuDNN itself.
  cudnnBackendDescriptor_t d = nullptr;
  ASSERT_EQ(cudnnBackendCreateDescriptor(CUDNN_BACKEND_TENSOR_DESCRIPTOR, &d),
            CUDNN_STATUS_SUCCESS);
  cudnnDataType_t t = CUDNN_DATA_FLOAT;
  Error e = catch_error([&] {
    PT_CUDNN_CHECK(
        cudnnBackendSetAttribute(d, CUDNN_ATTR_CONVOLUTION_COMP_TYPE, CUDNN_TYPE_DATA_TYPE, 1, &t));
  });
  EXPECT_EQ(e.code(), ErrorCode::cudnn_error);
  EXPECT_TRUE(contains(e.what(), "CUDNN_STATUS_BAD_PARAM")) << e.what();
  EXPECT_TRUE(contains(e.what(), "cudnnBackendSetAttribute(d, CUDNN_ATTR_CONVOLUTION_COMP_TYPE"))
      << e.what();
  // The check consumed cuDNN's message: it is not reported again with a later failure.
  EXPECT_EQ(plantune::cudnn_last_error_message(), "");
  EXPECT_EQ(cudnnBackendDestroyDescriptor(d), CUDNN_STATUS_SUCCESS);
}

TEST(CudaCheck, InvalidValueNamesErrorAndText) {
  const int line = __LINE__ + 1;
  Error e = catch_error([] { PT_CUDA_CHECK(cudaErrorInvalidValue); });
  EXPECT_EQ(e.code(), ErrorCode::cuda_error);
  EXPECT_EQ(std::string(e.what()),
            "CUDA error cudaErrorInvalidValue (invalid argument) (cudaErrorInvalidValue at "
            "cuda_check_test.cpp:" +
                std::to_string(line) + ")");
}

TEST(CudaCheck, AllocationFailureIsOutOfMemoryWithContext) {
  const std::size_t bytes = 1024;
  Error e = catch_error(
      [&] { PT_CUDA_CHECK_MSG(cudaErrorMemoryAllocation, "allocating " << bytes << " bytes"); });
  EXPECT_EQ(e.code(), ErrorCode::out_of_memory);
  EXPECT_TRUE(std::string(e.what()).rfind("allocating 1024 bytes: CUDA error "
                                          "cudaErrorMemoryAllocation (out of memory)",
                                          0) == 0)
      << e.what();
}

TEST(CublasCheck, StatusNameAndCode) {
  Error e = catch_error([] { PT_CUBLAS_CHECK(CUBLAS_STATUS_INVALID_VALUE); });
  EXPECT_EQ(e.code(), ErrorCode::cublas_error);
  EXPECT_TRUE(std::string(e.what()).rfind("cuBLAS error CUBLAS_STATUS_INVALID_VALUE (", 0) == 0)
      << e.what();
  EXPECT_EQ(catch_error([] { PT_CUBLAS_CHECK(CUBLAS_STATUS_NOT_SUPPORTED); }).code(),
            ErrorCode::not_supported);
  EXPECT_EQ(catch_error([] { PT_CUBLAS_CHECK(CUBLAS_STATUS_ALLOC_FAILED); }).code(),
            ErrorCode::out_of_memory);
}

TEST(LogVariants, LogToStderrAndDoNotThrow) {
  ::testing::internal::CaptureStderr();
  PT_CUDA_LOG(cudaErrorInvalidValue);
  PT_CUDNN_LOG(CUDNN_STATUS_BAD_PARAM);
  PT_CUBLAS_LOG(CUBLAS_STATUS_INVALID_VALUE);
  PT_CUDA_LOG(cudaSuccess);  // prints nothing
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(contains(log,
                       "plantune: CUDA error cudaErrorInvalidValue (invalid argument) "
                       "(cudaErrorInvalidValue at cuda_check_test.cpp:"))
      << log;
  EXPECT_TRUE(contains(log, "plantune: cuDNN error CUDNN_STATUS_BAD_PARAM (code 2000)")) << log;
  EXPECT_TRUE(contains(log, "plantune: cuBLAS error CUBLAS_STATUS_INVALID_VALUE")) << log;
  EXPECT_FALSE(contains(log, "cudaSuccess")) << log;
}

}  // namespace
