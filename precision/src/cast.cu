#include "plantune/precision/cast.h"

#include <algorithm>
#include <cmath>

#include "plantune/core/cuda_check.h"
#include "plantune/core/error.h"
#include "plantune/precision/convert.cuh"

namespace plantune::precision {

namespace {

using device::from_float;
using device::load_vec;
using device::store_vec;
using device::to_float;

constexpr int kThreads = 256;
constexpr int kUnroll = 4;  // vectors per thread in flight
constexpr std::int64_t kMaxBlocks = std::int64_t{1} << 20;

struct CastArgs {
  const void* src;
  void* dst;
  std::int64_t n;
  float src_scale;  // per tensor, for an int8 source
  float dst_scale;  // per tensor, for an int8 destination
  // When non-null: the int8 side's scale per element, channel_scales[(i / inner) % channels].
  const float* channel_scales;
  std::int64_t channels;
  std::int64_t inner;
  bool vec;  // both pointers 16-byte aligned
};

template <typename Tin, typename Tout>
__device__ __forceinline__ Tout convert_one(Tin x, float s_in, float s_out) {
  return from_float<Tout>(to_float(x, s_in), s_out);
}

template <typename Tin, typename Tout>
__global__ void __launch_bounds__(kThreads) cast_kernel(CastArgs a) {
  // elements per vector: 16 bytes on the wider side, so that both sides stay coalesced
  constexpr int kMax = sizeof(Tin) > sizeof(Tout) ? sizeof(Tin) : sizeof(Tout);
  constexpr int V = 16 / kMax;
  constexpr bool kInInt8 = std::is_same_v<Tin, std::int8_t>;
  const Tin* __restrict__ src = static_cast<const Tin*>(a.src);
  Tout* __restrict__ dst = static_cast<Tout*>(a.dst);
  const bool per_channel = a.channel_scales != nullptr;

  const std::int64_t nv = a.vec ? a.n / V : 0;
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * kThreads * kUnroll;
  for (std::int64_t base = static_cast<std::int64_t>(blockIdx.x) * kThreads * kUnroll + threadIdx.x;
       base < nv; base += step) {
    Tin in[kUnroll][V];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const std::int64_t vi = base + static_cast<std::int64_t>(u) * kThreads;
      if (vi < nv) load_vec(src + vi * V, in[u]);
    }
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const std::int64_t vi = base + static_cast<std::int64_t>(u) * kThreads;
      if (vi >= nv) continue;
      Tout out[V];
      if (!per_channel) {
#pragma unroll
        for (int k = 0; k < V; ++k) out[k] = convert_one<Tin, Tout>(in[u][k], a.src_scale, a.dst_scale);
      } else {
        // channel of the first element, then step through the vector without dividing again
        const std::int64_t i0 = vi * V;
        std::int64_t ch = (i0 / a.inner) % a.channels;
        std::int64_t rem = i0 % a.inner;
#pragma unroll
        for (int k = 0; k < V; ++k) {
          const float s = __ldg(a.channel_scales + ch);
          out[k] = convert_one<Tin, Tout>(in[u][k], kInInt8 ? s : a.src_scale,
                                          kInInt8 ? a.dst_scale : s);
          if (++rem == a.inner) {
            rem = 0;
            if (++ch == a.channels) ch = 0;
          }
        }
      }
      store_vec(dst + vi * V, out);
    }
  }

  // Scalar elements: everything when unaligned, else the tail past the last full vector.
  const std::int64_t first = nv * V;
  const std::int64_t scalar_step = static_cast<std::int64_t>(gridDim.x) * kThreads;
  for (std::int64_t i = first + static_cast<std::int64_t>(blockIdx.x) * kThreads + threadIdx.x;
       i < a.n; i += scalar_step) {
    float s_in = a.src_scale;
    float s_out = a.dst_scale;
    if (per_channel) {
      const float s = a.channel_scales[(i / a.inner) % a.channels];
      if (kInInt8) {
        s_in = s;
      } else {
        s_out = s;
      }
    }
    dst[i] = convert_one<Tin, Tout>(src[i], s_in, s_out);
  }
}

void check_scale(float s, const char* what) {
  PT_REQUIRE(std::isfinite(s) && s > 0.0f, invalid_argument,
             what << " is " << s << ", must be finite and > 0");
}

template <typename Tin, typename Tout>
void launch_cast(const CastArgs& a, cudaStream_t stream) {
  constexpr int kMax = sizeof(Tin) > sizeof(Tout) ? sizeof(Tin) : sizeof(Tout);
  constexpr std::int64_t V = 16 / kMax;
  const std::int64_t per_block = a.vec ? kThreads * kUnroll * V : kThreads;
  const std::int64_t blocks = std::clamp<std::int64_t>((a.n + per_block - 1) / per_block, 1, kMaxBlocks);
  cast_kernel<Tin, Tout><<<static_cast<unsigned>(blocks), kThreads, 0, stream>>>(a);
  PT_CUDA_CHECK_MSG(cudaGetLastError(), "launching cast_kernel on " << a.n << " elements");
}

bool aligned16(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 16 == 0; }

void run_cast(CastArgs a, DType src_type, DType dst_type, cudaStream_t stream, const char* what) {
  a.vec = aligned16(a.src) && aligned16(a.dst);
  bool launched = false;
  device::dispatch_storage_type(src_type, [&](auto si) {
    device::dispatch_storage_type(dst_type, [&](auto di) {
      launch_cast<typename decltype(si)::type, typename decltype(di)::type>(a, stream);
      launched = true;
    });
  });
  PT_REQUIRE(launched, invalid_argument,
             what << ": unsupported types " << to_string(src_type) << " -> " << to_string(dst_type)
                  << " (fp32, fp16, bf16 and int8 are supported; tf32 is a math mode over fp32 "
                     "storage, cast it as fp32)");
}

}  // namespace

void cast(const void* src, DType src_type, void* dst, DType dst_type, std::int64_t n,
          cudaStream_t stream, float src_scale, float dst_scale) {
  PT_REQUIRE(n >= 0, invalid_argument, "cast: negative element count " << n);
  if (n == 0) return;
  PT_REQUIRE(src != nullptr && dst != nullptr, invalid_argument,
             "cast: null pointer (src=" << src << ", dst=" << dst << ") for " << n << " elements");
  if (src_type == DType::int8) check_scale(src_scale, "cast: int8 source scale");
  if (dst_type == DType::int8) check_scale(dst_scale, "cast: int8 destination scale");
  if (src_type == dst_type && src_type != DType::tf32 && src_type != DType::int32 &&
      (src_type != DType::int8 || src_scale == dst_scale)) {
    PT_CUDA_CHECK_MSG(cudaMemcpyAsync(dst, src, static_cast<std::size_t>(n * dtype_size(src_type)),
                                      cudaMemcpyDeviceToDevice, stream),
                      "cast: copying " << n << " " << to_string(src_type) << " elements");
    return;
  }
  CastArgs a{src, dst, n, src_scale, dst_scale, nullptr, 1, 1, false};
  run_cast(a, src_type, dst_type, stream, "cast");
}

namespace {

CastArgs scaled_args(const void* src, void* dst, std::int64_t n, const DeviceScales& scales,
                     const char* what) {
  PT_REQUIRE(n >= 0, invalid_argument, what << ": negative element count " << n);
  PT_REQUIRE(n == 0 || (src != nullptr && dst != nullptr), invalid_argument,
             what << ": null pointer (src=" << src << ", dst=" << dst << ") for " << n
                  << " elements");
  PT_REQUIRE(scales.layout.channels >= 1 && scales.layout.inner >= 1, invalid_argument,
             what << ": scale layout needs channels >= 1 and inner >= 1, got channels="
                  << scales.layout.channels << " inner=" << scales.layout.inner);
  if (scales.channel_scales == nullptr) check_scale(scales.scale, what);
  CastArgs a{src, dst, n, scales.scale, scales.scale, scales.channel_scales,
             scales.layout.channels, scales.layout.inner, false};
  return a;
}

}  // namespace

void quantize_int8(const float* src, std::int8_t* dst, std::int64_t n, const DeviceScales& scales,
                   cudaStream_t stream) {
  CastArgs a = scaled_args(src, dst, n, scales, "quantize_int8");
  if (n == 0) return;
  run_cast(a, DType::fp32, DType::int8, stream, "quantize_int8");
}

void dequantize_int8(const std::int8_t* src, float* dst, std::int64_t n,
                     const DeviceScales& scales, cudaStream_t stream) {
  CastArgs a = scaled_args(src, dst, n, scales, "dequantize_int8");
  if (n == 0) return;
  run_cast(a, DType::int8, DType::fp32, stream, "dequantize_int8");
}

}  // namespace plantune::precision
