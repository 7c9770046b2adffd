#pragma once
// The reference executor's own kernels (reference_executor.h): fp32, NCHW (logical order for
// every rank), one plain kernel per op kind, independent of the Engine's kernels (kernels.h)
// and of cuDNN/cuBLAS. Written to be obviously right; fast only where ResNet-50 at batch 32
// needs it (the direct convolution computes 8 output channels per thread).
//
// Host declarations only (the kernels live in reference_kernels.cu), so the executor's .cpp
// includes this header. Every function enqueues on `stream`, checks the launch (cuda_error) and
// returns; device pointers are dense fp32 arrays that must not overlap unless said otherwise.
#include <cuda_runtime_api.h>

#include <cstdint>

#include "plantune/core/op.h"

namespace plantune::runtime::reference {

// Geometry of a convolution or transposed convolution: input [n, c, h, w], output [n, k, ho, wo].
struct ConvGeometry {
  std::int64_t n, c, h, w;
  std::int64_t k, ho, wo;
  std::int64_t kh, kw, sh, sw, ph, pw, dh, dw;
  std::int64_t groups;
};

// y = act(conv(x, weight) + bias); weight is PyTorch's [K, C/groups, kh, kw]; bias [K] or null.
void conv2d(const float* x, const float* weight, const float* bias, float* y,
            const ConvGeometry& g, Activation act, cudaStream_t stream);
// Transposed convolution (PyTorch's ConvTranspose2d, gather form: each output sums the input
// positions whose scattered windows cover it); weight is [C, K/groups, kh, kw]; bias [K] or null.
void conv_transpose2d(const float* x, const float* weight, const float* bias, float* y,
                      const ConvGeometry& g, Activation act, cudaStream_t stream);
// y[n, o] = act(sum_i x[n, i] * weight[o, i] + bias[o]); weight [out, in]; bias [out] or null.
void fully_connected(const float* x, const float* weight, const float* bias, float* y,
                     std::int64_t n, std::int64_t in, std::int64_t out, Activation act,
                     cudaStream_t stream);
// y = x * scale[c] + shift[c] for x viewed as [outer, c, inner].
void scale_shift(const float* x, const float* scale, const float* shift, float* y,
                 std::int64_t outer, std::int64_t c, std::int64_t inner, cudaStream_t stream);
// y = act(x), count elements; y may be x.
void activation(const float* x, float* y, std::int64_t count, Activation act,
                cudaStream_t stream);
// y[i] = act(a[i] + b[i]) (mul: a[i] * b[i / b_div]; b_div = 1 for equal shapes, H*W for a
// [N, C, 1, 1] factor).
void add(const float* a, const float* b, float* y, std::int64_t count, Activation act,
         cudaStream_t stream);
void mul(const float* a, const float* b, float* y, std::int64_t count, std::int64_t b_div,
         Activation act, cudaStream_t stream);

struct PoolGeometry {
  std::int64_t planes;  // n * c
  std::int64_t h, w, ho, wo;
  std::int64_t kh, kw, sh, sw, ph, pw;
};
// PyTorch's MaxPool2d and AvgPool2d (count_include_pad=True), windows given by ho, wo.
void max_pool(const float* x, float* y, const PoolGeometry& g, cudaStream_t stream);
void avg_pool(const float* x, float* y, const PoolGeometry& g, cudaStream_t stream);
// y[p] = mean of the hw elements of plane p (fp64 sums).
void global_avg_pool(const float* x, float* y, std::int64_t planes, std::int64_t hw,
                     cudaStream_t stream);
// Softmax over the middle axis of x viewed as [outer, len, inner] (fp64 sums).
void softmax(const float* x, float* y, std::int64_t outer, std::int64_t len, std::int64_t inner,
             cudaStream_t stream);
// One input of a concat: y viewed as [outer, total] receives x viewed as [outer, part] in
// columns [offset, offset + part).
void concat_part(const float* x, float* y, std::int64_t outer, std::int64_t part,
                 std::int64_t total, std::int64_t offset, cudaStream_t stream);
// Upsampling of `planes` planes of h x w by integer factors sh x sw: nearest, or bilinear with
// align_corners=False (computed in fp64).
void upsample(const float* x, float* y, std::int64_t planes, std::int64_t h, std::int64_t w,
              std::int64_t sh, std::int64_t sw, UpsampleMode mode, cudaStream_t stream);

}  // namespace plantune::runtime::reference
