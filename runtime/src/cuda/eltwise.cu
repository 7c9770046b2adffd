// Element-wise kernels: add, mul (full or [N, C, 1, 1] broadcast), activation, the bias +
// residual + activation epilogue, and scale/shift (standalone batch norm); plus the TensorRef
// helpers every launcher uses.
//
// One kernel template serves all of them (Mode below): each thread handles V consecutive
// elements, V = 16 bytes / element size on the vector path, 1 otherwise. The vector path needs
// every full-size pointer 16-byte aligned and the element count a multiple of V; a per-channel
// operand also needs the V elements to share a channel (NCHW: H*W % V == 0) or to span V
// consecutive channels (NHWC: C % V == 0). Arithmetic is fp32, rounded once on store.
//
// Note [in-place loads]: y may alias an input (add/mul/activation in place, the epilogue always),
// so these kernels read with plain loads, not through the read-only cache (__ldg, which
// precision::device::load_vec uses): the read-only path is defined only for data no thread of
// the kernel writes.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <sstream>
#include <type_traits>

#include "plantune/core/cuda_check.h"
#include "plantune/core/error.h"
#include "plantune/precision/convert.cuh"
#include "plantune/runtime/kernels.h"

namespace plantune::runtime::kernels {

// ---- TensorRef helpers ----------------------------------------------------------------------

std::int64_t numel(const TensorRef& t) { return t.n * t.c * t.h * t.w; }

std::int64_t bytes(const TensorRef& t) { return numel(t) * dtype_size(t.dtype); }

bool overlap(const TensorRef& a, const TensorRef& b) {
  const auto a0 = reinterpret_cast<std::uintptr_t>(a.data);
  const auto b0 = reinterpret_cast<std::uintptr_t>(b.data);
  const auto a1 = a0 + static_cast<std::uintptr_t>(bytes(a));
  const auto b1 = b0 + static_cast<std::uintptr_t>(bytes(b));
  return a0 < b1 && b0 < a1;
}

bool same_tensor_type(const TensorRef& a, const TensorRef& b) {
  return a.dtype == b.dtype && a.layout == b.layout && a.n == b.n && a.c == b.c && a.h == b.h &&
         a.w == b.w;
}

std::string to_string(const TensorRef& t) {
  std::ostringstream s;
  s << plantune::to_string(t.dtype) << " " << plantune::to_string(t.layout) << " [" << t.n << ", "
    << t.c << ", " << t.h << ", " << t.w << "]";
  return s.str();
}

void validate(const TensorRef& t, std::string_view what) {
  PT_REQUIRE(t.n >= 1 && t.c >= 1 && t.h >= 1 && t.w >= 1, invalid_argument,
             what << ": every dim must be >= 1, got " << to_string(t));
  const std::int64_t count = checked_mul(checked_mul(checked_mul(t.n, t.c, what), t.h, what),
                                         t.w, what);
  PT_REQUIRE(t.dtype == DType::fp32 || t.dtype == DType::tf32 || t.dtype == DType::fp16 ||
                 t.dtype == DType::bf16,
             invalid_argument,
             what << ": dtype " << plantune::to_string(t.dtype)
                  << " is not supported by the layer kernels (fp32, tf32, fp16, bf16)");
  checked_mul(count, dtype_size(t.dtype), what);
  PT_REQUIRE(t.data != nullptr, invalid_argument,
             what << ": null data pointer for " << to_string(t));
}

namespace {

using precision::device::from_float;
using precision::device::to_float;

constexpr int kThreads = 256;

enum class Mode {
  add,          // y = act(x + z)
  mul,          // y = act(x * z)
  mul_nc,       // y = act(x * pc[n, c])
  act,          // y = act(x)
  epilogue,     // y = act(x + pc[c]? + z?)  (x == y)
  scale_shift,  // y = act(x * scale[c] + shift[c])
};

struct EwArgs {
  const void* x = nullptr;
  const void* z = nullptr;   // second full-size operand (add, mul, residual) or null
  const void* pc = nullptr;  // per-channel operand of the tensor's dtype (bias, [N, C] factor)
  const float* scale = nullptr;
  const float* shift = nullptr;
  void* y = nullptr;
  std::int64_t count = 0;  // elements
  std::int64_t hw = 1, c = 1;
  bool nchw = true;
  Activation act = Activation::none;
};

__device__ __forceinline__ float apply(Activation a, float v) {
  switch (a) {
    case Activation::none: return v;
    case Activation::relu: return v < 0.0f ? 0.0f : v;
    case Activation::relu6: return v < 0.0f ? 0.0f : (v > 6.0f ? 6.0f : v);
    case Activation::sigmoid: return 1.0f / (1.0f + expf(-v));
    case Activation::silu: return v / (1.0f + expf(-v));
    case Activation::gelu: return 0.5f * v * (1.0f + erff(v * 0.70710678118654752f));
    case Activation::hard_swish: return v * fminf(fmaxf(v + 3.0f, 0.0f), 6.0f) * (1.0f / 6.0f);
  }
  return v;
}

// Plain (coherent) loads and stores of V elements; see Note [in-place loads].
template <typename T, int V>
__device__ __forceinline__ void load_f(const T* p, float (&out)[V]) {
  if constexpr (V * sizeof(T) == 16) {
    const uint4 chunk = *reinterpret_cast<const uint4*>(p);
    T v[V];
    std::memcpy(v, &chunk, 16);
#pragma unroll
    for (int k = 0; k < V; ++k) out[k] = to_float(v[k], 1.0f);
  } else {
#pragma unroll
    for (int k = 0; k < V; ++k) out[k] = to_float(p[k], 1.0f);
  }
}

template <typename T, int V>
__device__ __forceinline__ void store_f(T* p, const float (&in)[V]) {
  T v[V];
#pragma unroll
  for (int k = 0; k < V; ++k) v[k] = from_float<T>(in[k], 1.0f);
  if constexpr (V * sizeof(T) == 16) {
    uint4 chunk;
    std::memcpy(&chunk, v, 16);
    *reinterpret_cast<uint4*>(p) = chunk;
  } else {
#pragma unroll
    for (int k = 0; k < V; ++k) p[k] = v[k];
  }
}

template <typename T, int V, Mode M>
__global__ void __launch_bounds__(kThreads) eltwise_kernel(EwArgs a) {
  const T* x = static_cast<const T*>(a.x);
  const T* z = static_cast<const T*>(a.z);
  const T* pc = static_cast<const T*>(a.pc);
  T* y = static_cast<T*>(a.y);
  const std::int64_t vectors = a.count / V;
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t v = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       v < vectors; v += step) {
    const std::int64_t i = v * V;
    float r[V];
    load_f<T, V>(x + i, r);
    if constexpr (M == Mode::add || M == Mode::mul) {
      float b[V];
      load_f<T, V>(z + i, b);
#pragma unroll
      for (int k = 0; k < V; ++k) r[k] = M == Mode::add ? r[k] + b[k] : r[k] * b[k];
    } else if constexpr (M == Mode::mul_nc) {
      // pc is [N, C]: NCHW element i has (n, c) = i / hw; NHWC has n = i / (hw * c), c = i % c.
      const std::int64_t j = a.nchw ? i / a.hw : (i / (a.hw * a.c)) * a.c + i % a.c;
#pragma unroll
      for (int k = 0; k < V; ++k) r[k] *= to_float(pc[a.nchw ? j : j + k], 1.0f);
    } else if constexpr (M == Mode::epilogue || M == Mode::scale_shift) {
      const std::int64_t c0 = a.nchw ? (i / a.hw) % a.c : i % a.c;
      if constexpr (M == Mode::epilogue) {
        if (pc != nullptr) {
#pragma unroll
          for (int k = 0; k < V; ++k) r[k] += to_float(pc[a.nchw ? c0 : c0 + k], 1.0f);
        }
        if (z != nullptr) {
          float b[V];
          load_f<T, V>(z + i, b);
#pragma unroll
          for (int k = 0; k < V; ++k) r[k] += b[k];
        }
      } else {
#pragma unroll
        for (int k = 0; k < V; ++k) {
          const std::int64_t c = a.nchw ? c0 : c0 + k;
          r[k] = r[k] * a.scale[c] + a.shift[c];
        }
      }
    }
#pragma unroll
    for (int k = 0; k < V; ++k) r[k] = apply(a.act, r[k]);
    store_f<T, V>(y + i, r);
  }
}

bool aligned16(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 16 == 0; }

// Launches eltwise_kernel<T, V, M> for the tensor's dtype, on the vector path when allowed.
template <Mode M>
void launch(DType dtype, const EwArgs& a, bool per_channel, cudaStream_t stream) {
  const DType storage = dtype == DType::tf32 ? DType::fp32 : dtype;
  precision::device::dispatch_storage_type(storage, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (!std::is_same_v<T, std::int8_t>) {
      constexpr int kV = static_cast<int>(16 / sizeof(T));
      bool vec = a.count % kV == 0 && aligned16(a.x) && aligned16(a.y) &&
                 (a.z == nullptr || aligned16(a.z));
      if (per_channel) vec = vec && (a.nchw ? a.hw % kV == 0 : a.c % kV == 0);
      const int v = vec ? kV : 1;
      const std::int64_t blocks =
          std::clamp<std::int64_t>((a.count / v + kThreads - 1) / kThreads, 1,
                                   std::numeric_limits<std::int32_t>::max());
      if (vec) {
        eltwise_kernel<T, kV, M><<<static_cast<unsigned>(blocks), kThreads, 0, stream>>>(a);
      } else {
        eltwise_kernel<T, 1, M><<<static_cast<unsigned>(blocks), kThreads, 0, stream>>>(a);
      }
    }
  });
  PT_CUDA_CHECK_MSG(cudaGetLastError(), "launching an element-wise kernel");
}

EwArgs args_for(const TensorRef& x, const TensorRef& y, Activation act) {
  EwArgs a;
  a.x = x.data;
  a.y = y.data;
  a.count = numel(x);
  a.hw = x.h * x.w;
  a.c = x.c;
  a.nchw = x.layout == Layout::nchw;
  a.act = act;
  return a;
}

// In place is allowed (same pointer and type); any other overlap is not.
void require_alias_or_disjoint(const TensorRef& in, const TensorRef& y, std::string_view op,
                               std::string_view name) {
  PT_REQUIRE(in.data == y.data || !overlap(in, y), invalid_argument,
             op << ": y overlaps " << name << " without being it (in place needs y == " << name
                << ")");
}

void require_same(const TensorRef& a, const TensorRef& b, std::string_view op,
                  std::string_view an, std::string_view bn) {
  PT_REQUIRE(same_tensor_type(a, b), invalid_argument,
             op << ": " << bn << " " << to_string(b) << " must have the dims, dtype and layout of "
                << an << " " << to_string(a));
}

}  // namespace

void add(const TensorRef& a, const TensorRef& b, const TensorRef& y, Activation act,
         cudaStream_t stream) {
  validate(a, "add: a");
  validate(b, "add: b");
  validate(y, "add: y");
  require_same(a, b, "add", "a", "b");
  require_same(a, y, "add", "a", "y");
  require_alias_or_disjoint(a, y, "add", "a");
  require_alias_or_disjoint(b, y, "add", "b");
  EwArgs args = args_for(a, y, act);
  args.z = b.data;
  launch<Mode::add>(a.dtype, args, false, stream);
}

void mul(const TensorRef& a, const TensorRef& b, const TensorRef& y, Activation act,
         cudaStream_t stream) {
  validate(a, "mul: a");
  validate(b, "mul: b");
  validate(y, "mul: y");
  require_same(a, y, "mul", "a", "y");
  require_alias_or_disjoint(a, y, "mul", "a");
  const bool broadcast = b.h == 1 && b.w == 1 && (a.h != 1 || a.w != 1);
  EwArgs args = args_for(a, y, act);
  if (!broadcast) {
    PT_REQUIRE(same_tensor_type(a, b), invalid_argument,
               "mul: b " << to_string(b) << " must have the dims, dtype and layout of a "
                         << to_string(a) << ", or be [" << a.n << ", " << a.c
                         << ", 1, 1] of its dtype");
    require_alias_or_disjoint(b, y, "mul", "b");
    args.z = b.data;
    launch<Mode::mul>(a.dtype, args, false, stream);
    return;
  }
  PT_REQUIRE(b.n == a.n && b.c == a.c && b.dtype == a.dtype, invalid_argument,
             "mul: broadcast operand b " << to_string(b) << " must be [" << a.n << ", " << a.c
                                         << ", 1, 1] of a's dtype (a is " << to_string(a) << ")");
  PT_REQUIRE(!overlap(b, y), invalid_argument, "mul: y overlaps the broadcast operand b");
  args.pc = b.data;
  launch<Mode::mul_nc>(a.dtype, args, true, stream);
}

void activation(const TensorRef& x, const TensorRef& y, Activation act, cudaStream_t stream) {
  validate(x, "activation: x");
  validate(y, "activation: y");
  require_same(x, y, "activation", "x", "y");
  require_alias_or_disjoint(x, y, "activation", "x");
  launch<Mode::act>(x.dtype, args_for(x, y, act), false, stream);
}

void bias_residual_activation(const TensorRef& y, const void* bias, const TensorRef* residual,
                              Activation act, cudaStream_t stream) {
  validate(y, "bias_residual_activation: y");
  EwArgs args = args_for(y, y, act);
  args.pc = bias;
  if (residual != nullptr) {
    validate(*residual, "bias_residual_activation: residual");
    require_same(y, *residual, "bias_residual_activation", "y", "residual");
    PT_REQUIRE(!overlap(y, *residual), invalid_argument,
               "bias_residual_activation: the residual overlaps y");
    args.z = residual->data;
  }
  launch<Mode::epilogue>(y.dtype, args, bias != nullptr, stream);
}

void scale_shift(const TensorRef& x, const TensorRef& y, const float* scale, const float* shift,
                 cudaStream_t stream, Activation act) {
  validate(x, "scale_shift: x");
  validate(y, "scale_shift: y");
  require_same(x, y, "scale_shift", "x", "y");
  require_alias_or_disjoint(x, y, "scale_shift", "x");
  PT_REQUIRE(scale != nullptr && shift != nullptr, invalid_argument,
             "scale_shift: scale and shift must both be device arrays of " << x.c << " floats");
  EwArgs args = args_for(x, y, act);
  args.scale = scale;
  args.shift = shift;
  launch<Mode::scale_shift>(x.dtype, args, true, stream);
}

}  // namespace plantune::runtime::kernels
