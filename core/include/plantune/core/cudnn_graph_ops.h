#pragma once
// Builders for the graph side of cuDNN's backend API: tensors, convolution descriptors, the
// convolution-forward operation, pointwise operators and operations (bias, residual add,
// activations fused after a convolution) and the operation graph. Each returns a finalized
// BackendDescriptor or throws Error naming what it was building. See Note [cuDNN layouts] and
// Note [cuDNN backend descriptors] in cudnn_backend.h.
#include <cudnn_graph.h>

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "plantune/core/cudnn_backend.h"

namespace plantune {

// Packed strides for `dims` given in logical (N, C, spatial...) order: row-major over that
// order, or channels-last (N, spatial..., C) when `channels_last`.
std::vector<std::int64_t> packed_strides(std::span<const std::int64_t> dims, bool channels_last);

// A tensor `uid` (unique within its graph) of `dtype`, logical `dims` and `strides`.
// `alignment` is the byte alignment promised for the pointer bound at execution. A virtual
// tensor lives only inside a fused graph and has no pointer.
BackendDescriptor make_tensor(std::int64_t uid, cudnnDataType_t dtype,
                              std::span<const std::int64_t> dims,
                              std::span<const std::int64_t> strides, std::int64_t alignment = 16,
                              bool is_virtual = false);

// A cross-correlation (framework "convolution") over pre.size() spatial dims; all four arrays
// have that length. `compute` is the accumulation type (CUDNN_DATA_FLOAT for fp32/fp16/bf16).
BackendDescriptor make_convolution(std::span<const std::int64_t> pre_padding,
                                   std::span<const std::int64_t> post_padding,
                                   std::span<const std::int64_t> strides,
                                   std::span<const std::int64_t> dilations,
                                   cudnnDataType_t compute);

// y = alpha * conv(x, w) + beta * y. `compute` must be the convolution's compute type: it
// decides how alpha and beta are passed (Note [cuDNN backend descriptors]).
BackendDescriptor make_conv_forward(const BackendDescriptor& x, const BackendDescriptor& w,
                                    const BackendDescriptor& y,
                                    const BackendDescriptor& convolution, cudnnDataType_t compute,
                                    double alpha = 1.0, double beta = 0.0);

// Parameters of a pointwise operator beyond its mode; each is set only for the modes that read
// it (cuDNN's defaults otherwise). RELU_FWD computes min(max(x, lower), upper) (relu6: upper 6).
struct PointwiseParams {
  double relu_lower_clip = 0.0;                                       // RELU_FWD
  double relu_upper_clip = std::numeric_limits<double>::infinity();   // RELU_FWD; inf: no clip
  double swish_beta = 1.0;                                            // SWISH_FWD: x * sigmoid(beta x)
};

// A pointwise operator (CUDNN_BACKEND_POINTWISE_DESCRIPTOR) of `mode`, computed in
// `math_precision` (CUDNN_DATA_FLOAT for fp32 / fp16 / bf16 data).
BackendDescriptor make_pointwise(cudnnPointwiseMode_t mode,
                                 cudnnDataType_t math_precision = CUDNN_DATA_FLOAT,
                                 const PointwiseParams& params = {});

// A pointwise operation: y = op(alpha1 * x) for a unary operator (activations), or
// y = op(alpha1 * x, alpha2 * b) for a binary one (ADD: x + b; b may broadcast, e.g. a bias of
// dims [1, K, 1, 1] against x [N, K, P, Q]). x, b and y are tensors (y may be virtual: the input
// of the next operation of a fused graph). Alphas are passed as floats (Note [cuDNN backend
// descriptors]). Throws Error saying which kind of operation cuDNN refused.
BackendDescriptor make_pointwise_op(const BackendDescriptor& pointwise, const BackendDescriptor& x,
                                    const BackendDescriptor& y, double alpha1 = 1.0);
BackendDescriptor make_pointwise_op(const BackendDescriptor& pointwise, const BackendDescriptor& x,
                                    const BackendDescriptor& b, const BackendDescriptor& y,
                                    double alpha1 = 1.0, double alpha2 = 1.0);

// The operation graph of `ops` for `handle`'s device. A nullptr handle leaves the attribute
// unset (see Note [cuDNN backend descriptors]: only for inspecting engines without a GPU).
// Throws Error(not_supported) when this cuDNN cannot express the pattern.
BackendDescriptor make_operation_graph(cudnnHandle_t handle,
                                       std::span<const BackendDescriptor> ops);

}  // namespace plantune
