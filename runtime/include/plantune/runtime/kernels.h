#pragma once
// CUDA kernels for the layers that are not convolutions: pooling, element-wise ops and
// activations, the epilogue of a convolution that could not fuse it, standalone batch norm,
// softmax, concat and upsample. The Engine calls these between its cuDNN/cuBLASLt steps.
//
// Every launcher is asynchronous on `stream` and takes its tensors as TensorRef: a device
// pointer to a dense 4-D tensor of fp32, fp16 or bf16 (tf32 reads as fp32) in NCHW or NHWC.
// Arithmetic runs in fp32 (see convert.cuh for the roundings), so fp16/bf16 results are the
// fp32 result rounded once. Tensors of one call share dtype and layout unless said otherwise.
// Shape, dtype or layout mismatches throw Error(invalid_argument) naming the problem; a failed
// launch throws cuda_error. 16-byte aligned pointers (cudaMalloc gives 256) with channel counts
// (NHWC) or planes (NCHW) that are multiples of 16 bytes take the vector paths.
#include <cuda_runtime_api.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "plantune/core/dtype.h"
#include "plantune/core/op.h"
#include "plantune/core/shape.h"

namespace plantune::runtime::kernels {

// A dense tensor in device memory with logical dims N, C, H, W; `layout` says which is
// fastest in memory. A 2-D [N, F] tensor is n = N, c = F, h = w = 1 (NCHW and NHWC coincide).
struct TensorRef {
  void* data = nullptr;
  DType dtype = DType::fp32;
  Layout layout = Layout::nchw;
  std::int64_t n = 1, c = 1, h = 1, w = 1;
};

// n * c * h * w, and that times the element size (no overflow check; validate() checks it).
std::int64_t numel(const TensorRef& t);
std::int64_t bytes(const TensorRef& t);
// True when the byte ranges of a and b share at least one byte.
bool overlap(const TensorRef& a, const TensorRef& b);
// True when a and b have the same dims, dtype and layout (not necessarily the same data).
bool same_tensor_type(const TensorRef& a, const TensorRef& b);
// "fp16 nhwc [32, 64, 56, 56]".
std::string to_string(const TensorRef& t);
// Throws invalid_argument naming `what` unless t.data is non-null, every dim is >= 1, the
// element count fits in 63 bits and the dtype is fp32, tf32, fp16 or bf16.
void validate(const TensorRef& t, std::string_view what);

// ---- pooling (pool.cu) ----------------------------------------------------------------------

// Max pooling with core's PoolAttrs (PyTorch's MaxPool2d: padding never wins, ceil_mode's last
// window starts inside the input or the left padding; a NaN in a window gives NaN). y's dims
// must be infer_output_shape's for x. x and y must not overlap.
void max_pool(const TensorRef& x, const TensorRef& y, const PoolAttrs& attrs, cudaStream_t stream);
// Average pooling, PyTorch's AvgPool2d defaults (core's op does not document a choice, so the
// PyTorch default holds): count_include_pad=True, i.e. the divisor counts the padded positions
// of the window but not positions past the padding that ceil_mode adds. fp32 sums.
void avg_pool(const TensorRef& x, const TensorRef& y, const PoolAttrs& attrs, cudaStream_t stream);
// y[n, c] = mean over h, w of x[n, c] (fp32 sums); y is [N, C, 1, 1] in either layout.
void global_avg_pool(const TensorRef& x, const TensorRef& y, cudaStream_t stream);

// ---- element-wise (eltwise.cu) --------------------------------------------------------------

// y = act(a + b). a, b, y have one shape; y may be a or b (in place).
void add(const TensorRef& a, const TensorRef& b, const TensorRef& y,
         Activation act, cudaStream_t stream);
// y = act(a * b), b of a's shape or [N, C, 1, 1] (broadcast over H, W; then any layout). y may
// be a (in place), or b when b has a's shape.
void mul(const TensorRef& a, const TensorRef& b, const TensorRef& y,
         Activation act, cudaStream_t stream);
// y = act(x); y may be x. `act` none copies. relu6 clamps to [0, 6], gelu is the erf form,
// hard_swish is x * relu6(x + 3) / 6, silu is x * sigmoid(x).
void activation(const TensorRef& x, const TensorRef& y, Activation act, cudaStream_t stream);
// In place: y = act(y + bias[c] + z). bias: device array of C elements of y's dtype, or null;
// residual: a tensor of y's shape, dtype and layout (must not be y), or null. For a
// convolution whose epilogue did not fuse.
void bias_residual_activation(const TensorRef& y, const void* bias, const TensorRef* residual,
                              Activation act, cudaStream_t stream);
// Standalone batch norm (inference): y = act(x * scale[c] + shift[c]); scale and shift are
// device arrays of C fp32 values. y may be x.
void scale_shift(const TensorRef& x, const TensorRef& y, const float* scale, const float* shift,
                 cudaStream_t stream, Activation act = Activation::none);

// ---- softmax (softmax.cu) -------------------------------------------------------------------

// Softmax over the channel axis, for each (n, h, w): [N, C] logits are n = N, c = C. Max
// subtracted, fp32 exponentials and sums. y may be x.
void softmax(const TensorRef& x, const TensorRef& y, cudaStream_t stream);

// ---- concat (concat.cu) ---------------------------------------------------------------------

// Concatenates `inputs` (one or more) along channels into y: y.c == sum of their c, every
// other dim equal, one dtype and layout. No input may overlap y.
void concat(std::span<const TensorRef> inputs, const TensorRef& y, cudaStream_t stream);

// ---- upsample (upsample.cu) -----------------------------------------------------------------

// Upsamples by the integer factors of `attrs` (y.h == x.h * scale_h, y.w == x.w * scale_w):
// nearest copies x[h / scale_h, w / scale_w]; bilinear is PyTorch's align_corners=False
// (source coordinate (dst + 0.5) / scale - 0.5, clamped at 0, edge replicated).
void upsample(const TensorRef& x, const TensorRef& y, const UpsampleAttrs& attrs,
              cudaStream_t stream);

}  // namespace plantune::runtime::kernels
