// Layout transform kernels. Three shapes of work cover every pair of layouts:
//   nchw -> nhwc family   to_nhwc_kernel: a (channels x pixels) tile through shared memory,
//                         read along pixels, written along channels (padding and fold there)
//   nhwc family -> nchw   to_nchw_kernel: the mirror tile
//   nhwc <-> nhwc family  regather_kernel: pad/unpad/fold/unfold move runs of channels; each
//                         block writes a contiguous span of destination pixels (modes below)
//   same layout           precision::cast (or a copy) when it has no padding or fold fill
// Two specialised kernels take over where they fit (vectors of 16 bytes on both sides):
//   same-type 1-/2-byte nchw <-> nhwc family   transpose_units_kernel, blocks transposed in
//                                              registers (Note [register transposes])
//   3-channel nchw/nhwc -> nhwc_s2d2[_c8]      fold_stem_kernel (Note [stem fold])
// Every kernel converts each element once (precision/convert.cuh), so a dtype cast is fused;
// same-type moves skip the conversion. Measured on an H100 (fraction of the device-to-device
// copy bandwidth, tensors >= 64 MB): see benchmarks/layouts_bench.cpp.
#include "plantune/layouts/transform.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "plantune/core/cuda_check.h"
#include "plantune/core/error.h"
#include "plantune/precision/cast.h"
#include "plantune/precision/convert.cuh"

namespace plantune::layouts {

namespace {

using precision::device::from_float;
using precision::device::load_vec;
using precision::device::store_vec;
using precision::device::to_float;
using precision::device::zero_value;

constexpr int kThreads = 256;

// Element conversions, chosen on the host: Convert goes through fp32 (with the int8 scales),
// Copy moves same-type elements untouched (same result, without the arithmetic that would
// otherwise bound the int8 and fp16 kernels).
template <typename Tin, typename Tout>
struct Convert {
  float s_in, s_out;
  __device__ __forceinline__ Tout operator()(Tin x) const {
    return from_float<Tout>(to_float(x, s_in), s_out);
  }
};

template <typename T>
struct Copy {
  __device__ __forceinline__ T operator()(T x) const { return x; }
};

// Calls f(converter): Copy for the same type (int8 only when both scales agree), else Convert.
template <typename Tin, typename Tout, typename F>
void with_converter(float s_in, float s_out, F&& f) {
  if constexpr (std::is_same_v<Tin, Tout>) {
    if (!std::is_same_v<Tin, std::int8_t> || s_in == s_out) {
      f(Copy<Tin>{});
      return;
    }
  }
  f(Convert<Tin, Tout>{s_in, s_out});
}

// Calls f(TypeTag<Tin>{}, TypeTag<Tout>{}) for the storage types of s and d.
template <typename F>
void dispatch_pair(DType s, DType d, F&& f) {
  const bool ok = precision::device::dispatch_storage_type(s, [&](auto si) {
    precision::device::dispatch_storage_type(d, [&](auto di) { f(si, di); });
  });
  PT_REQUIRE(ok, internal, "transform: no kernel for " << to_string(s) << " -> " << to_string(d));
}

// Shared-memory row padding of one element: a thread reading a tile column touches rows
// 4/8/16 apart, and an odd pitch (in elements) spreads those rows over the banks (one word of
// padding would leave fp16 rows 8 apart 4-way and int8 rows 16 apart 8-way in conflict).
template <typename T>
__host__ __device__ constexpr int smem_pad() {
  return 1;
}

template <typename T>
__host__ __device__ constexpr int vec_elems(int limit) {
  return static_cast<int>(16 / sizeof(T)) < limit ? static_cast<int>(16 / sizeof(T)) : limit;
}

bool aligned16(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 16 == 0; }

unsigned grid_for(std::int64_t work_items) {
  return static_cast<unsigned>(
      std::clamp<std::int64_t>(work_items, 1, std::numeric_limits<std::int32_t>::max()));
}

// Pixels per tile of the 64-channel configuration: 64 x 4 bytes of the narrower type, so
// that int8 and fp16 tiles keep as many bytes in flight as fp32 ones, within 32 KB of tile.
template <typename Tin, typename Tout>
__host__ __device__ constexpr int big_tile_pixels() {
  constexpr int narrow = sizeof(Tin) < sizeof(Tout) ? sizeof(Tin) : sizeof(Tout);
  constexpr int by_bytes = 64 * 4 / narrow;
  constexpr int by_smem = 32768 / (64 * static_cast<int>(sizeof(Tout)));
  return by_bytes < by_smem ? by_bytes : by_smem;
}

// ---- nchw -> nhwc family ---------------------------------------------------------------------

struct ToNhwcArgs {
  const void* src;
  void* dst;
  std::int32_t c;           // logical channels
  std::int32_t cs;          // stored destination channels
  std::int64_t h, w;        // logical spatial dims
  std::int64_t src_plane;   // h * w
  std::int64_t wd;          // destination (stored) width
  std::int64_t pixels;      // destination pixels per image
  bool fold;
  bool vec_load;            // !fold, pixels % VL == 0, src 16-byte aligned
  bool vec_store;           // cs % VS == 0, dst 16-byte aligned
  float src_scale, dst_scale;
  std::int64_t tiles_c, tiles_p, total_tiles;
};

template <typename Tin, typename Tout, typename Cvt, int TC, int TP>
__global__ void __launch_bounds__(kThreads) to_nhwc_kernel(ToNhwcArgs a, Cvt cvt) {
  constexpr int kPitch = TP + smem_pad<Tout>();
  __shared__ __align__(16) unsigned char smem[TC * kPitch * sizeof(Tout)];
  Tout* tile = reinterpret_cast<Tout*>(smem);
  const Tin* __restrict__ src = static_cast<const Tin*>(a.src);
  Tout* __restrict__ dst = static_cast<Tout*>(a.dst);
  const Tout zero = zero_value<Tout>();
  const int tid = static_cast<int>(threadIdx.x);

  for (std::int64_t t = blockIdx.x; t < a.total_tiles; t += gridDim.x) {
    const std::int64_t ct = t % a.tiles_c;
    const std::int64_t rest = t / a.tiles_c;
    const std::int64_t p0 = (rest % a.tiles_p) * TP;
    const std::int64_t n = rest / a.tiles_p;
    const int c0 = static_cast<int>(ct) * TC;

    // Load tile[row][col] = destination channel c0 + row of destination pixel p0 + col.
    if (!a.fold) {
      constexpr int VL = vec_elems<Tin>(TP);
      constexpr int kCols = TP / VL;
      static_assert(kThreads % kCols == 0, "threads cover whole tile rows");
      const int col = (tid % kCols) * VL;
      const std::int64_t p = p0 + col;
      for (int row = tid / kCols; row < TC; row += kThreads / kCols) {
        const int c = c0 + row;
        Tout* out = tile + row * kPitch + col;
        if (c >= a.c || p >= a.pixels) {
#pragma unroll
          for (int k = 0; k < VL; ++k) out[k] = zero;
          continue;
        }
        const Tin* in = src + (n * a.c + c) * a.src_plane + p;
        if (a.vec_load) {
          Tin v[VL];
          load_vec(in, v);
#pragma unroll
          for (int k = 0; k < VL; ++k) out[k] = cvt(v[k]);
        } else {
#pragma unroll
          for (int k = 0; k < VL; ++k) {
            out[k] = p + k < a.pixels ? cvt(in[k]) : zero;
          }
        }
      }
    } else if constexpr (TP <= kThreads) {  // (the dispatch folds with TP <= kThreads only)
      // destination pixel (h', w'), channel (dy*2 + dx)*C + c <- source (c, 2h'+dy, 2w'+dx)
      static_assert(kThreads % TP == 0, "threads cover whole tile rows");
      const int col = tid % TP;
      const std::int64_t p = p0 + col;
      const bool p_ok = p < a.pixels;
      const std::int64_t hq = p_ok ? p / a.wd : 0;
      const std::int64_t wq = p_ok ? p - hq * a.wd : 0;
      for (int row = tid / TP; row < TC; row += kThreads / TP) {
        const int cf = c0 + row;
        const int block = cf / a.c;
        const int c = cf - block * a.c;
        const std::int64_t h = 2 * hq + (block >> 1), w = 2 * wq + (block & 1);
        const bool ok = p_ok && block < 4 && h < a.h && w < a.w;
        tile[row * kPitch + col] =
            ok ? cvt(src[((n * a.c + c) * a.h + h) * a.w + w])
               : zero;
      }
    }
    __syncthreads();

    // Store along channels: dst[(n * pixels + p) * cs + c].
    {
      constexpr int VS = vec_elems<Tout>(TC);
      constexpr int kGroups = TC / VS;
      static_assert(kThreads % kGroups == 0, "threads cover whole channel groups");
      const int g = tid % kGroups;
      const int c = c0 + g * VS;
      if (c < a.cs) {
        for (int pr = tid / kGroups; pr < TP; pr += kThreads / kGroups) {
          const std::int64_t p = p0 + pr;
          if (p >= a.pixels) break;
          Tout v[VS];
#pragma unroll
          for (int k = 0; k < VS; ++k) v[k] = tile[(g * VS + k) * kPitch + pr];
          Tout* out = dst + (n * a.pixels + p) * a.cs + c;
          if (a.vec_store) {
            store_vec(out, v);
          } else {
#pragma unroll
            for (int k = 0; k < VS; ++k) {
              if (c + k < a.cs) out[k] = v[k];
            }
          }
        }
      }
    }
    __syncthreads();
  }
}

template <typename Tin, typename Tout, int TC, int TP>
void launch_to_nhwc(ToNhwcArgs a, cudaStream_t stream) {
  a.tiles_c = (a.cs + TC - 1) / TC;
  a.tiles_p = (a.pixels + TP - 1) / TP;
  a.vec_load = a.vec_load && a.pixels % vec_elems<Tin>(TP) == 0;
  a.vec_store = a.vec_store && a.cs % vec_elems<Tout>(TC) == 0;
  a.total_tiles = a.total_tiles * a.tiles_c * a.tiles_p;  // total_tiles held N on entry
  with_converter<Tin, Tout>(a.src_scale, a.dst_scale, [&](auto cvt) {
    to_nhwc_kernel<Tin, Tout, decltype(cvt), TC, TP><<<grid_for(a.total_tiles), kThreads, 0, stream>>>(a, cvt);
  });
}

// ---- nhwc family -> nchw ---------------------------------------------------------------------

struct ToNchwArgs {
  const void* src;
  void* dst;
  std::int32_t c;           // logical channels
  std::int32_t cs;          // stored source channels
  std::int64_t h, w;        // logical spatial dims
  std::int64_t hw;          // destination plane, h * w
  std::int64_t hs, ws;      // source stored spatial dims (folded or not)
  bool fold;
  bool vec_load;            // cs % VL == 0 (and C % VL == 0 when folded), src aligned
  bool vec_store;           // hw % VS == 0, dst aligned
  float src_scale, dst_scale;
  std::int64_t tiles_c, tiles_q, total_tiles;
};

template <typename Tin, typename Tout, typename Cvt, int TC, int TP>
__global__ void __launch_bounds__(kThreads) to_nchw_kernel(ToNchwArgs a, Cvt cvt) {
  constexpr int kPitch = TC + smem_pad<Tout>();
  __shared__ __align__(16) unsigned char smem[TP * kPitch * sizeof(Tout)];
  Tout* tile = reinterpret_cast<Tout*>(smem);
  const Tin* __restrict__ src = static_cast<const Tin*>(a.src);
  Tout* __restrict__ dst = static_cast<Tout*>(a.dst);
  const Tout zero = zero_value<Tout>();
  const int tid = static_cast<int>(threadIdx.x);

  for (std::int64_t t = blockIdx.x; t < a.total_tiles; t += gridDim.x) {
    const std::int64_t ct = t % a.tiles_c;
    const std::int64_t rest = t / a.tiles_c;
    const std::int64_t q0 = (rest % a.tiles_q) * TP;
    const std::int64_t n = rest / a.tiles_q;
    const int c0 = static_cast<int>(ct) * TC;

    // Load tile[row][col] = logical pixel q0 + row, channel c0 + col; read along channels.
    {
      constexpr int VL = vec_elems<Tin>(TC);
      constexpr int kGroups = TC / VL;
      static_assert(kThreads % kGroups == 0, "threads cover whole channel groups");
      const int g = tid % kGroups;
      const int c = c0 + g * VL;
      for (int row = tid / kGroups; row < TP; row += kThreads / kGroups) {
        const std::int64_t q = q0 + row;
        Tout* out = tile + row * kPitch + g * VL;
        if (q >= a.hw || c >= a.c) {
#pragma unroll
          for (int k = 0; k < VL; ++k) out[k] = zero;
          continue;
        }
        const Tin* in;
        if (!a.fold) {
          in = src + (n * a.hw + q) * a.cs + c;
        } else {
          const std::int64_t h = q / a.w, w = q - (q / a.w) * a.w;
          in = src + ((n * a.hs + h / 2) * a.ws + w / 2) * a.cs + ((h & 1) * 2 + (w & 1)) * a.c + c;
        }
        if (a.vec_load) {
          // channels past C inside the vector are padding (cs % VL == 0) and are dropped
          Tin v[VL];
          load_vec(in, v);
#pragma unroll
          for (int k = 0; k < VL; ++k) {
            out[k] = c + k < a.c ? cvt(v[k]) : zero;
          }
        } else {
#pragma unroll
          for (int k = 0; k < VL; ++k) {
            out[k] = c + k < a.c ? cvt(in[k]) : zero;
          }
        }
      }
    }
    __syncthreads();

    // Store along pixels: dst[(n * C + c) * hw + q].
    {
      constexpr int VS = vec_elems<Tout>(TP);
      constexpr int kGroups = TP / VS;
      static_assert(kThreads % kGroups == 0, "threads cover whole pixel groups");
      const int g = tid % kGroups;
      const std::int64_t q = q0 + g * VS;
      if (q < a.hw) {
        for (int cr = tid / kGroups; cr < TC; cr += kThreads / kGroups) {
          const int c = c0 + cr;
          if (c >= a.c) break;
          Tout v[VS];
#pragma unroll
          for (int k = 0; k < VS; ++k) v[k] = tile[(g * VS + k) * kPitch + cr];
          Tout* out = dst + (n * a.c + c) * a.hw + q;
          if (a.vec_store) {
            store_vec(out, v);
          } else {
#pragma unroll
            for (int k = 0; k < VS; ++k) {
              if (q + k < a.hw) out[k] = v[k];
            }
          }
        }
      }
    }
    __syncthreads();
  }
}

template <typename Tin, typename Tout, int TC, int TP>
void launch_to_nchw(ToNchwArgs a, cudaStream_t stream) {
  constexpr int VL = vec_elems<Tin>(TC);
  a.tiles_c = (a.c + TC - 1) / TC;
  a.tiles_q = (a.hw + TP - 1) / TP;
  a.vec_load = a.vec_load && a.cs % VL == 0 && (!a.fold || a.c % VL == 0);
  a.vec_store = a.vec_store && a.hw % vec_elems<Tout>(TP) == 0;
  a.total_tiles = a.total_tiles * a.tiles_c * a.tiles_q;  // total_tiles held N on entry
  with_converter<Tin, Tout>(a.src_scale, a.dst_scale, [&](auto cvt) {
    to_nchw_kernel<Tin, Tout, decltype(cvt), TC, TP><<<grid_for(a.total_tiles), kThreads, 0, stream>>>(a, cvt);
  });
}

// ---- nhwc family <-> nhwc family -------------------------------------------------------------

constexpr int kMaxBlockPixels = 256;
constexpr int kStageBytes = 16384;  // dynamic shared memory of the pixel and span modes
constexpr int kSpanPixels = 1024;   // span mode: pixels per block (a multiple of 16)

enum class RegatherMode : int {
  vector,   // C, cs_s, cs_d multiples of V, pointers aligned: V channels per access
  span,     // neither side folded, small pixels: the block's source pixels are one contiguous
            // span, read with 16-byte loads into shared memory; the output is assembled from
            // there and written in 16-byte pieces (channel padding of the RGB stem)
  pixel,    // small output pixels (cs_d * sizeof(Tout) <= 64): a thread fills a pixel in
            // shared memory, then the block copies its contiguous output out
  element,  // anything else: consecutive threads write consecutive elements
};

struct RegatherArgs {
  const void* src;
  void* dst;
  std::int32_t c;                 // logical channels
  std::int64_t h, w;              // logical spatial dims
  std::int32_t cs_s;              // source stored channels
  bool fold_s;
  std::int64_t hs_s, ws_s;        // source stored spatial dims
  std::int32_t cs_d;              // destination stored channels
  bool fold_d;
  std::int64_t hd, wd;            // destination stored spatial dims (< 2^30 each)
  std::int64_t total_pixels;      // N * hd * wd
  std::int32_t pixels_per_block;  // <= kMaxBlockPixels, or kSpanPixels in span mode
  RegatherMode mode;
  bool aligned;                   // both pointers 16-byte aligned
  float src_scale, dst_scale;
};

template <typename Tin, typename Tout>
__host__ __device__ constexpr int regather_vec() {
  return static_cast<int>(16 / (sizeof(Tin) > sizeof(Tout) ? sizeof(Tin) : sizeof(Tout)));
}

// Copies `bytes` from shared to global memory, in 16-byte pieces when `dst` allows.
__device__ __forceinline__ void copy_out(unsigned char* dst, const unsigned char* stage, int bytes,
                                         int tid) {
  if (reinterpret_cast<std::uintptr_t>(dst) % 16 == 0) {
    for (int k = tid; k < bytes / 16; k += kThreads) {
      reinterpret_cast<uint4*>(dst)[k] = reinterpret_cast<const uint4*>(stage)[k];
    }
    for (int k = bytes / 16 * 16 + tid; k < bytes; k += kThreads) dst[k] = stage[k];
  } else {
    for (int k = tid; k < bytes; k += kThreads) dst[k] = stage[k];
  }
}

template <typename Tin, typename Tout, typename Cvt>
__global__ void __launch_bounds__(kThreads) regather_kernel(RegatherArgs a, Cvt cvt) {
  constexpr int V = regather_vec<Tin, Tout>();
  // source offset of channel 0 of each (destination pixel, fold block); -1: no source pixel
  __shared__ std::int64_t base[kMaxBlockPixels][4];
  extern __shared__ __align__(16) unsigned char stage_bytes[];
  const Tin* __restrict__ src = static_cast<const Tin*>(a.src);
  Tout* __restrict__ dst = static_cast<Tout*>(a.dst);
  const Tout zero = zero_value<Tout>();
  const int tid = static_cast<int>(threadIdx.x);
  const int blocks = a.fold_d ? 4 : 1;
  const std::int64_t image_pixels = a.hd * a.wd;
  const auto hd = static_cast<unsigned>(a.hd), wd = static_cast<unsigned>(a.wd);

  for (std::int64_t first = static_cast<std::int64_t>(blockIdx.x) * a.pixels_per_block;
       first < a.total_pixels;
       first += static_cast<std::int64_t>(gridDim.x) * a.pixels_per_block) {
    const int np = static_cast<int>(
        a.total_pixels - first < a.pixels_per_block ? a.total_pixels - first : a.pixels_per_block);
    Tout* out = dst + first * a.cs_d;  // this block's pixels are contiguous in dst

    if (a.mode == RegatherMode::span) {
      // source pixels [first, first + np) are contiguous too (same pixel order, no fold)
      Tin* in_stage = reinterpret_cast<Tin*>(stage_bytes);
      const Tin* in = src + first * a.cs_s;
      const int in_elems = np * a.cs_s;
      const int in_bytes = in_elems * static_cast<int>(sizeof(Tin));
      if (a.aligned && reinterpret_cast<std::uintptr_t>(in) % 16 == 0) {
        for (int k = tid; k < in_bytes / 16; k += kThreads) {
          reinterpret_cast<uint4*>(stage_bytes)[k] = __ldg(reinterpret_cast<const uint4*>(in) + k);
        }
        for (int k = in_bytes / 16 * 16 / static_cast<int>(sizeof(Tin)) + tid; k < in_elems;
             k += kThreads) {
          in_stage[k] = in[k];
        }
      } else {
        for (int k = tid; k < in_elems; k += kThreads) in_stage[k] = in[k];
      }
      __syncthreads();
      // each thread writes chunks of VS consecutive output elements
      constexpr int VS = static_cast<int>(16 / sizeof(Tout));
      const int out_elems = np * a.cs_d;
      const bool vec_out = a.aligned && a.cs_d % VS == 0;
      const int chunk = vec_out ? VS : 1;
      if (vec_out && a.cs_d == VS) {
        // one destination pixel per vector (the RGB stem padded to 8 fp16 channels): no
        // division, one 16-byte store per pixel
        for (int pix = tid; pix < np; pix += kThreads) {
          const Tin* px = in_stage + pix * a.cs_s;
          Tout v[VS];
#pragma unroll
          for (int k = 0; k < VS; ++k) v[k] = k < a.c ? cvt(px[k]) : zero;
          store_vec(out + static_cast<std::int64_t>(pix) * VS, v);
        }
        __syncthreads();
        continue;
      }
      for (int e0 = tid * chunk; e0 < out_elems; e0 += kThreads * chunk) {
        int pix = e0 / a.cs_d;
        int cd = e0 - pix * a.cs_d;
        if (vec_out) {
          Tout v[VS];
#pragma unroll
          for (int k = 0; k < VS; ++k) {
            v[k] = cd < a.c ? cvt(in_stage[pix * a.cs_s + cd]) : zero;
            if (++cd == a.cs_d) {
              cd = 0;
              ++pix;
            }
          }
          store_vec(out + e0, v);
        } else {
          out[e0] = cd < a.c ? cvt(in_stage[pix * a.cs_s + cd]) : zero;
        }
      }
      __syncthreads();
      continue;
    }

    // (n, h', w') of the block's first pixel in 64-bit; the others step from it in 32-bit.
    const std::int64_t n0 = first / image_pixels;
    const std::int64_t pd0 = first - n0 * image_pixels;
    const auto h0 = static_cast<unsigned>(pd0 / a.wd);
    const auto w0 = static_cast<unsigned>(pd0 - static_cast<std::int64_t>(h0) * a.wd);
    for (int i = tid; i < np * blocks; i += kThreads) {
      const int pix = a.fold_d ? i >> 2 : i, b = a.fold_d ? i & 3 : 0;
      const unsigned wsum = w0 + static_cast<unsigned>(pix);
      const unsigned rows = wsum / wd;
      const unsigned hsum = h0 + rows;
      const unsigned images = hsum / hd;
      const std::int64_t n = n0 + images;
      const std::int64_t hq = hsum - images * hd, wq = wsum - rows * wd;
      const std::int64_t h = a.fold_d ? 2 * hq + (b >> 1) : hq;
      const std::int64_t w = a.fold_d ? 2 * wq + (b & 1) : wq;
      std::int64_t o = -1;
      if (h < a.h && w < a.w) {
        o = a.fold_s ? ((n * a.hs_s + h / 2) * a.ws_s + w / 2) * a.cs_s +
                           ((h & 1) * 2 + (w & 1)) * static_cast<std::int64_t>(a.c)
                     : ((n * a.h + h) * a.w + w) * a.cs_s;
      }
      base[pix][b] = o;
    }
    __syncthreads();

    if (a.mode == RegatherMode::vector) {
      const int groups = a.cs_d / V;
      for (int e = tid; e < np * groups; e += kThreads) {
        const int pix = e / groups;
        const int cd = (e - pix * groups) * V;
        const int b = a.fold_d ? cd / a.c : 0;
        const int c = cd - b * a.c;
        const std::int64_t o = (a.fold_d ? b < 4 : c < a.c) ? base[pix][b] : -1;
        Tout v[V];
        if (o >= 0) {
          Tin x[V];
          load_vec(src + o + c, x);
#pragma unroll
          for (int k = 0; k < V; ++k) v[k] = cvt(x[k]);
        } else {
#pragma unroll
          for (int k = 0; k < V; ++k) v[k] = zero;
        }
        store_vec(out + static_cast<std::int64_t>(pix) * a.cs_d + cd, v);
      }
    } else if (a.mode == RegatherMode::pixel) {
      Tout* stage = reinterpret_cast<Tout*>(stage_bytes);
      for (int pix = tid; pix < np; pix += kThreads) {
        Tout* st = stage + pix * a.cs_d;
        int cd = 0;
        for (int b = 0; b < blocks; ++b, cd += a.c) {
          const std::int64_t o = base[pix][b];
          if (o >= 0) {
            for (int c = 0; c < a.c; ++c) st[cd + c] = cvt(src[o + c]);
          } else {
            for (int c = 0; c < a.c; ++c) st[cd + c] = zero;
          }
        }
        for (; cd < a.cs_d; ++cd) st[cd] = zero;
      }
      __syncthreads();
      copy_out(reinterpret_cast<unsigned char*>(out), stage_bytes,
               np * a.cs_d * static_cast<int>(sizeof(Tout)), tid);
    } else {
      for (int e = tid; e < np * a.cs_d; e += kThreads) {
        const int pix = e / a.cs_d;
        const int cd = e - pix * a.cs_d;
        const int b = a.fold_d ? cd / a.c : 0;
        const int c = cd - b * a.c;
        const std::int64_t o = (a.fold_d ? b < 4 : c < a.c) ? base[pix][b] : -1;
        out[e] = o >= 0 ? cvt(src[o + c]) : zero;
      }
    }
    __syncthreads();
  }
}

template <typename Tin, typename Tout>
void launch_regather(RegatherArgs a, cudaStream_t stream) {
  constexpr int V = regather_vec<Tin, Tout>();
  const std::int64_t in_pixel_bytes = static_cast<std::int64_t>(a.cs_s) * sizeof(Tin);
  const std::int64_t out_pixel_bytes = static_cast<std::int64_t>(a.cs_d) * sizeof(Tout);
  std::int64_t per_block = kMaxBlockPixels;
  int smem = 0;
  if (a.aligned && a.c % V == 0 && a.cs_s % V == 0 && a.cs_d % V == 0) {
    a.mode = RegatherMode::vector;  // about 16 vectors per thread per block pass
    per_block = kThreads * 16 / std::max<std::int64_t>(a.cs_d / V, 1);
  } else if (!a.fold_s && !a.fold_d && in_pixel_bytes * kSpanPixels <= kStageBytes) {
    a.mode = RegatherMode::span;
    per_block = kSpanPixels;
    smem = kStageBytes;
  } else if (out_pixel_bytes <= 64) {
    a.mode = RegatherMode::pixel;
    per_block = std::min<std::int64_t>(kMaxBlockPixels, kStageBytes / out_pixel_bytes);
    smem = kStageBytes;
  } else {
    a.mode = RegatherMode::element;  // about 16 elements per thread per block pass
    per_block = kThreads * 16 / a.cs_d;
  }
  const std::int64_t cap = a.mode == RegatherMode::span ? kSpanPixels : kMaxBlockPixels;
  a.pixels_per_block = static_cast<std::int32_t>(std::clamp<std::int64_t>(per_block, 1, cap));
  const std::int64_t blocks = (a.total_pixels + a.pixels_per_block - 1) / a.pixels_per_block;
  with_converter<Tin, Tout>(a.src_scale, a.dst_scale, [&](auto cvt) {
    regather_kernel<Tin, Tout, decltype(cvt)><<<grid_for(blocks), kThreads, smem, stream>>>(a, cvt);
  });
}

// ---- same-type nchw <-> nhwc family: register transposes -------------------------------------

// Note [register transposes]: the tile kernels above move 2- and 1-byte elements through
// shared memory one element at a time (8 or 16 shared accesses per 16 bytes, with 2-way bank
// conflicts on the way out), which held same-type fp16/bf16/int8 transposes to 0.72-0.79 of
// the copy bandwidth. A raw move needs no conversion, so a thread can instead load a U x U
// block of elements (U = 16 / element bytes) as U 16-byte rows, transpose it in registers
// (byte permutes, no shared memory, no barrier) and store U 16-byte rows. Lanes are laid out
// LC channel units x (32 / LC) pixel units per warp, so both the loads and the stores of a
// warp are runs of 64 or 128 contiguous bytes (whole sectors) whichever side is which. The
// kernel runs when C, the stored channels and H*W (W when folded) are multiples of U and both
// pointers are 16-byte aligned; everything else keeps the tile kernels.

struct UnitArgs {
  const void* src;
  void* dst;
  std::int32_t c;         // logical channels, a multiple of U
  std::int32_t cs;        // stored channels of the nhwc-family side, a multiple of U
  std::int32_t units_c;   // channel units per pixel unit: cs / U towards unfolded nhwc (the
                          // units past C write zeros), else C / U
  std::int64_t h, w, hw;  // logical spatial dims, h * w
  std::int64_t hs, ws;    // stored spatial dims of the nhwc-family side (folded or not)
  std::int64_t units_p;   // hw / U
  bool fold;              // the nhwc-family side is folded (then w % U == 0 and cs == 4c)
  std::int64_t tiles_c, tiles_p, total_tiles;
};

// out[j] = column j of the U x U block of E-byte elements whose row r is in[r] (4 words each).
template <int E>
__device__ __forceinline__ void transpose_block(const unsigned (&in)[16 / E][4],
                                                unsigned (&out)[16 / E][4]) {
  if constexpr (E == 4) {
#pragma unroll
    for (int j = 0; j < 4; ++j) {
#pragma unroll
      for (int m = 0; m < 4; ++m) out[j][m] = in[m][j];
    }
  } else if constexpr (E == 2) {
    // output word m of row j = 2k + s holds half s of word k of input rows 2m and 2m + 1
#pragma unroll
    for (int k = 0; k < 4; ++k) {
#pragma unroll
      for (int m = 0; m < 4; ++m) {
        out[2 * k][m] = __byte_perm(in[2 * m][k], in[2 * m + 1][k], 0x5410);
        out[2 * k + 1][m] = __byte_perm(in[2 * m][k], in[2 * m + 1][k], 0x7632);
      }
    }
  } else {
    static_assert(E == 1, "1-, 2- or 4-byte elements");
    // output word m of row j = 4k + s holds byte s of word k of input rows 4m .. 4m + 3:
    // interleave rows pairwise (t0 = a0 b0 a1 b1, t1 = a2 b2 a3 b3, t2/t3 the same of c, d),
    // then take one half of each pair
#pragma unroll
    for (int k = 0; k < 4; ++k) {
#pragma unroll
      for (int m = 0; m < 4; ++m) {
        const unsigned a = in[4 * m][k], b = in[4 * m + 1][k];
        const unsigned c = in[4 * m + 2][k], d = in[4 * m + 3][k];
        const unsigned t0 = __byte_perm(a, b, 0x5140), t1 = __byte_perm(a, b, 0x7362);
        const unsigned t2 = __byte_perm(c, d, 0x5140), t3 = __byte_perm(c, d, 0x7362);
        out[4 * k][m] = __byte_perm(t0, t2, 0x5410);
        out[4 * k + 1][m] = __byte_perm(t0, t2, 0x7632);
        out[4 * k + 2][m] = __byte_perm(t1, t3, 0x5410);
        out[4 * k + 3][m] = __byte_perm(t1, t3, 0x7632);
      }
    }
  }
}

__device__ __forceinline__ void load_row16(const unsigned char* p, unsigned (&row)[4]) {
  const uint4 v = __ldg(reinterpret_cast<const uint4*>(p));
  row[0] = v.x;
  row[1] = v.y;
  row[2] = v.z;
  row[3] = v.w;
}

__device__ __forceinline__ void store_row16(unsigned char* p, const unsigned (&row)[4]) {
  *reinterpret_cast<uint4*>(p) = make_uint4(row[0], row[1], row[2], row[3]);
}

// One task: the U x U block of image n at channel unit cu (channels c0 = cu*U ..) and pixel unit
// pu (logical pixels q0 = pu*U ..). Offsets below are in elements, times E for bytes.
// (A floor of 2 blocks per SM: without it ptxas squeezes some instances into 64 or 48
// registers and spills.)
template <int E, int LC, bool kToNhwc>
__global__ void __launch_bounds__(kThreads, 2) transpose_units_kernel(UnitArgs a) {
  constexpr int U = 16 / E;
  constexpr int kTilePixelUnits = kThreads / LC;
  const auto* __restrict__ src = static_cast<const unsigned char*>(a.src);
  auto* __restrict__ dst = static_cast<unsigned char*>(a.dst);
  const int tid = static_cast<int>(threadIdx.x);
  const int cl = tid % LC, pl = tid / LC;
  const unsigned zero[4] = {0u, 0u, 0u, 0u};

  for (std::int64_t t = blockIdx.x; t < a.total_tiles; t += gridDim.x) {
    const std::int64_t rest = t / a.tiles_c;
    const int cu = static_cast<int>(t - rest * a.tiles_c) * LC + cl;
    const std::int64_t pu = (rest % a.tiles_p) * kTilePixelUnits + pl;
    const std::int64_t n = rest / a.tiles_p;
    if (cu >= a.units_c || pu >= a.units_p) continue;
    const int c0 = cu * U;
    const std::int64_t q0 = pu * U;
    // folded side: the block's U pixels lie in one row h (w % U == 0); pixel w0 + j sits in
    // stored pixel (h/2, (w0 + j)/2), channel block (h&1)*2 + (j&1)
    std::int64_t h = 0, fold_base = 0;
    if (a.fold) {
      h = q0 / a.w;
      const std::int64_t w0 = q0 - h * a.w;
      fold_base = ((n * a.hs + h / 2) * a.ws + w0 / 2) * a.cs + (h & 1) * 2 * a.c + c0;
    }

    unsigned in[U][4], out[U][4];
    if constexpr (kToNhwc) {
      if (c0 >= a.c) {  // a unit of channel padding (unfolded destination only)
#pragma unroll
        for (int j = 0; j < U; ++j) store_row16(dst + ((n * a.hw + q0 + j) * a.cs + c0) * E, zero);
        continue;
      }
#pragma unroll
      for (int r = 0; r < U; ++r) load_row16(src + ((n * a.c + c0 + r) * a.hw + q0) * E, in[r]);
      transpose_block<E>(in, out);
      if (!a.fold) {
#pragma unroll
        for (int j = 0; j < U; ++j) store_row16(dst + ((n * a.hw + q0 + j) * a.cs + c0) * E, out[j]);
      } else {
#pragma unroll
        for (int j = 0; j < U; ++j) {
          store_row16(dst + (fold_base + (j >> 1) * a.cs + (j & 1) * a.c) * E, out[j]);
        }
        if (h + 1 == a.h && (h & 1) == 0) {  // odd H: the stored pixels' dy = 1 half is fill
#pragma unroll
          for (int j = 0; j < U; ++j) {
            store_row16(dst + (fold_base + 2 * a.c + (j >> 1) * a.cs + (j & 1) * a.c) * E, zero);
          }
        }
      }
    } else {
      if (!a.fold) {
#pragma unroll
        for (int r = 0; r < U; ++r) load_row16(src + ((n * a.hw + q0 + r) * a.cs + c0) * E, in[r]);
      } else {
#pragma unroll
        for (int r = 0; r < U; ++r) {
          load_row16(src + (fold_base + (r >> 1) * a.cs + (r & 1) * a.c) * E, in[r]);
        }
      }
      transpose_block<E>(in, out);
#pragma unroll
      for (int j = 0; j < U; ++j) store_row16(dst + ((n * a.c + c0 + j) * a.hw + q0) * E, out[j]);
    }
  }
}

template <int E, bool kToNhwc>
void launch_units(UnitArgs a, cudaStream_t stream) {
  const auto launch = [&](auto lc) {
    constexpr int LC = decltype(lc)::value;
    a.tiles_c = (a.units_c + LC - 1) / LC;
    a.tiles_p = (a.units_p + kThreads / LC - 1) / (kThreads / LC);
    a.total_tiles = a.total_tiles * a.tiles_c * a.tiles_p;  // total_tiles held N on entry
    transpose_units_kernel<E, LC, kToNhwc><<<grid_for(a.total_tiles), kThreads, 0, stream>>>(a);
  };
  if (a.units_c >= 5) {
    launch(std::integral_constant<int, 8>{});
  } else {
    launch(std::integral_constant<int, 4>{});
  }
}

// Launches the register transpose for a same-type move between nchw and the nhwc family when
// it fits (Note [register transposes]); returns false, launching nothing, otherwise.
bool try_unit_transpose(const TransformDesc& d, const void* src, void* dst, bool aligned,
                        const TransformOptions& o, cudaStream_t stream) {
  const bool raw = d.src_dtype == d.dst_dtype &&
                   (d.src_dtype != DType::int8 || o.src_scale == o.dst_scale);
  const auto e = static_cast<int>(dtype_size(d.src_dtype));
  if (!raw || !aligned || (e != 1 && e != 2)) return false;
  const bool to_nhwc = d.src_layout.order == Layout::nchw;
  const TensorLayout side = to_nhwc ? d.dst_layout : d.src_layout;
  const auto sd = stored_dims(d.dims, side);
  const std::int64_t u = 16 / e;
  UnitArgs a{};
  a.fold = side.fold == 2;
  a.hw = d.dims.h * d.dims.w;
  if (d.dims.c % u != 0 || sd[3] % u != 0) return false;
  if (a.fold ? d.dims.w % u != 0 || sd[3] != 4 * d.dims.c : a.hw % u != 0) return false;
  a.src = src;
  a.dst = dst;
  a.c = static_cast<std::int32_t>(d.dims.c);  // both checked against int32 by the caller
  a.cs = static_cast<std::int32_t>(sd[3]);
  a.units_c = static_cast<std::int32_t>((to_nhwc && !a.fold ? sd[3] : d.dims.c) / u);
  if (a.units_c < 3) return false;  // fewer than 3 units of channels: the tile kernels do better
  a.h = d.dims.h;
  a.w = d.dims.w;
  a.hs = sd[1];
  a.ws = sd[2];
  a.units_p = a.hw / u;
  a.total_tiles = d.dims.n;
  if (to_nhwc) {
    e == 1 ? launch_units<1, true>(a, stream) : launch_units<2, true>(a, stream);
  } else {
    e == 1 ? launch_units<1, false>(a, stream) : launch_units<2, false>(a, stream);
  }
  return true;
}

// ---- 3-channel space-to-depth (the RGB stem) -------------------------------------------------

// Note [stem fold]: folding a 3-channel image (nchw or nhwc) into nhwc_s2d2[_c8] moves 12 or
// 16 elements per destination pixel gathered from two source rows; the general kernels do that
// with 1- to 4-byte accesses (0.62-0.64 of the copy bandwidth on the H100), and a kernel that
// assembled 4 destination pixels per thread in registers did worse (0.47-0.51: each of its
// 16-byte stores hit a different 128-byte line). Here a block stages `rows` whole destination
// rows in shared memory: it reads their source lines (nchw: 6 lines of W per destination row,
// (channel, dy); nhwc: 2 lines of 3W) as 16-byte vectors, consecutive threads on consecutive
// vectors of a line, kStemLoads loads in flight per thread, and scatters each converted element
// to its place in the staged rows (from nhwc, two at a time: a pixel's run of 2C elements of
// one dy is even); the channel padding is one store per pixel and the missing dy = 1 row of an
// odd H zeros. Then it writes the staged rows, one contiguous run of the destination, as
// consecutive 16-byte vectors. Both global sides are fully coalesced, and the index arithmetic
// (divisions of 64-bit row numbers) is done once per line and block, not per vector: the first
// version, which divided per vector, reached 0.77 (from nchw fp32) and 0.68 (from nhwc fp16),
// this one 0.87 and 0.88 on the H100. A version in which each thread assembled a few whole
// destination pixels from six 16-byte loads in registers and staged them with padded 16-byte
// stores measured 0.84 / 0.84 in the same run (in the history).
// It needs an even W, source lines whose length is a multiple of one vector, destination rows
// of a multiple of 16 bytes and 16-byte aligned pointers.

struct StemArgs {
  const void* src;
  void* dst;
  std::int64_t h, w;       // logical spatial dims (w even)
  std::int64_t hd, wd;     // destination stored dims
  std::int64_t row_count;  // n * hd destination rows
  int rows;                // destination rows staged per block iteration
};

constexpr int kStemTileBytes = 16 * 1024;  // shared memory for the staged rows (at least one)
constexpr int kStemLoads = 4;              // source vectors a thread loads before scattering
constexpr int kMaxStemRows = 64;           // destination rows staged per block iteration

// Two adjacent destination elements, written to shared memory as one access.
template <typename T>
struct alignas(2 * sizeof(T)) StemPair {
  T lo, hi;
};

// Zero bytes of the 4 padding channels of a 16-channel destination pixel: 4, 8 or 16 bytes,
// aligned to their size (the pad starts at element 12 of a pixel that starts 16-element aligned).
template <int Bytes>
using StemPadWord = std::conditional_t<Bytes == 4, unsigned,
                                       std::conditional_t<Bytes == 8, uint2, uint4>>;

template <typename Tin, typename Tout, typename Cvt, int CS, bool kSrcNchw>
__global__ void __launch_bounds__(kThreads) fold_stem_kernel(StemArgs a, Cvt cvt) {
  constexpr int C = 3;
  constexpr int VI = static_cast<int>(16 / sizeof(Tin));  // source elements per vector
  constexpr int kLines = kSrcNchw ? 2 * C : 2;            // source lines per destination row
  extern __shared__ uint4 stem_tile[];
  // element offset of each staged source line in src; -1: the missing dy = 1 row of an odd H
  __shared__ std::int64_t line_offset[kMaxStemRows * kLines];
  Tout* tile = reinterpret_cast<Tout*>(stem_tile);
  const Tin* __restrict__ src = static_cast<const Tin*>(a.src);
  const Tout zero = zero_value<Tout>();
  const int tid = static_cast<int>(threadIdx.x);
  const int line_len = static_cast<int>(kSrcNchw ? a.w : a.w * C);
  const int line_vecs = line_len / VI;
  const int row_elems = static_cast<int>(a.wd) * CS;
  // Thread -> (line, vector of the line), fixed for the whole kernel: a line's vectors go to
  // consecutive threads; short lines share a pass (lines_per_pass of them), long ones loop.
  const bool long_lines = line_vecs > kThreads;
  const int lines_per_pass = long_lines ? 1 : kThreads / line_vecs;
  const int line0 = long_lines ? 0 : tid / line_vecs;
  const int lane0 = long_lines ? tid : tid % line_vecs;
  const int lane_step = long_lines ? kThreads : line_vecs;

  for (std::int64_t r0 = static_cast<std::int64_t>(blockIdx.x) * a.rows; r0 < a.row_count;
       r0 += static_cast<std::int64_t>(gridDim.x) * a.rows) {
    const int rows = static_cast<int>(min(static_cast<std::int64_t>(a.rows), a.row_count - r0));
    const int lines = rows * kLines;
    for (int l = tid; l < lines; l += kThreads) {
      const int rr = l / kLines, ll = l - rr * kLines;
      const int dy = kSrcNchw ? ll & 1 : ll, c = kSrcNchw ? ll >> 1 : 0;
      const std::int64_t row = r0 + rr, n = row / a.hd, h = 2 * (row - n * a.hd) + dy;
      line_offset[l] = h >= a.h ? -1
                       : kSrcNchw ? ((n * C + c) * a.h + h) * a.w
                                  : (n * a.h + h) * a.w * C;
    }
    if constexpr (CS > 4 * C) {  // channel padding: one store per pixel
      static_assert(CS - 4 * C == 4, "12 channels padded to 16");
      using Pad = StemPadWord<4 * static_cast<int>(sizeof(Tout))>;
      for (int i = tid; i < rows * static_cast<int>(a.wd); i += kThreads) {
        *reinterpret_cast<Pad*>(tile + i * CS + 4 * C) = Pad{};
      }
    }
    __syncthreads();
    // 1. source lines -> staged destination rows, kStemLoads vectors per thread in flight
    if (line0 < lines_per_pass) {
      for (int lane = lane0; lane < line_vecs; lane += lane_step) {
        const int k0 = lane * VI;
        for (int l0 = line0; l0 < lines; l0 += kStemLoads * lines_per_pass) {
          uint4 chunk[kStemLoads] = {};
#pragma unroll
          for (int u = 0; u < kStemLoads; ++u) {
            const int l = l0 + u * lines_per_pass;
            const std::int64_t off = l < lines ? line_offset[l] : -1;
            if (off >= 0) chunk[u] = __ldg(reinterpret_cast<const uint4*>(src + off + k0));
          }
#pragma unroll
          for (int u = 0; u < kStemLoads; ++u) {
            const int l = l0 + u * lines_per_pass;
            if (l >= lines) break;
            const bool inside = line_offset[l] >= 0;
            const int rr = l / kLines, ll = l - rr * kLines;
            const int dy = kSrcNchw ? ll & 1 : ll, c = kSrcNchw ? ll >> 1 : 0;
            Tout* trow = tile + rr * row_elems;
            Tin x[VI];
            std::memcpy(x, &chunk[u], 16);
            if constexpr (kSrcNchw) {
              // element j: column k0 + j of channel c -> pixel (k0 + j) / 2, block (dy, dx)
#pragma unroll
              for (int j = 0; j < VI; ++j) {
                const int k = k0 + j;
                trow[(k >> 1) * CS + dy * 2 * C + (k & 1) * C + c] = inside ? cvt(x[j]) : zero;
              }
            } else {
              // elements j, j + 1 (k0 even): one pixel's (dx, c) run of 2C, same dy -> a pair
#pragma unroll
              for (int j = 0; j < VI; j += 2) {
                const int k = k0 + j;
                StemPair<Tout> v{inside ? cvt(x[j]) : zero, inside ? cvt(x[j + 1]) : zero};
                *reinterpret_cast<StemPair<Tout>*>(trow + (k / (2 * C)) * CS + dy * 2 * C +
                                                   k % (2 * C)) = v;
              }
            }
          }
        }
      }
    }
    __syncthreads();
    // 2. staged rows -> destination (contiguous)
    const int out_vecs = rows * row_elems * static_cast<int>(sizeof(Tout)) / 16;
    uint4* out = reinterpret_cast<uint4*>(static_cast<Tout*>(a.dst) + r0 * row_elems);
    for (int i = tid; i < out_vecs; i += kThreads) out[i] = stem_tile[i];
    __syncthreads();
  }
}

// Launches the stem fold when it fits (Note [stem fold]); returns false, launching nothing,
// otherwise.
bool try_fold_stem(const TransformDesc& d, const void* src, void* dst, bool aligned,
                   const TransformOptions& o, cudaStream_t stream) {
  constexpr int C = 3;
  const TensorLayout sl = d.src_layout, dl = d.dst_layout;
  if (!aligned || d.dims.c != C || dl.fold != 2 || sl.fold != 1 || sl.channel_align != 1 ||
      d.dims.w % 2 != 0) {
    return false;
  }
  const auto sd = stored_dims(d.dims, dl);
  if (sd[3] != 12 && sd[3] != 16) return false;
  const bool nchw = sl.order == Layout::nchw;
  const std::int64_t line_len = nchw ? d.dims.w : d.dims.w * C;
  const std::int64_t row_bytes = sd[2] * sd[3] * static_cast<std::int64_t>(dtype_size(d.dst_dtype));
  if (line_len % (16 / dtype_size(d.src_dtype)) != 0 || row_bytes % 16 != 0 ||
      row_bytes > kStemTileBytes || line_len > std::numeric_limits<std::int32_t>::max() / 8) {
    return false;
  }
  StemArgs a{};
  a.src = src;
  a.dst = dst;
  a.h = d.dims.h;
  a.w = d.dims.w;
  a.hd = sd[1];
  a.wd = sd[2];
  a.row_count = checked_mul(d.dims.n, a.hd);
  if (a.row_count == 0) return false;
  a.rows = static_cast<int>(
      std::min({kStemTileBytes / row_bytes, std::int64_t{kMaxStemRows}, a.row_count}));
  const std::size_t smem = static_cast<std::size_t>(a.rows * row_bytes);
  const unsigned blocks = grid_for((a.row_count + a.rows - 1) / a.rows);
  dispatch_pair(d.src_dtype, d.dst_dtype, [&](auto si, auto di) {
    using Tin = typename decltype(si)::type;
    using Tout = typename decltype(di)::type;
    with_converter<Tin, Tout>(o.src_scale, o.dst_scale, [&](auto cvt) {
      using Cvt = decltype(cvt);
      const auto launch = [&](auto cs, auto src_nchw) {
        fold_stem_kernel<Tin, Tout, Cvt, decltype(cs)::value, decltype(src_nchw)::value>
            <<<blocks, kThreads, smem, stream>>>(a, cvt);
      };
      using S12 = std::integral_constant<int, 12>;
      using S16 = std::integral_constant<int, 16>;
      if (sd[3] == 12) {
        nchw ? launch(S12{}, std::true_type{}) : launch(S12{}, std::false_type{});
      } else {
        nchw ? launch(S16{}, std::true_type{}) : launch(S16{}, std::false_type{});
      }
    });
  });
  return true;
}

// ---- dispatch --------------------------------------------------------------------------------

std::int32_t as_int32(std::int64_t v, const TransformDesc& d, const char* what) {
  // channel indices (times 4 when folded) are 32-bit inside the kernels
  PT_REQUIRE(v <= (std::numeric_limits<std::int32_t>::max() >> 10), overflow,
             "transform " << to_string(d) << ": " << what << " " << v << " is too large");
  return static_cast<std::int32_t>(v);
}

void check_scale(float s, const char* what) {
  PT_REQUIRE(std::isfinite(s) && s > 0.0f, invalid_argument,
             "transform: " << what << " is " << s << ", must be finite and > 0");
}

}  // namespace

void transform(const TransformDesc& d, const void* src, void* dst, cudaStream_t stream,
               const TransformOptions& options) {
  validate(d);
  PT_REQUIRE(src != nullptr && dst != nullptr, invalid_argument,
             "transform " << to_string(d) << ": null pointer (src=" << src << ", dst=" << dst
                          << ")");
  if (d.src_dtype == DType::int8) check_scale(options.src_scale, "int8 source scale");
  if (d.dst_dtype == DType::int8) check_scale(options.dst_scale, "int8 destination scale");

  // The same layout without holes (padding, fold fill) is an element-wise cast or a copy; with
  // holes it goes through the kernels below, which write the holes as zeros.
  const std::int64_t logical = checked_mul(checked_mul(d.dims.n, d.dims.c), checked_mul(d.dims.h, d.dims.w));
  if (d.src_layout == d.dst_layout && stored_numel(d.dims, d.src_layout) == logical) {
    precision::cast(src, d.src_dtype, dst, d.dst_dtype, stored_numel(d.dims, d.src_layout), stream,
                    options.src_scale, options.dst_scale);
    return;
  }

  const std::int32_t c = as_int32(d.dims.c, d, "channel count");
  const bool src_nchw = d.src_layout.order == Layout::nchw;
  const bool dst_nchw = d.dst_layout.order == Layout::nchw;
  const bool aligned_src = aligned16(src), aligned_dst = aligned16(dst);

  if (src_nchw) {  // -> nhwc family
    const auto sd = stored_dims(d.dims, d.dst_layout);
    ToNhwcArgs a{};
    a.src = src;
    a.dst = dst;
    a.c = c;
    a.cs = as_int32(sd[3], d, "stored channel count");
    a.h = d.dims.h;
    a.w = d.dims.w;
    a.src_plane = checked_mul(d.dims.h, d.dims.w);
    a.wd = sd[2];
    a.pixels = checked_mul(sd[1], sd[2]);
    a.fold = d.dst_layout.fold == 2;
    a.vec_load = !a.fold && aligned_src;
    a.vec_store = aligned_dst;
    a.src_scale = options.src_scale;
    a.dst_scale = options.dst_scale;
    a.total_tiles = d.dims.n;
    if (try_unit_transpose(d, src, dst, aligned_src && aligned_dst, options, stream) ||
        try_fold_stem(d, src, dst, aligned_src && aligned_dst, options, stream)) {
      PT_CUDA_CHECK_MSG(cudaGetLastError(), "launching the transform " << to_string(d));
      return;
    }
    dispatch_pair(d.src_dtype, d.dst_dtype, [&](auto si, auto di) {
      using Tin = typename decltype(si)::type;
      using Tout = typename decltype(di)::type;
      if (a.cs <= 8 && !a.fold) {
        launch_to_nhwc<Tin, Tout, 8, 512>(a, stream);
      } else if (a.cs <= 16) {
        launch_to_nhwc<Tin, Tout, 16, 256>(a, stream);
      } else if (a.cs <= 32) {
        launch_to_nhwc<Tin, Tout, 32, 128>(a, stream);
      } else {
        launch_to_nhwc<Tin, Tout, 64, big_tile_pixels<Tin, Tout>()>(a, stream);
      }
    });
  } else if (dst_nchw) {  // nhwc family ->
    const auto sd = stored_dims(d.dims, d.src_layout);
    ToNchwArgs a{};
    a.src = src;
    a.dst = dst;
    a.c = c;
    a.cs = as_int32(sd[3], d, "stored channel count");
    a.h = d.dims.h;
    a.w = d.dims.w;
    a.hw = checked_mul(d.dims.h, d.dims.w);
    a.hs = sd[1];
    a.ws = sd[2];
    a.fold = d.src_layout.fold == 2;
    a.vec_load = aligned_src;
    a.vec_store = aligned_dst;
    a.src_scale = options.src_scale;
    a.dst_scale = options.dst_scale;
    a.total_tiles = d.dims.n;
    if (try_unit_transpose(d, src, dst, aligned_src && aligned_dst, options, stream)) {
      PT_CUDA_CHECK_MSG(cudaGetLastError(), "launching the transform " << to_string(d));
      return;
    }
    dispatch_pair(d.src_dtype, d.dst_dtype, [&](auto si, auto di) {
      using Tin = typename decltype(si)::type;
      using Tout = typename decltype(di)::type;
      if (a.c <= 8) {
        launch_to_nchw<Tin, Tout, 8, 512>(a, stream);
      } else if (a.c <= 16) {
        launch_to_nchw<Tin, Tout, 16, 256>(a, stream);
      } else if (a.c <= 32) {
        launch_to_nchw<Tin, Tout, 32, 128>(a, stream);
      } else {
        launch_to_nchw<Tin, Tout, 64, big_tile_pixels<Tin, Tout>()>(a, stream);
      }
    });
  } else {  // nhwc family <-> nhwc family
    const auto ss = stored_dims(d.dims, d.src_layout);
    const auto sd = stored_dims(d.dims, d.dst_layout);
    RegatherArgs a{};
    a.src = src;
    a.dst = dst;
    a.c = c;
    a.h = d.dims.h;
    a.w = d.dims.w;
    a.cs_s = as_int32(ss[3], d, "stored source channel count");
    a.fold_s = d.src_layout.fold == 2;
    a.hs_s = ss[1];
    a.ws_s = ss[2];
    a.cs_d = as_int32(sd[3], d, "stored destination channel count");
    a.fold_d = d.dst_layout.fold == 2;
    a.hd = sd[1];
    a.wd = sd[2];
    a.total_pixels = checked_mul(checked_mul(sd[0], sd[1]), sd[2]);
    PT_REQUIRE(a.hd < (1 << 30) && a.wd < (1 << 30), overflow,
               "transform " << to_string(d) << ": spatial dims beyond 2^30");
    a.aligned = aligned_src && aligned_dst;
    a.src_scale = options.src_scale;
    a.dst_scale = options.dst_scale;
    if (try_fold_stem(d, src, dst, a.aligned, options, stream)) {
      PT_CUDA_CHECK_MSG(cudaGetLastError(), "launching the transform " << to_string(d));
      return;
    }
    dispatch_pair(d.src_dtype, d.dst_dtype, [&](auto si, auto di) {
      launch_regather<typename decltype(si)::type, typename decltype(di)::type>(a, stream);
    });
  }
  PT_CUDA_CHECK_MSG(cudaGetLastError(), "launching the transform " << to_string(d));
}

}  // namespace plantune::layouts
