// The reference executor's kernels (reference_kernels.cuh): fp32 NCHW, one thread per output
// element unless said otherwise, grid-stride loops, 64-bit indices.
#include "reference_kernels.cuh"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "plantune/core/cuda_check.h"
#include "plantune/core/error.h"

namespace plantune::runtime::reference {

namespace {

constexpr int kThreads = 256;

unsigned blocks_for(std::int64_t threads) {
  return static_cast<unsigned>(std::clamp<std::int64_t>(
      (threads + kThreads - 1) / kThreads, 1, std::numeric_limits<std::int32_t>::max()));
}

void check_launch(const char* what) {
  PT_CUDA_CHECK_MSG(cudaGetLastError(), "launching the reference " << what << " kernel");
}

// The activations of core's Activation enum, in fp32 (the same formulas as PyTorch's).
__device__ float act_fn(Activation a, float v) {
  switch (a) {
    case Activation::none: return v;
    case Activation::relu: return v > 0.0f ? v : 0.0f;
    case Activation::relu6: return fminf(fmaxf(v, 0.0f), 6.0f);
    case Activation::sigmoid: return 1.0f / (1.0f + expf(-v));
    case Activation::silu: return v * (1.0f / (1.0f + expf(-v)));
    case Activation::gelu: return 0.5f * v * (1.0f + erff(v / sqrtf(2.0f)));
    case Activation::hard_swish: return v * fminf(fmaxf(v + 3.0f, 0.0f), 6.0f) / 6.0f;
  }
  return v;
}

#define PT_GRID_STRIDE(i, count)                                                              \
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;     \
       i < (count); i += static_cast<std::int64_t>(gridDim.x) * blockDim.x)

// ---- convolution -------------------------------------------------------------------------------
// Block: kConvPixels output pixels of one image (blockIdx.z) and kConvOut output channels of one
// group (blockIdx.y); each thread owns one pixel and accumulates its kConvOut outputs, so each
// input value loaded serves kConvOut multiply-adds. Weights are read at warp-uniform addresses.
constexpr int kConvPixels = 128;
constexpr int kConvOut = 8;

template <bool kTranspose>
__global__ void __launch_bounds__(kConvPixels) conv_kernel(const float* __restrict__ x,
                                                           const float* __restrict__ wt,
                                                           const float* __restrict__ bias,
                                                           float* __restrict__ y,
                                                           ConvGeometry g, Activation act) {
  const std::int64_t n = blockIdx.z;
  const std::int64_t cg = g.c / g.groups, kg = g.k / g.groups;
  const std::int64_t k_blocks = (kg + kConvOut - 1) / kConvOut;
  const std::int64_t grp = blockIdx.y / k_blocks;
  const std::int64_t kl0 = (blockIdx.y % k_blocks) * kConvOut;  // first output channel in group
  const std::int64_t p = static_cast<std::int64_t>(blockIdx.x) * kConvPixels + threadIdx.x;
  if (p >= g.ho * g.wo) return;
  const std::int64_t oh = p / g.wo, ow = p % g.wo;
  const int outs = static_cast<int>(min(static_cast<std::int64_t>(kConvOut), kg - kl0));
  const std::int64_t taps = g.kh * g.kw;

  float acc[kConvOut];
#pragma unroll
  for (int j = 0; j < kConvOut; ++j) acc[j] = 0.0f;

  for (std::int64_t cl = 0; cl < cg; ++cl) {
    const std::int64_t ci = grp * cg + cl;
    const float* plane = x + (n * g.c + ci) * g.h * g.w;
    // Filter taps of (output channel kl0 + j, input channel cl): conv2d weight [K][C/g][kh][kw];
    // transposed weight [C][K/g][kh][kw].
    const float* wbase;
    std::int64_t wstride;  // between consecutive output channels
    if constexpr (kTranspose) {
      wbase = wt + (ci * kg + kl0) * taps;
      wstride = taps;
    } else {
      wbase = wt + ((grp * kg + kl0) * cg + cl) * taps;
      wstride = cg * taps;
    }
    for (std::int64_t r = 0; r < g.kh; ++r) {
      std::int64_t ih;
      if constexpr (kTranspose) {
        // oh = ih * sh - ph + r * dh  =>  ih = (oh + ph - r * dh) / sh when that divides.
        const std::int64_t t = oh + g.ph - r * g.dh;
        if (t < 0 || t % g.sh != 0) continue;
        ih = t / g.sh;
      } else {
        ih = oh * g.sh - g.ph + r * g.dh;
      }
      if (ih < 0 || ih >= g.h) continue;
      for (std::int64_t s = 0; s < g.kw; ++s) {
        std::int64_t iw;
        if constexpr (kTranspose) {
          const std::int64_t t = ow + g.pw - s * g.dw;
          if (t < 0 || t % g.sw != 0) continue;
          iw = t / g.sw;
        } else {
          iw = ow * g.sw - g.pw + s * g.dw;
        }
        if (iw < 0 || iw >= g.w) continue;
        const float v = plane[ih * g.w + iw];
        const float* wp = wbase + r * g.kw + s;
#pragma unroll
        for (int j = 0; j < kConvOut; ++j) {
          if (j < outs) acc[j] += v * wp[j * wstride];
        }
      }
    }
  }
  for (int j = 0; j < outs; ++j) {
    const std::int64_t k = grp * kg + kl0 + j;
    const float b = bias != nullptr ? bias[k] : 0.0f;
    y[((n * g.k + k) * g.ho + oh) * g.wo + ow] = act_fn(act, acc[j] + b);
  }
}

template <bool kTranspose>
void launch_conv(const float* x, const float* weight, const float* bias, float* y,
                 const ConvGeometry& g, Activation act, cudaStream_t stream) {
  const std::int64_t kg = g.k / g.groups;
  const std::int64_t gy = g.groups * ((kg + kConvOut - 1) / kConvOut);
  const std::int64_t gx = (g.ho * g.wo + kConvPixels - 1) / kConvPixels;
  PT_REQUIRE(gy <= 65535 && g.n <= 65535 && gx <= std::numeric_limits<std::int32_t>::max(),
             invalid_argument,
             "reference convolution: grid " << gx << " x " << gy << " x " << g.n
                                            << " exceeds CUDA's limits (batch and output "
                                               "channel blocks at most 65535)");
  const dim3 grid(static_cast<unsigned>(gx), static_cast<unsigned>(gy),
                  static_cast<unsigned>(g.n));
  conv_kernel<kTranspose><<<grid, kConvPixels, 0, stream>>>(x, weight, bias, y, g, act);
  check_launch(kTranspose ? "conv_transpose2d" : "conv2d");
}

// ---- fully connected: one warp per output -------------------------------------------------------
__global__ void __launch_bounds__(kThreads) fc_kernel(const float* __restrict__ x,
                                                      const float* __restrict__ wt,
                                                      const float* __restrict__ bias,
                                                      float* __restrict__ y, std::int64_t n,
                                                      std::int64_t in, std::int64_t out,
                                                      Activation act) {
  const int lane = static_cast<int>(threadIdx.x % 32);
  const std::int64_t warps = static_cast<std::int64_t>(gridDim.x) * (blockDim.x / 32);
  for (std::int64_t o = (static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
       o < n * out; o += warps) {
    const std::int64_t b = o / out, f = o % out;
    float s = 0.0f;
    for (std::int64_t i = lane; i < in; i += 32) s += x[b * in + i] * wt[f * in + i];
    for (int d = 16; d > 0; d /= 2) s += __shfl_xor_sync(0xffffffffu, s, d);
    if (lane == 0) y[o] = act_fn(act, s + (bias != nullptr ? bias[f] : 0.0f));
  }
}

// ---- element-wise ------------------------------------------------------------------------------
__global__ void scale_shift_kernel(const float* x, const float* scale, const float* shift,
                                   float* y, std::int64_t count, std::int64_t c,
                                   std::int64_t inner) {
  PT_GRID_STRIDE(i, count) {
    const std::int64_t ch = (i / inner) % c;
    y[i] = x[i] * scale[ch] + shift[ch];
  }
}

__global__ void activation_kernel(const float* x, float* y, std::int64_t count, Activation act) {
  PT_GRID_STRIDE(i, count) { y[i] = act_fn(act, x[i]); }
}

__global__ void add_kernel(const float* a, const float* b, float* y, std::int64_t count,
                           Activation act) {
  PT_GRID_STRIDE(i, count) { y[i] = act_fn(act, a[i] + b[i]); }
}

__global__ void mul_kernel(const float* a, const float* b, float* y, std::int64_t count,
                           std::int64_t b_div, Activation act) {
  PT_GRID_STRIDE(i, count) { y[i] = act_fn(act, a[i] * b[i / b_div]); }
}

// ---- pooling -----------------------------------------------------------------------------------
template <bool kMax>
__global__ void pool_kernel(const float* __restrict__ x, float* __restrict__ y, PoolGeometry g) {
  PT_GRID_STRIDE(i, g.planes * g.ho * g.wo) {
    const std::int64_t ow = i % g.wo, oh = (i / g.wo) % g.ho, plane = i / (g.wo * g.ho);
    const float* in = x + plane * g.h * g.w;
    // Window in padded coordinates: [hs, hs + kh) x [ws, ws + kw).
    const std::int64_t hs = oh * g.sh - g.ph, ws = ow * g.sw - g.pw;
    if (kMax) {
      float m = -INFINITY;
      for (std::int64_t r = 0; r < g.kh; ++r) {
        for (std::int64_t s = 0; s < g.kw; ++s) {
          const std::int64_t ih = hs + r, iw = ws + s;
          if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) continue;  // padding never wins
          const float v = in[ih * g.w + iw];
          if (v > m || isnan(v)) m = v;  // a NaN wins: v > NaN is false afterwards
        }
      }
      y[i] = m;
    } else {
      // count_include_pad=True: the divisor counts window positions inside input + padding.
      float sum = 0.0f;
      std::int64_t count = 0;
      for (std::int64_t r = 0; r < g.kh; ++r) {
        for (std::int64_t s = 0; s < g.kw; ++s) {
          const std::int64_t ih = hs + r, iw = ws + s;
          if (ih >= g.h + g.ph || iw >= g.w + g.pw) continue;  // past the right/bottom padding
          ++count;
          if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) continue;
          sum += in[ih * g.w + iw];
        }
      }
      y[i] = sum / static_cast<float>(count);
    }
  }
}

__global__ void gap_kernel(const float* x, float* y, std::int64_t planes, std::int64_t hw) {
  PT_GRID_STRIDE(p, planes) {
    double s = 0.0;
    for (std::int64_t j = 0; j < hw; ++j) s += x[p * hw + j];
    y[p] = static_cast<float>(s / static_cast<double>(hw));
  }
}

// ---- softmax, concat, upsample -----------------------------------------------------------------
__global__ void softmax_kernel(const float* x, float* y, std::int64_t outer, std::int64_t len,
                               std::int64_t inner) {
  PT_GRID_STRIDE(i, outer * inner) {
    const std::int64_t base = (i / inner) * len * inner + i % inner;
    double m = -INFINITY;
    for (std::int64_t j = 0; j < len; ++j) m = fmax(m, static_cast<double>(x[base + j * inner]));
    double s = 0.0;
    for (std::int64_t j = 0; j < len; ++j) s += exp(x[base + j * inner] - m);
    for (std::int64_t j = 0; j < len; ++j) {
      y[base + j * inner] = static_cast<float>(exp(x[base + j * inner] - m) / s);
    }
  }
}

__global__ void concat_kernel(const float* x, float* y, std::int64_t outer, std::int64_t part,
                              std::int64_t total, std::int64_t offset) {
  PT_GRID_STRIDE(i, outer * part) { y[(i / part) * total + offset + i % part] = x[i]; }
}

__global__ void upsample_kernel(const float* x, float* y, std::int64_t planes, std::int64_t h,
                                std::int64_t w, std::int64_t sh, std::int64_t sw,
                                bool bilinear) {
  const std::int64_t ho = h * sh, wo = w * sw;
  PT_GRID_STRIDE(i, planes * ho * wo) {
    const std::int64_t ow = i % wo, oh = (i / wo) % ho, plane = i / (wo * ho);
    const float* in = x + plane * h * w;
    if (!bilinear) {
      y[i] = in[(oh / sh) * w + ow / sw];
      continue;
    }
    // align_corners=False: source = (dst + 0.5) / scale - 0.5, clamped at 0; the upper
    // neighbour is clamped to the last row/column.
    const double fy = fmax((static_cast<double>(oh) + 0.5) / static_cast<double>(sh) - 0.5, 0.0);
    const double fx = fmax((static_cast<double>(ow) + 0.5) / static_cast<double>(sw) - 0.5, 0.0);
    const std::int64_t y0 = static_cast<std::int64_t>(floor(fy));
    const std::int64_t x0 = static_cast<std::int64_t>(floor(fx));
    const std::int64_t y1 = min(y0 + 1, h - 1), x1 = min(x0 + 1, w - 1);
    const double ly = fy - static_cast<double>(y0), lx = fx - static_cast<double>(x0);
    const double top = (1.0 - lx) * in[y0 * w + x0] + lx * in[y0 * w + x1];
    const double bottom = (1.0 - lx) * in[y1 * w + x0] + lx * in[y1 * w + x1];
    y[i] = static_cast<float>((1.0 - ly) * top + ly * bottom);
  }
}

#undef PT_GRID_STRIDE

}  // namespace

void conv2d(const float* x, const float* weight, const float* bias, float* y,
            const ConvGeometry& g, Activation act, cudaStream_t stream) {
  launch_conv<false>(x, weight, bias, y, g, act, stream);
}

void conv_transpose2d(const float* x, const float* weight, const float* bias, float* y,
                      const ConvGeometry& g, Activation act, cudaStream_t stream) {
  launch_conv<true>(x, weight, bias, y, g, act, stream);
}

void fully_connected(const float* x, const float* weight, const float* bias, float* y,
                     std::int64_t n, std::int64_t in, std::int64_t out, Activation act,
                     cudaStream_t stream) {
  fc_kernel<<<blocks_for(n * out * 32), kThreads, 0, stream>>>(x, weight, bias, y, n, in, out,
                                                               act);
  check_launch("fully_connected");
}

void scale_shift(const float* x, const float* scale, const float* shift, float* y,
                 std::int64_t outer, std::int64_t c, std::int64_t inner, cudaStream_t stream) {
  const std::int64_t count = outer * c * inner;
  scale_shift_kernel<<<blocks_for(count), kThreads, 0, stream>>>(x, scale, shift, y, count, c,
                                                                 inner);
  check_launch("batch_norm");
}

void activation(const float* x, float* y, std::int64_t count, Activation act,
                cudaStream_t stream) {
  activation_kernel<<<blocks_for(count), kThreads, 0, stream>>>(x, y, count, act);
  check_launch("activation");
}

void add(const float* a, const float* b, float* y, std::int64_t count, Activation act,
         cudaStream_t stream) {
  add_kernel<<<blocks_for(count), kThreads, 0, stream>>>(a, b, y, count, act);
  check_launch("add");
}

void mul(const float* a, const float* b, float* y, std::int64_t count, std::int64_t b_div,
         Activation act, cudaStream_t stream) {
  mul_kernel<<<blocks_for(count), kThreads, 0, stream>>>(a, b, y, count, b_div, act);
  check_launch("mul");
}

void max_pool(const float* x, float* y, const PoolGeometry& g, cudaStream_t stream) {
  pool_kernel<true><<<blocks_for(g.planes * g.ho * g.wo), kThreads, 0, stream>>>(x, y, g);
  check_launch("max_pool");
}

void avg_pool(const float* x, float* y, const PoolGeometry& g, cudaStream_t stream) {
  pool_kernel<false><<<blocks_for(g.planes * g.ho * g.wo), kThreads, 0, stream>>>(x, y, g);
  check_launch("avg_pool");
}

void global_avg_pool(const float* x, float* y, std::int64_t planes, std::int64_t hw,
                     cudaStream_t stream) {
  gap_kernel<<<blocks_for(planes), kThreads, 0, stream>>>(x, y, planes, hw);
  check_launch("global_avg_pool");
}

void softmax(const float* x, float* y, std::int64_t outer, std::int64_t len, std::int64_t inner,
             cudaStream_t stream) {
  softmax_kernel<<<blocks_for(outer * inner), kThreads, 0, stream>>>(x, y, outer, len, inner);
  check_launch("softmax");
}

void concat_part(const float* x, float* y, std::int64_t outer, std::int64_t part,
                 std::int64_t total, std::int64_t offset, cudaStream_t stream) {
  concat_kernel<<<blocks_for(outer * part), kThreads, 0, stream>>>(x, y, outer, part, total,
                                                                   offset);
  check_launch("concat");
}

void upsample(const float* x, float* y, std::int64_t planes, std::int64_t h, std::int64_t w,
              std::int64_t sh, std::int64_t sw, UpsampleMode mode, cudaStream_t stream) {
  upsample_kernel<<<blocks_for(planes * h * sh * w * sw), kThreads, 0, stream>>>(
      x, y, planes, h, w, sh, sw, mode == UpsampleMode::bilinear);
  check_launch("upsample");
}

}  // namespace plantune::runtime::reference
