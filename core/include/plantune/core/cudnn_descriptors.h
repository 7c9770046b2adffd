#pragma once
// Owned descriptors of cuDNN's legacy (imperative) API, one template for all of them:
//   TensorDescriptor, FilterDescriptor, ConvolutionDescriptor.
// Each is created empty (no GPU needed) and configured with its set...() methods. Dimensions
// are always given in cuDNN's logical order (N, C, H, W) / (K, C, R, S); the memory layout is
// the `format` (or the strides), see Note [cuDNN layouts] in cudnn_backend.h.
#include <cudnn.h>

#include <span>
#include <utility>

#include "plantune/core/cuda_check.h"
#include "plantune/core/error.h"

namespace plantune {

template <typename T, cudnnStatus_t (*Create)(T*), cudnnStatus_t (*Destroy)(T)>
class Descriptor {
 public:
  // Creates the descriptor (a host-side object).
  Descriptor() { PT_CUDNN_CHECK(Create(&desc_)); }
  ~Descriptor() {
    if (desc_ != nullptr) PT_CUDNN_LOG(Destroy(desc_));
  }
  Descriptor(Descriptor&& other) noexcept : desc_(std::exchange(other.desc_, nullptr)) {}
  Descriptor& operator=(Descriptor&& other) noexcept {
    if (this != &other) {
      if (desc_ != nullptr) PT_CUDNN_LOG(Destroy(desc_));
      desc_ = std::exchange(other.desc_, nullptr);
    }
    return *this;
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;

  // The raw descriptor (nullptr after a move).
  T get() const noexcept { return desc_; }

 protected:
  T desc_ = nullptr;
};

class TensorDescriptor : public Descriptor<cudnnTensorDescriptor_t, &cudnnCreateTensorDescriptor,
                                           &cudnnDestroyTensorDescriptor> {
 public:
  // A packed 4-D tensor of logical shape (n, c, h, w) stored as `format` (NCHW or NHWC).
  TensorDescriptor& set_4d(cudnnTensorFormat_t format, cudnnDataType_t dtype, int n, int c, int h,
                           int w) {
    PT_CUDNN_CHECK_MSG(cudnnSetTensor4dDescriptor(desc_, format, dtype, n, c, h, w),
                       "tensor descriptor " << n << "x" << c << "x" << h << "x" << w);
    return *this;
  }
  // Any strided tensor of 3 to 8 dims; dims and strides in logical (N, C, spatial...) order.
  TensorDescriptor& set(cudnnDataType_t dtype, std::span<const int> dims,
                        std::span<const int> strides) {
    PT_REQUIRE(
        dims.size() == strides.size(), invalid_argument,
        "tensor descriptor with " << dims.size() << " dims but " << strides.size() << " strides");
    PT_CUDNN_CHECK_MSG(cudnnSetTensorNdDescriptor(desc_, dtype, static_cast<int>(dims.size()),
                                                  dims.data(), strides.data()),
                       "tensor descriptor of " << dims.size() << " dims");
    return *this;
  }
};

class FilterDescriptor : public Descriptor<cudnnFilterDescriptor_t, &cudnnCreateFilterDescriptor,
                                           &cudnnDestroyFilterDescriptor> {
 public:
  // Filters of logical shape (k, c, r, s); c is the channels per group (C / groups). `format`
  // NCHW stores KCRS, NHWC stores KRSC.
  FilterDescriptor& set_4d(cudnnDataType_t dtype, cudnnTensorFormat_t format, int k, int c, int r,
                           int s) {
    PT_CUDNN_CHECK_MSG(cudnnSetFilter4dDescriptor(desc_, dtype, format, k, c, r, s),
                       "filter descriptor " << k << "x" << c << "x" << r << "x" << s);
    return *this;
  }
};

class ConvolutionDescriptor
    : public Descriptor<cudnnConvolutionDescriptor_t, &cudnnCreateConvolutionDescriptor,
                        &cudnnDestroyConvolutionDescriptor> {
 public:
  // A 2-D convolution; CUDNN_CROSS_CORRELATION is what frameworks call convolution.
  // `compute` is the accumulation type (CUDNN_DATA_FLOAT for fp32, fp16 and bf16 data).
  ConvolutionDescriptor& set_2d(int pad_h, int pad_w, int stride_h, int stride_w, int dilation_h,
                                int dilation_w, cudnnDataType_t compute,
                                cudnnConvolutionMode_t mode = CUDNN_CROSS_CORRELATION) {
    PT_CUDNN_CHECK_MSG(cudnnSetConvolution2dDescriptor(desc_, pad_h, pad_w, stride_h, stride_w,
                                                       dilation_h, dilation_w, mode, compute),
                       "convolution descriptor pad " << pad_h << "," << pad_w << " stride "
                                                     << stride_h << "," << stride_w << " dilation "
                                                     << dilation_h << "," << dilation_w);
    return *this;
  }
  // Grouped convolution: C and K are split into `groups` independent convolutions.
  ConvolutionDescriptor& set_group_count(int groups) {
    PT_CUDNN_CHECK_MSG(cudnnSetConvolutionGroupCount(desc_, groups), "group count " << groups);
    return *this;
  }
  // Which math the algorithms may use; see Note [cuDNN math types] in cudnn_backend.h:
  // CUDNN_FMA_MATH for true fp32, CUDNN_TENSOR_OP_MATH for fp16/bf16 (and TF32 on fp32).
  ConvolutionDescriptor& set_math_type(cudnnMathType_t math) {
    PT_CUDNN_CHECK(cudnnSetConvolutionMathType(desc_, math));
    return *this;
  }
};

}  // namespace plantune
