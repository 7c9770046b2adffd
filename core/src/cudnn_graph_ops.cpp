#include "plantune/core/cudnn_graph_ops.h"

#include <limits>
#include <sstream>

#include "plantune/core/cudnn_backend_names.h"
#include "plantune/core/error.h"

namespace plantune {
namespace {

std::string join(std::span<const std::int64_t> v) {
  std::ostringstream os;
  os << "[";
  for (std::size_t i = 0; i < v.size(); ++i) os << (i ? "," : "") << v[i];
  os << "]";
  return os.str();
}

void require_type(const BackendDescriptor& d, cudnnBackendDescriptorType_t type, const char* role) {
  PT_REQUIRE(
      d.get() != nullptr && d.type() == type, invalid_argument,
      role << " must be a " << to_string(type) << ", got "
           << (d.get() == nullptr ? std::string("an empty descriptor") : to_string(d.type())));
}

}  // namespace

std::vector<std::int64_t> packed_strides(std::span<const std::int64_t> dims, bool channels_last) {
  const std::size_t n = dims.size();
  std::vector<std::int64_t> strides(n, 1);
  if (n == 0) return strides;
  // Order of dims from innermost to outermost.
  std::vector<std::size_t> inner_to_outer;
  if (channels_last && n >= 3) {
    inner_to_outer.push_back(1);
    for (std::size_t i = n - 1; i >= 2; --i) inner_to_outer.push_back(i);
    inner_to_outer.push_back(0);
  } else {
    for (std::size_t i = n; i-- > 0;) inner_to_outer.push_back(i);
  }
  std::int64_t stride = 1;
  for (std::size_t d : inner_to_outer) {
    strides[d] = stride;
    stride *= dims[d];
  }
  return strides;
}

BackendDescriptor make_tensor(std::int64_t uid, cudnnDataType_t dtype,
                              std::span<const std::int64_t> dims,
                              std::span<const std::int64_t> strides, std::int64_t alignment,
                              bool is_virtual) {
  PT_REQUIRE(dims.size() == strides.size() && !dims.empty(), invalid_argument,
             "tensor uid " << uid << ": dims " << join(dims) << " and strides " << join(strides)
                           << " must be non-empty and of equal length");
  BackendDescriptor t(CUDNN_BACKEND_TENSOR_DESCRIPTOR);
  t.set_int64(CUDNN_ATTR_TENSOR_UNIQUE_ID, uid)
      .set_data_type(CUDNN_ATTR_TENSOR_DATA_TYPE, dtype)
      .set_int64s(CUDNN_ATTR_TENSOR_DIMENSIONS, dims)
      .set_int64s(CUDNN_ATTR_TENSOR_STRIDES, strides)
      .set_int64(CUDNN_ATTR_TENSOR_BYTE_ALIGNMENT, alignment);
  if (is_virtual) t.set_bool(CUDNN_ATTR_TENSOR_IS_VIRTUAL, true);
  try {
    t.finalize();
  } catch (const Error& e) {
    std::ostringstream msg;
    msg << "tensor uid " << uid << " " << to_string(dtype) << " dims " << join(dims) << " strides "
        << join(strides) << ": " << e.what();
    detail::throw_error(e.code(), msg.str(), "make_tensor", __FILE__, __LINE__);
  }
  return t;
}

BackendDescriptor make_convolution(std::span<const std::int64_t> pre_padding,
                                   std::span<const std::int64_t> post_padding,
                                   std::span<const std::int64_t> strides,
                                   std::span<const std::int64_t> dilations,
                                   cudnnDataType_t compute) {
  const std::size_t n = pre_padding.size();
  PT_REQUIRE(n > 0 && post_padding.size() == n && strides.size() == n && dilations.size() == n,
             invalid_argument,
             "convolution: pre_padding " << join(pre_padding) << ", post_padding "
                                         << join(post_padding) << ", strides " << join(strides)
                                         << ", dilations " << join(dilations)
                                         << " must have one equal, non-zero length");
  BackendDescriptor c(CUDNN_BACKEND_CONVOLUTION_DESCRIPTOR);
  c.set_int64(CUDNN_ATTR_CONVOLUTION_SPATIAL_DIMS, static_cast<std::int64_t>(n))
      .set_data_type(CUDNN_ATTR_CONVOLUTION_COMP_TYPE, compute)
      .set_enum(CUDNN_ATTR_CONVOLUTION_CONV_MODE, CUDNN_TYPE_CONVOLUTION_MODE,
                CUDNN_CROSS_CORRELATION)
      .set_int64s(CUDNN_ATTR_CONVOLUTION_PRE_PADDINGS, pre_padding)
      .set_int64s(CUDNN_ATTR_CONVOLUTION_POST_PADDINGS, post_padding)
      .set_int64s(CUDNN_ATTR_CONVOLUTION_FILTER_STRIDES, strides)
      .set_int64s(CUDNN_ATTR_CONVOLUTION_DILATIONS, dilations);
  c.finalize();
  return c;
}

BackendDescriptor make_conv_forward(const BackendDescriptor& x, const BackendDescriptor& w,
                                    const BackendDescriptor& y,
                                    const BackendDescriptor& convolution, cudnnDataType_t compute,
                                    double alpha, double beta) {
  require_type(x, CUDNN_BACKEND_TENSOR_DESCRIPTOR, "conv forward X");
  require_type(w, CUDNN_BACKEND_TENSOR_DESCRIPTOR, "conv forward W");
  require_type(y, CUDNN_BACKEND_TENSOR_DESCRIPTOR, "conv forward Y");
  require_type(convolution, CUDNN_BACKEND_CONVOLUTION_DESCRIPTOR, "conv forward convolution");
  BackendDescriptor op(CUDNN_BACKEND_OPERATION_CONVOLUTION_FORWARD_DESCRIPTOR);
  op.set_descriptor(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_X, x)
      .set_descriptor(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_W, w)
      .set_descriptor(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_Y, y)
      .set_descriptor(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_CONV_DESC, convolution);
  // Note [cuDNN backend descriptors]: alpha/beta follow the compute type.
  if (compute == CUDNN_DATA_DOUBLE) {
    op.set_double(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_ALPHA, alpha)
        .set_double(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_BETA, beta);
  } else {
    op.set_float(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_ALPHA, static_cast<float>(alpha))
        .set_float(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_BETA, static_cast<float>(beta));
  }
  op.finalize();
  return op;
}

BackendDescriptor make_pointwise(cudnnPointwiseMode_t mode, cudnnDataType_t math_precision,
                                 const PointwiseParams& params) {
  BackendDescriptor pw(CUDNN_BACKEND_POINTWISE_DESCRIPTOR);
  pw.set_enum(CUDNN_ATTR_POINTWISE_MODE, CUDNN_TYPE_POINTWISE_MODE, mode)
      .set_data_type(CUDNN_ATTR_POINTWISE_MATH_PREC, math_precision);
  // The operator's scalars are doubles whatever the math precision, as cudnn-frontend sets them.
  if (mode == CUDNN_POINTWISE_RELU_FWD) {
    pw.set_double(CUDNN_ATTR_POINTWISE_RELU_LOWER_CLIP, params.relu_lower_clip);
    if (params.relu_upper_clip < std::numeric_limits<double>::infinity()) {
      pw.set_double(CUDNN_ATTR_POINTWISE_RELU_UPPER_CLIP, params.relu_upper_clip);
    }
  } else if (mode == CUDNN_POINTWISE_SWISH_FWD) {
    pw.set_double(CUDNN_ATTR_POINTWISE_SWISH_BETA, params.swish_beta);
  }
  try {
    pw.finalize();
  } catch (const Error& e) {
    std::ostringstream msg;
    msg << "pointwise operator mode " << static_cast<int>(mode) << " in "
        << to_string(math_precision) << ": " << e.what();
    detail::throw_error(e.code(), msg.str(), "make_pointwise", __FILE__, __LINE__);
  }
  return pw;
}

namespace {

BackendDescriptor pointwise_op(const BackendDescriptor& pointwise, const BackendDescriptor& x,
                               const BackendDescriptor* b, const BackendDescriptor& y,
                               double alpha1, double alpha2) {
  require_type(pointwise, CUDNN_BACKEND_POINTWISE_DESCRIPTOR, "pointwise operator");
  require_type(x, CUDNN_BACKEND_TENSOR_DESCRIPTOR, "pointwise X");
  if (b != nullptr) require_type(*b, CUDNN_BACKEND_TENSOR_DESCRIPTOR, "pointwise B");
  require_type(y, CUDNN_BACKEND_TENSOR_DESCRIPTOR, "pointwise Y");
  BackendDescriptor op(CUDNN_BACKEND_OPERATION_POINTWISE_DESCRIPTOR);
  op.set_descriptor(CUDNN_ATTR_OPERATION_POINTWISE_PW_DESCRIPTOR, pointwise)
      .set_descriptor(CUDNN_ATTR_OPERATION_POINTWISE_XDESC, x);
  if (b != nullptr) op.set_descriptor(CUDNN_ATTR_OPERATION_POINTWISE_BDESC, *b);
  op.set_descriptor(CUDNN_ATTR_OPERATION_POINTWISE_YDESC, y)
      .set_float(CUDNN_ATTR_OPERATION_POINTWISE_ALPHA1, static_cast<float>(alpha1));
  if (b != nullptr) {
    op.set_float(CUDNN_ATTR_OPERATION_POINTWISE_ALPHA2, static_cast<float>(alpha2));
  }
  try {
    op.finalize();
  } catch (const Error& e) {
    std::ostringstream msg;
    // (cuDNN 9.19 does not read a pointwise operator's mode back, so it is not named here.)
    msg << (b != nullptr ? "binary" : "unary") << " pointwise operation: " << e.what();
    detail::throw_error(e.code(), msg.str(), "make_pointwise_op", __FILE__, __LINE__);
  }
  return op;
}

}  // namespace

BackendDescriptor make_pointwise_op(const BackendDescriptor& pointwise, const BackendDescriptor& x,
                                    const BackendDescriptor& y, double alpha1) {
  return pointwise_op(pointwise, x, nullptr, y, alpha1, 1.0);
}

BackendDescriptor make_pointwise_op(const BackendDescriptor& pointwise, const BackendDescriptor& x,
                                    const BackendDescriptor& b, const BackendDescriptor& y,
                                    double alpha1, double alpha2) {
  return pointwise_op(pointwise, x, &b, y, alpha1, alpha2);
}

BackendDescriptor make_operation_graph(cudnnHandle_t handle,
                                       std::span<const BackendDescriptor> ops) {
  PT_REQUIRE(!ops.empty(), invalid_argument, "operation graph of no operations");
  BackendDescriptor g(CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR);
  if (handle != nullptr) g.set_handle(CUDNN_ATTR_OPERATIONGRAPH_HANDLE, handle);
  g.set_descriptors(CUDNN_ATTR_OPERATIONGRAPH_OPS, ops);
  try {
    g.finalize();
  } catch (const Error& e) {
    std::ostringstream msg;
    msg << "operation graph of " << ops.size() << " operation(s) (";
    for (std::size_t i = 0; i < ops.size(); ++i) msg << (i ? ", " : "") << to_string(ops[i].type());
    msg << "): " << e.what();
    detail::throw_error(e.code(), msg.str(), "make_operation_graph", __FILE__, __LINE__);
  }
  return g;
}

}  // namespace plantune
