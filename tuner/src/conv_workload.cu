#include "plantune/tuner/conv_workload.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>
#include <vector>

#include "device_kernels.h"
#include "plantune/core/error.h"

namespace plantune::tuner {
namespace {

using detail::grid_for;
using detail::offset4;

constexpr std::int64_t kAlign = 256;

std::int64_t align_up(std::int64_t v) { return (v + kAlign - 1) / kAlign * kAlign; }

// Uniform in [-1, 1) from (seed, tensor, logical index): splitmix64's finalizer.
__device__ inline float hash_uniform(std::uint64_t seed, std::uint64_t tensor, std::uint64_t i) {
  std::uint64_t z = seed ^ (tensor * 0xD1B54A32D192ED03ULL);
  z += (i + 1) * 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return static_cast<float>(z >> 40) * (2.0f / 16777216.0f) - 1.0f;
}

// A hash value u in [-1, 1) as stored in T, and the value a stored element stands for: the
// float types round u; int8 stores q = rn(127 u) for the value q / 127 (Note [int8 convolution]).
template <typename T>
__device__ inline T store_value(float u) {
  return detail::from_float<T>(u);
}
template <>
__device__ inline std::int8_t store_value<std::int8_t>(float u) {
  return static_cast<std::int8_t>(__float2int_rn(u * kInt8Levels));  // |q| <= 127
}
template <typename T>
__device__ inline float stored_value(T v) {
  return detail::to_float<T>(v);
}
template <>
__device__ inline float stored_value<std::int8_t>(std::int8_t q) {
  return static_cast<float>(q) / kInt8Levels;
}

// Where fill_random_kernel also writes each logical element (unpadded, row-major), as float;
// null pointers are skipped. `rounded`: the value the stored element stands for (int8:
// q / 127); `exact`: the hash value u itself, before rounding to the storage dtype.
struct RefCopies {
  float* rounded = nullptr;
  float* exact = nullptr;
};

// Writes a packed tensor of physical dims (P0, P1, D2, D3) (P0 >= D0, P1 >= D1): logical
// elements get hash values rounded to T, padding elements zero; `ref` receives the logical
// elements' float copies.
template <typename T>
__global__ void fill_random_kernel(T* out, RefCopies ref, std::int64_t D0, std::int64_t D1,
                                   std::int64_t D2, std::int64_t D3, std::int64_t P0,
                                   std::int64_t P1, bool channels_last, std::uint64_t seed,
                                   std::uint64_t tensor) {
  const std::int64_t total = P0 * P1 * D2 * D3;
  for (std::int64_t i = blockIdx.x * std::int64_t{blockDim.x} + threadIdx.x; i < total;
       i += std::int64_t{gridDim.x} * blockDim.x) {
    std::int64_t d0, d1, d2, d3, t = i;
    if (channels_last) {
      d1 = t % P1; t /= P1;
      d3 = t % D3; t /= D3;
      d2 = t % D2; d0 = t / D2;
    } else {
      d3 = t % D3; t /= D3;
      d2 = t % D2; t /= D2;
      d1 = t % P1; d0 = t / P1;
    }
    if (d0 < D0 && d1 < D1) {
      const std::int64_t logical = ((d0 * D1 + d1) * D2 + d2) * D3 + d3;
      const float u = hash_uniform(seed, tensor, static_cast<std::uint64_t>(logical));
      const T v = store_value<T>(u);
      out[i] = v;
      if (ref.rounded != nullptr) ref.rounded[logical] = stored_value<T>(v);
      if (ref.exact != nullptr) ref.exact[logical] = u;
    } else {
      out[i] = store_value<T>(0.0f);
    }
  }
}

// dst (N, dst_c, H, W) <- src (N, src_c, H, W), both packed in the same layout; channels
// beyond src_c become zero. Pads (dst_c > src_c) or slices (dst_c < src_c). Elements are
// moved as raw bits of type U (same size as the storage type).
template <typename U>
__global__ void copy_channels_kernel(const U* src, std::int64_t src_c, U* dst, std::int64_t dst_c,
                                     std::int64_t N, std::int64_t H, std::int64_t W,
                                     bool channels_last) {
  const std::int64_t total = N * dst_c * H * W;
  for (std::int64_t i = blockIdx.x * std::int64_t{blockDim.x} + threadIdx.x; i < total;
       i += std::int64_t{gridDim.x} * blockDim.x) {
    std::int64_t n, c, h, w, t = i;
    if (channels_last) {
      c = t % dst_c; t /= dst_c;
      w = t % W; t /= W;
      h = t % H; n = t / H;
    } else {
      w = t % W; t /= W;
      h = t % H; t /= H;
      c = t % dst_c; n = t / dst_c;
    }
    dst[i] = c < src_c ? src[offset4(n, c, h, w, src_c, H, W, channels_last)] : U{0};
  }
}

template <typename T>
void fill_random(void* out, RefCopies ref, std::int64_t D0, std::int64_t D1, std::int64_t D2,
                 std::int64_t D3, std::int64_t P0, std::int64_t P1, bool channels_last,
                 std::uint64_t seed, std::uint64_t tensor, cudaStream_t stream) {
  fill_random_kernel<T><<<grid_for(P0 * P1 * D2 * D3), 256, 0, stream>>>(
      static_cast<T*>(out), ref, D0, D1, D2, D3, P0, P1, channels_last, seed, tensor);
  PT_CHECK_LAUNCH("the random-fill kernel");
}

void fill_random_dispatch(DType t, void* out, RefCopies ref, std::int64_t D0, std::int64_t D1,
                          std::int64_t D2, std::int64_t D3, std::int64_t P0, std::int64_t P1,
                          bool channels_last, std::uint64_t seed, std::uint64_t tensor,
                          cudaStream_t stream) {
  switch (t) {
    case DType::fp32:
      return fill_random<float>(out, ref, D0, D1, D2, D3, P0, P1, channels_last, seed, tensor,
                                stream);
    case DType::fp16:
      return fill_random<__half>(out, ref, D0, D1, D2, D3, P0, P1, channels_last, seed, tensor,
                                 stream);
    case DType::bf16:
      return fill_random<__nv_bfloat16>(out, ref, D0, D1, D2, D3, P0, P1, channels_last, seed,
                                        tensor, stream);
    case DType::int8:
      return fill_random<std::int8_t>(out, ref, D0, D1, D2, D3, P0, P1, channels_last, seed,
                                      tensor, stream);
    default:
      PT_FAIL(not_supported, "conv workload: storage dtype " << to_string(t)
                                                             << " (fp32, fp16, bf16, int8 only)");
  }
}

void copy_channels(DType t, const void* src, std::int64_t src_c, void* dst, std::int64_t dst_c,
                   std::int64_t N, std::int64_t H, std::int64_t W, bool channels_last,
                   cudaStream_t stream) {
  const unsigned grid = grid_for(N * dst_c * H * W);
  switch (dtype_size(t)) {
    case 4:
      copy_channels_kernel<std::uint32_t><<<grid, 256, 0, stream>>>(
          static_cast<const std::uint32_t*>(src), src_c, static_cast<std::uint32_t*>(dst), dst_c,
          N, H, W, channels_last);
      break;
    case 2:
      copy_channels_kernel<std::uint16_t><<<grid, 256, 0, stream>>>(
          static_cast<const std::uint16_t*>(src), src_c, static_cast<std::uint16_t*>(dst), dst_c,
          N, H, W, channels_last);
      break;
    case 1:
      copy_channels_kernel<std::uint8_t><<<grid, 256, 0, stream>>>(
          static_cast<const std::uint8_t*>(src), src_c, static_cast<std::uint8_t*>(dst), dst_c,
          N, H, W, channels_last);
      break;
    default:
      PT_FAIL(internal, "channel pad/slice of " << to_string(t) << " elements");
  }
  PT_CHECK_LAUNCH("the channel pad/slice kernel");
}

bool all_guard(const std::vector<unsigned char>& bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](unsigned char b) { return b == kGuardByte; });
}

bool guards_intact(const std::byte* before, const std::byte* after, cudaStream_t stream) {
  std::vector<unsigned char> host(2 * kGuardBytes);
  PT_CUDA_CHECK(cudaMemcpyAsync(host.data(), before, kGuardBytes, cudaMemcpyDeviceToHost, stream));
  PT_CUDA_CHECK(cudaMemcpyAsync(host.data() + kGuardBytes, after, kGuardBytes,
                                cudaMemcpyDeviceToHost, stream));
  PT_CUDA_CHECK(cudaStreamSynchronize(stream));
  return all_guard(host);
}

void write_guards(std::byte* before, std::byte* after, cudaStream_t stream) {
  PT_CUDA_CHECK(cudaMemsetAsync(before, kGuardByte, kGuardBytes, stream));
  PT_CUDA_CHECK(cudaMemsetAsync(after, kGuardByte, kGuardBytes, stream));
}

std::int64_t round_up(std::int64_t v, std::int64_t m) { return (v + m - 1) / m * m; }

// The int8 rules of exec_problem() (Note [int8 convolution]) for `e`, the problem `p` (key
// `key`) as variant `v` executes it.
void require_int8_runs(const ConvProblem& p, const ConvProblem& e, const Variant& v,
                       const std::string& key) {
  PT_REQUIRE(v.layout == Layout::nhwc, not_supported,
             "problem '" << key << "': variant " << to_string(v)
                         << ": int8 convolutions run in NHWC only; use variant "
                         << to_string(Variant{Layout::nhwc, v.precision, v.padded_c, v.padded_k}));
  PT_REQUIRE(p.epilogue.empty(), not_supported,
             "problem '" << key << "': variant " << to_string(v)
                         << ": int8 convolutions with a fused epilogue (bias, residual, "
                            "activation) are not done; run the plain convolution in int8 and "
                            "the epilogue apart, or use a float precision");
  const std::int64_t cg = e.c / e.groups;
  if (cg % 4 == 0 && e.k % 4 == 0) return;
  std::ostringstream fix;
  if (p.groups == 1) {
    // The same variant with every unaligned dimension padded to 4, and to 8.
    auto padded = [&](std::int64_t m) {
      Variant f = v;
      if (e.c % 4 != 0) f.padded_c = round_up(e.c, m);
      if (e.k % 4 != 0) f.padded_k = round_up(e.k, m);
      return to_string(f);
    };
    fix << "pad the channels to a multiple of 4, e.g. variant " << padded(4)
        << ", or of 8 (" << padded(8) << ")";
  } else {
    fix << "channel padding is only defined for groups = 1, so this grouped problem has no int8 "
           "variant";
  }
  PT_FAIL(not_supported, "problem '" << key << "': variant " << to_string(v)
                                     << " executes C/groups = " << cg << " and K = " << e.k
                                     << "; int8 convolutions need both to be multiples of 4: "
                                     << fix.str());
}

}  // namespace

float conv_output_scale(Precision p) {
  return p == Precision::int8 ? (1.0f / kInt8Levels) * (1.0f / kInt8Levels) : 1.0f;
}

ConvProblem exec_problem(const ConvProblem& p, const Variant& v) {
  p.validate();
  ConvProblem e = p;
  const std::string key = problem_key(p);
  if (v.padded_c != 0 || v.padded_k != 0) {
    PT_REQUIRE(p.groups == 1, invalid_argument,
               "problem '" << key << "': channel padding (" << to_string(v)
                           << ") is only defined for groups = 1");
  }
  if (v.padded_c != 0) {
    PT_REQUIRE(v.padded_c >= p.c, invalid_argument,
               "problem '" << key << "': padded_c = " << v.padded_c << " is below c = " << p.c);
    e.c = v.padded_c;
  }
  if (v.padded_k != 0) {
    PT_REQUIRE(v.padded_k >= p.k, invalid_argument,
               "problem '" << key << "': padded_k = " << v.padded_k << " is below k = " << p.k);
    e.k = v.padded_k;
  }
  const DType st = storage_dtype(v.precision);
  if (st == DType::int8) {
    require_int8_runs(p, e, v, key);
    e.x_dtype = e.w_dtype = DType::int8;
    e.y_dtype = DType::fp32;
    e.compute = DType::int32;
    return e;
  }
  PT_REQUIRE(st == DType::fp32 || st == DType::fp16 || st == DType::bf16, not_supported,
             "problem '" << key << "': variant " << to_string(v)
                         << " needs fp32, fp16, bf16 or int8 storage");
  e.x_dtype = e.w_dtype = e.y_dtype = st;
  e.compute = DType::fp32;
  return e;
}

ConvWorkload::ConvWorkload(const ConvProblem& problem, const Variant& variant,
                           const WorkloadOptions& options, cudaStream_t stream)
    : problem_(problem),
      exec_(exec_problem(problem, variant)),
      variant_(variant),
      storage_(storage_dtype(variant.precision)) {
  seed_ = options.seed;
  if (seed_ == 0) {
    std::random_device rd;
    seed_ = (std::uint64_t{rd()} << 32) ^ rd() ^ 0x5eedULL;
  }
  padded_c_ = exec_.c != problem_.c;
  padded_k_ = exec_.k != problem_.k;
  // x and w in the storage dtype; y, and the epilogue's bias and z, in y's (int8: fp32).
  const std::int64_t es = dtype_size(storage_);
  const std::int64_t ys = dtype_size(exec_.y_dtype);
  const std::int64_t P = exec_.out_h(), Q = exec_.out_w();
  const std::int64_t cg_exec = exec_.c / exec_.groups;
  x_bytes_ = checked_mul(checked_mul(exec_.n * exec_.c, exec_.h * exec_.w, "x"), es, "x bytes");
  w_bytes_ = checked_mul(checked_mul(exec_.k * cg_exec, exec_.r * exec_.s, "w"), es, "w bytes");
  y_bytes_ = checked_mul(checked_mul(exec_.n * exec_.k, P * Q, "y"), ys, "y bytes");
  x_src_bytes_ = padded_c_ ? problem_.n * problem_.c * problem_.h * problem_.w * es : 0;
  y_out_bytes_ = padded_k_ ? problem_.n * problem_.k * P * Q * ys : 0;
  const ConvEpilogue& epi = problem_.epilogue;
  bias_bytes_ = epi.bias ? exec_.k * ys : 0;
  z_src_bytes_ = epi.residual && padded_k_ ? y_out_bytes_ : 0;

  std::int64_t off = 0;
  if (padded_c_) {
    offsets_.x_src = off;
    off += align_up(x_src_bytes_);
  }
  offsets_.x = off;
  off += align_up(x_bytes_);
  offsets_.w = off;
  off += align_up(w_bytes_);
  off += kGuardBytes;
  offsets_.y = off;
  off += align_up(y_bytes_) + kGuardBytes;
  if (padded_k_) {
    offsets_.y_out = off;
    off += align_up(y_out_bytes_);
  }
  if (epi.bias) {
    offsets_.bias = off;
    off += align_up(bias_bytes_);
  }
  if (epi.residual) {
    offsets_.z = off;
    off += align_up(y_bytes_);
    if (padded_k_) {
      offsets_.z_src = off;
      off += align_up(z_src_bytes_);
    }
  }
  slot_stride_ = off;

  // Slot count (Note [cold L2 by rotation]).
  std::int64_t l2 = options.l2_bytes;
  if (l2 <= 0) {
    int dev = 0, v = 0;
    PT_CUDA_CHECK(cudaGetDevice(&dev));
    PT_CUDA_CHECK(cudaDeviceGetAttribute(&v, cudaDevAttrL2CacheSize, dev));
    l2 = v;
  }
  const double span = options.cold_factor * static_cast<double>(l2);
  std::int64_t slots = 1;
  if (options.cold_l2) {
    slots = static_cast<std::int64_t>(std::ceil(span / static_cast<double>(slot_stride_))) + 1;
    slots = std::clamp<std::int64_t>(slots, 2, std::max(2, options.max_slots));
  }
  std::size_t free_bytes = 0, total_bytes = 0;
  PT_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  const auto fit = static_cast<std::int64_t>(options.max_memory_fraction *
                                             static_cast<double>(free_bytes)) / slot_stride_;
  PT_REQUIRE(fit >= 1, out_of_memory,
             "problem '" << problem_key(problem_) << "' variant " << to_string(variant_)
                         << ": one set of tensors needs " << slot_stride_ << " bytes, "
                         << free_bytes << " bytes of device memory are free");
  slots = std::min(slots, fit);
  slots_ = static_cast<int>(slots);
  cold_ = options.cold_l2 && slots_ >= 2 &&
          static_cast<double>(slots_ - 1) * static_cast<double>(slot_stride_) >= span;

  slots_buf_ = DeviceBytes(static_cast<std::size_t>(slot_stride_ * slots_));
  x_ref_ = DeviceBuffer<float>(static_cast<std::size_t>(problem_.n * problem_.c * problem_.h * problem_.w));
  w_ref_ = DeviceBuffer<float>(
      static_cast<std::size_t>(problem_.k * (problem_.c / problem_.groups) * problem_.r * problem_.s));
  if (epi.bias) bias_ref_ = DeviceBuffer<float>(static_cast<std::size_t>(problem_.k));
  if (epi.residual) z_ref_ = DeviceBuffer<float>(static_cast<std::size_t>(problem_.n * problem_.k * P * Q));
  // Exact copies only where rounding changed something: x and w stored in other than fp32, the
  // epilogue's inputs in y's dtype other than fp32 (x_exact() and friends fall back to the
  // rounded copies otherwise).
  if (storage_ != DType::fp32) {
    x_exact_ = DeviceBuffer<float>(x_ref_.size());
    w_exact_ = DeviceBuffer<float>(w_ref_.size());
  }
  if (exec_.y_dtype != DType::fp32) {
    if (epi.bias) bias_exact_ = DeviceBuffer<float>(bias_ref_.size());
    if (epi.residual) z_exact_ = DeviceBuffer<float>(z_ref_.size());
  }

  // Slot 0: random x (padded and unpadded), w, guards; then copies to the other slots.
  const bool cl = variant_.layout == Layout::nhwc;
  const std::int64_t cg = problem_.c / problem_.groups;
  fill_random_dispatch(storage_, at(offsets_.x), {x_ref_.data(), x_exact_.data()}, problem_.n,
                       problem_.c, problem_.h, problem_.w, exec_.n, exec_.c, cl, seed_, 1, stream);
  if (padded_c_) {
    fill_random_dispatch(storage_, at(offsets_.x_src), {}, problem_.n, problem_.c, problem_.h,
                         problem_.w, problem_.n, problem_.c, cl, seed_, 1, stream);
  }
  fill_random_dispatch(storage_, at(offsets_.w), {w_ref_.data(), w_exact_.data()}, problem_.k, cg,
                       problem_.r, problem_.s, exec_.k, exec_.c / exec_.groups, cl, seed_, 2,
                       stream);
  // Epilogue inputs: bias as (1, K) padded to (1, K'), z like y (tensor ids 3 and 4).
  if (epi.bias) {
    fill_random_dispatch(exec_.y_dtype, at(offsets_.bias), {bias_ref_.data(), bias_exact_.data()},
                         1, problem_.k, 1, 1, 1, exec_.k, false, seed_, 3, stream);
  }
  if (epi.residual) {
    fill_random_dispatch(exec_.y_dtype, at(offsets_.z), {z_ref_.data(), z_exact_.data()},
                         problem_.n, problem_.k, P, Q, exec_.n, exec_.k, cl, seed_, 4, stream);
    if (padded_k_) {
      fill_random_dispatch(exec_.y_dtype, at(offsets_.z_src), {}, problem_.n, problem_.k, P,
                           Q, problem_.n, problem_.k, cl, seed_, 4, stream);
    }
  }
  PT_CUDA_CHECK(cudaMemsetAsync(at(offsets_.y), 0, y_bytes_, stream));
  write_guards(at(offsets_.y - kGuardBytes), at(offsets_.y + y_bytes_), stream);
  // Copies x, w, bias, z (padded and unpadded) of slot 0 into slot `s`.
  auto copy_to = [&](std::int64_t base, std::int64_t offset, std::int64_t bytes) {
    if (offset < 0) return;
    PT_CUDA_CHECK(cudaMemcpyAsync(at(base + offset), at(offset), static_cast<std::size_t>(bytes),
                                  cudaMemcpyDeviceToDevice, stream));
  };
  for (int s = 1; s < slots_; ++s) {
    const std::int64_t base = s * slot_stride_;
    copy_to(base, offsets_.bias, bias_bytes_);
    copy_to(base, offsets_.z, y_bytes_);
    copy_to(base, offsets_.z_src, z_src_bytes_);
    PT_CUDA_CHECK(cudaMemcpyAsync(at(base + offsets_.x), at(offsets_.x), x_bytes_,
                                  cudaMemcpyDeviceToDevice, stream));
    PT_CUDA_CHECK(cudaMemcpyAsync(at(base + offsets_.w), at(offsets_.w), w_bytes_,
                                  cudaMemcpyDeviceToDevice, stream));
    if (padded_c_) {
      PT_CUDA_CHECK(cudaMemcpyAsync(at(base + offsets_.x_src), at(offsets_.x_src), x_src_bytes_,
                                    cudaMemcpyDeviceToDevice, stream));
    }
  }
  PT_CUDA_CHECK(cudaStreamSynchronize(stream));
}

ConvOperands ConvWorkload::operands(int slot) const {
  PT_REQUIRE(slot >= 0 && slot < slots_, invalid_argument,
             "workload slot " << slot << " of " << slots_);
  const std::int64_t base = slot * slot_stride_;
  ConvOperands op{at(base + offsets_.x), at(base + offsets_.w), at(base + offsets_.y)};
  op.alpha = output_scale();
  if (offsets_.bias >= 0) op.bias = at(base + offsets_.bias);
  if (offsets_.z >= 0) op.z = at(base + offsets_.z);
  return op;
}

void ConvWorkload::enqueue_pad_input(int slot, cudaStream_t stream) const {
  const std::int64_t base = slot * slot_stride_;
  const bool cl = variant_.layout == Layout::nhwc;
  if (padded_c_) {
    copy_channels(storage_, at(base + offsets_.x_src), problem_.c, at(base + offsets_.x), exec_.c,
                  exec_.n, exec_.h, exec_.w, cl, stream);
  }
  if (offsets_.z_src >= 0) {
    copy_channels(exec_.y_dtype, at(base + offsets_.z_src), problem_.k, at(base + offsets_.z),
                  exec_.k, exec_.n, exec_.out_h(), exec_.out_w(), cl, stream);
  }
}

void ConvWorkload::enqueue_slice_output(int slot, cudaStream_t stream) const {
  if (!padded_k_) return;
  const std::int64_t base = slot * slot_stride_;
  copy_channels(exec_.y_dtype, at(base + offsets_.y), exec_.k, at(base + offsets_.y_out),
                problem_.k, exec_.n, exec_.out_h(), exec_.out_w(), variant_.layout == Layout::nhwc,
                stream);
}

void ConvWorkload::poison_output(cudaStream_t stream) {
  PT_CUDA_CHECK(cudaMemsetAsync(at(offsets_.y), 0xFF, y_bytes_, stream));
  write_guards(at(offsets_.y - kGuardBytes), at(offsets_.y + y_bytes_), stream);
}

bool ConvWorkload::output_guards_intact(cudaStream_t stream) const {
  return guards_intact(at(offsets_.y - kGuardBytes), at(offsets_.y + y_bytes_), stream);
}

void* ConvWorkload::workspace(std::int64_t bytes, cudaStream_t stream) {
  PT_REQUIRE(bytes >= 0, invalid_argument, "workspace of " << bytes << " bytes");
  workspace_in_use_ = bytes;
  if (bytes == 0) return nullptr;
  const auto needed = static_cast<std::size_t>(bytes + 2 * kGuardBytes);
  if (workspace_.size() < needed) {
    PT_CUDA_CHECK(cudaStreamSynchronize(stream));  // the old buffer may still be in use
    workspace_ = DeviceBytes();
    workspace_ = DeviceBytes(needed);
  }
  write_guards(workspace_.data(), workspace_.data() + kGuardBytes + bytes, stream);
  return workspace_.data() + kGuardBytes;
}

bool ConvWorkload::workspace_guards_intact(cudaStream_t stream) const {
  if (workspace_in_use_ == 0) return true;
  return guards_intact(workspace_.data(), workspace_.data() + kGuardBytes + workspace_in_use_,
                       stream);
}

}  // namespace plantune::tuner
