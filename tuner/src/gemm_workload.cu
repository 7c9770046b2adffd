#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "device_kernels.h"
#include "plantune/core/error.h"
#include "plantune/core/shape.h"
#include "plantune/tuner/gemm_workload.h"

namespace plantune::tuner {
namespace {

using detail::grid_for;

constexpr std::int64_t kAlign = 256;
constexpr int kTile = 16;  // reference GEMM tile (threads per block: kTile x kTile)

// Tensor numbers mixed into the hash: the same seed gives unrelated A, B and bias.
constexpr std::uint64_t kTensorA = 11, kTensorB = 12, kTensorBias = 13;

std::int64_t align_up(std::int64_t v) { return (v + kAlign - 1) / kAlign * kAlign; }

// Uniform in [-1, 1) from (seed, tensor, index): splitmix64's finalizer.
__device__ inline float hash_uniform(std::uint64_t seed, std::uint64_t tensor, std::uint64_t i) {
  std::uint64_t z = seed ^ (tensor * 0xD1B54A32D192ED03ULL);
  z += (i + 1) * 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return static_cast<float>(z >> 40) * (2.0f / 16777216.0f) - 1.0f;
}

// Fills a row-major [R, C] matrix with scale * hash values rounded to T, and `ref` with the
// rounded values as float: at the same index, or transposed ([C, R]) when ref_transposed.
template <typename T>
__global__ void fill_matrix_kernel(T* out, float* ref, std::int64_t R, std::int64_t C,
                                   bool ref_transposed, float scale, std::uint64_t seed,
                                   std::uint64_t tensor) {
  const std::int64_t total = R * C;
  for (std::int64_t i = blockIdx.x * std::int64_t{blockDim.x} + threadIdx.x; i < total;
       i += std::int64_t{gridDim.x} * blockDim.x) {
    const T v =
        detail::from_float<T>(scale * hash_uniform(seed, tensor, static_cast<std::uint64_t>(i)));
    out[i] = v;
    const std::int64_t r = i / C, c = i % C;
    ref[ref_transposed ? c * R + r : i] = detail::to_float<T>(v);
  }
}

template <typename T>
void fill_matrix(void* out, float* ref, std::int64_t R, std::int64_t C, bool ref_transposed,
                 float scale, std::uint64_t seed, std::uint64_t tensor, cudaStream_t stream) {
  fill_matrix_kernel<T><<<grid_for(R * C), 256, 0, stream>>>(static_cast<T*>(out), ref, R, C,
                                                             ref_transposed, scale, seed, tensor);
  PT_CHECK_LAUNCH("the GEMM random-fill kernel");
}

void fill_matrix_dispatch(DType t, void* out, float* ref, std::int64_t R, std::int64_t C,
                          bool ref_transposed, float scale, std::uint64_t seed,
                          std::uint64_t tensor, cudaStream_t stream) {
  switch (t) {
    case DType::fp32:
      return fill_matrix<float>(out, ref, R, C, ref_transposed, scale, seed, tensor, stream);
    case DType::fp16:
      return fill_matrix<__half>(out, ref, R, C, ref_transposed, scale, seed, tensor, stream);
    case DType::bf16:
      return fill_matrix<__nv_bfloat16>(out, ref, R, C, ref_transposed, scale, seed, tensor,
                                        stream);
    default:
      PT_FAIL(not_supported,
              "GEMM workload: storage dtype " << to_string(t) << " (fp32, fp16, bf16 only)");
  }
}

enum : int { kActNone = 0, kActRelu = 1, kActGelu = 2 };

int activation_code(const GemmProblem& p) {
  switch (p.activation) {
    case Activation::none: return kActNone;
    case Activation::relu: return kActRelu;
    case Activation::gelu: return kActGelu;
    default: break;
  }
  PT_FAIL(not_supported, "GEMM '" << problem_key(p) << "': activation " << to_string(p.activation)
                                  << " has no cuBLASLt epilogue (none, relu and gelu do)");
}

// Tiled reference: block (kTile x kTile) computes a kTile x kTile tile of D; the inputs pass
// through shared memory as float, products and sums are fp64 (Note [GEMM validation]).
__global__ void reference_gemm_kernel(std::int64_t M, std::int64_t N, std::int64_t K,
                                      const float* __restrict__ a, const float* __restrict__ bt,
                                      const float* __restrict__ bias, int act,
                                      float* __restrict__ d, float* __restrict__ scale) {
  __shared__ float as[kTile][kTile + 1];
  __shared__ float bs[kTile][kTile + 1];
  const int tx = static_cast<int>(threadIdx.x), ty = static_cast<int>(threadIdx.y);
  const std::int64_t m0 = std::int64_t{blockIdx.y} * kTile, n0 = std::int64_t{blockIdx.x} * kTile;
  const std::int64_t m = m0 + ty, n = n0 + tx;
  double acc = 0.0, abs_acc = 0.0;
  for (std::int64_t k0 = 0; k0 < K; k0 += kTile) {
    const std::int64_t k = k0 + tx;
    as[ty][tx] = (m0 + ty < M && k < K) ? a[(m0 + ty) * K + k] : 0.0f;
    bs[ty][tx] = (n0 + ty < N && k < K) ? bt[(n0 + ty) * K + k] : 0.0f;
    __syncthreads();
    for (int kk = 0; kk < kTile; ++kk) {
      const double prod = static_cast<double>(as[ty][kk]) * static_cast<double>(bs[tx][kk]);
      acc += prod;
      abs_acc += fabs(prod);
    }
    __syncthreads();
  }
  if (m >= M || n >= N) return;
  double v = acc;
  if (bias != nullptr) {
    v += bias[n];
    abs_acc += fabs(static_cast<double>(bias[n]));
  }
  if (act == kActRelu) {
    v = v > 0.0 ? v : 0.0;
  } else if (act == kActGelu) {
    const double c = 0.7978845608028654;  // sqrt(2 / pi)
    v = 0.5 * v * (1.0 + tanh(c * (v + 0.044715 * v * v * v)));
  }
  d[m * N + n] = static_cast<float>(v);
  scale[m * N + n] = static_cast<float>(abs_acc);
}

struct CompareResult {
  unsigned int max_err_bits;  // float bits of the largest relative error (non-negative)
  unsigned long long nonfinite;
};

template <typename T>
__global__ void compare_kernel(const T* __restrict__ d, const float* __restrict__ ref,
                               const float* __restrict__ scale, std::int64_t total,
                               CompareResult* out) {
  float local_max = 0.0f;
  unsigned long long local_nonfinite = 0;
  for (std::int64_t i = blockIdx.x * std::int64_t{blockDim.x} + threadIdx.x; i < total;
       i += std::int64_t{gridDim.x} * blockDim.x) {
    const float v = detail::to_float<T>(d[i]);
    if (!isfinite(v)) {
      ++local_nonfinite;
      continue;
    }
    const float err = fabsf(v - ref[i]) / fmaxf(scale[i], FLT_MIN);
    local_max = fmaxf(local_max, err);
  }
  if (local_nonfinite != 0) atomicAdd(&out->nonfinite, local_nonfinite);
  // Non-negative floats order like their bit patterns.
  atomicMax(&out->max_err_bits, __float_as_uint(local_max));
}

template <typename T>
void launch_compare(const void* d, const GemmReference& ref, std::int64_t total, CompareResult* out,
                    cudaStream_t stream) {
  compare_kernel<T><<<grid_for(total), 256, 0, stream>>>(static_cast<const T*>(d), ref.d(),
                                                         ref.scale(), total, out);
  PT_CHECK_LAUNCH("the GEMM output comparison kernel");
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

}  // namespace

GemmProblem gemm_exec_problem(const GemmProblem& problem, Precision p) {
  problem.validate();
  PT_REQUIRE(p != Precision::int8, not_supported,
             "GEMM '" << problem_key(problem) << "': precision int8 has no GEMM path here "
                      << "(fp32, tf32, fp16, bf16)");
  GemmProblem e = problem;
  e.a_dtype = e.b_dtype = e.d_dtype = storage_dtype(p);
  e.compute = DType::fp32;
  return e;
}

float gemm_bias_scale(std::int64_t k) {
  return static_cast<float>(std::clamp<std::int64_t>(k / 8, 1, 1024));
}

GemmWorkload::GemmWorkload(const GemmProblem& problem, Precision precision,
                           const WorkloadOptions& options, cudaStream_t stream)
    : problem_(problem),
      exec_(gemm_exec_problem(problem, precision)),
      precision_(precision),
      storage_(storage_dtype(precision)) {
  (void)activation_code(problem_);  // refuses what the reference cannot compute
  seed_ = options.seed;
  if (seed_ == 0) {
    std::random_device rd;
    seed_ = (std::uint64_t{rd()} << 32) ^ rd() ^ 0x6e3dULL;
  }
  const std::int64_t es = dtype_size(storage_);
  const std::int64_t M = problem_.m, N = problem_.n, K = problem_.k;
  a_bytes_ = checked_mul(checked_mul(M, K, "GEMM A"), es, "GEMM A bytes");
  b_bytes_ = checked_mul(checked_mul(K, N, "GEMM B"), es, "GEMM B bytes");
  bias_bytes_ = problem_.bias ? checked_mul(N, es, "GEMM bias bytes") : 0;
  d_bytes_ = checked_mul(checked_mul(M, N, "GEMM D"), es, "GEMM D bytes");

  std::int64_t off = 0;
  off_a_ = off;
  off += align_up(a_bytes_);
  off_b_ = off;
  off += align_up(b_bytes_);
  off_bias_ = off;
  off += align_up(bias_bytes_);
  off += kGuardBytes;
  off_d_ = off;
  off += align_up(d_bytes_) + kGuardBytes;
  slot_stride_ = off;

  // Slot count (Note [cold L2 by rotation] in conv_workload.h).
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
  const auto fit =
      static_cast<std::int64_t>(options.max_memory_fraction * static_cast<double>(free_bytes)) /
      slot_stride_;
  PT_REQUIRE(fit >= 1, out_of_memory,
             "GEMM '" << problem_key(problem_) << "' precision " << to_string(precision_)
                      << ": one set of tensors needs " << slot_stride_ << " bytes, " << free_bytes
                      << " bytes of device memory are free");
  slots = std::min(slots, fit);
  slots_ = static_cast<int>(slots);
  cold_ = options.cold_l2 && slots_ >= 2 &&
          static_cast<double>(slots_ - 1) * static_cast<double>(slot_stride_) >= span;

  slots_buf_ = DeviceBytes(static_cast<std::size_t>(slot_stride_ * slots_));
  a_ref_ = DeviceBuffer<float>(static_cast<std::size_t>(M * K));
  bt_ref_ = DeviceBuffer<float>(static_cast<std::size_t>(N * K));
  if (problem_.bias) bias_ref_ = DeviceBuffer<float>(static_cast<std::size_t>(N));

  // Slot 0: A stored [M, K] (ref as is) or [K, M] when transa (ref transposed to [M, K]);
  // B stored [K, N] (ref transposed to [N, K]) or [N, K] when transb (ref as is).
  if (problem_.transa) {
    fill_matrix_dispatch(storage_, at(off_a_), a_ref_.data(), K, M, true, 1.0f, seed_, kTensorA,
                         stream);
  } else {
    fill_matrix_dispatch(storage_, at(off_a_), a_ref_.data(), M, K, false, 1.0f, seed_, kTensorA,
                         stream);
  }
  if (problem_.transb) {
    fill_matrix_dispatch(storage_, at(off_b_), bt_ref_.data(), N, K, false, 1.0f, seed_, kTensorB,
                         stream);
  } else {
    fill_matrix_dispatch(storage_, at(off_b_), bt_ref_.data(), K, N, true, 1.0f, seed_, kTensorB,
                         stream);
  }
  if (problem_.bias) {
    fill_matrix_dispatch(storage_, at(off_bias_), bias_ref_.data(), 1, N, false, gemm_bias_scale(K),
                         seed_, kTensorBias, stream);
  }
  PT_CUDA_CHECK(cudaMemsetAsync(at(off_d_), 0, d_bytes_, stream));
  write_guards(at(off_d_ - kGuardBytes), at(off_d_ + d_bytes_), stream);
  for (int s = 1; s < slots_; ++s) {
    const std::int64_t base = s * slot_stride_;
    PT_CUDA_CHECK(
        cudaMemcpyAsync(at(base + off_a_), at(off_a_), a_bytes_, cudaMemcpyDeviceToDevice, stream));
    PT_CUDA_CHECK(
        cudaMemcpyAsync(at(base + off_b_), at(off_b_), b_bytes_, cudaMemcpyDeviceToDevice, stream));
    if (problem_.bias) {
      PT_CUDA_CHECK(cudaMemcpyAsync(at(base + off_bias_), at(off_bias_), bias_bytes_,
                                    cudaMemcpyDeviceToDevice, stream));
    }
  }
  PT_CUDA_CHECK(cudaStreamSynchronize(stream));
}

GemmOperands GemmWorkload::operands(int slot) const {
  PT_REQUIRE(slot >= 0 && slot < slots_, invalid_argument,
             "GEMM workload slot " << slot << " of " << slots_);
  const std::int64_t base = slot * slot_stride_;
  GemmOperands o;
  o.a = at(base + off_a_);
  o.b = at(base + off_b_);
  o.bias = problem_.bias ? at(base + off_bias_) : nullptr;
  o.d = at(base + off_d_);
  return o;
}

void GemmWorkload::poison_output(cudaStream_t stream) {
  PT_CUDA_CHECK(cudaMemsetAsync(at(off_d_), 0xFF, d_bytes_, stream));
  write_guards(at(off_d_ - kGuardBytes), at(off_d_ + d_bytes_), stream);
}

bool GemmWorkload::output_guards_intact(cudaStream_t stream) const {
  return guards_intact(at(off_d_ - kGuardBytes), at(off_d_ + d_bytes_), stream);
}

void* GemmWorkload::workspace(std::int64_t bytes, cudaStream_t stream) {
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

bool GemmWorkload::workspace_guards_intact(cudaStream_t stream) const {
  if (workspace_in_use_ == 0) return true;
  return guards_intact(workspace_.data(), workspace_.data() + kGuardBytes + workspace_in_use_,
                       stream);
}

void reference_gemm(const GemmProblem& p, const float* a, const float* bt, const float* bias,
                    float* d, float* scale, cudaStream_t stream) {
  p.validate();
  const int act = activation_code(p);
  const std::int64_t grid_y = (p.m + kTile - 1) / kTile, grid_x = (p.n + kTile - 1) / kTile;
  PT_REQUIRE(grid_y <= 65535, invalid_argument,
             "reference GEMM '" << problem_key(p) << "': M = " << p.m << " needs " << grid_y
                                << " row blocks, at most 65535");
  const dim3 grid(static_cast<unsigned>(grid_x), static_cast<unsigned>(grid_y));
  reference_gemm_kernel<<<grid, dim3(kTile, kTile), 0, stream>>>(p.m, p.n, p.k, a, bt, bias, act, d,
                                                                 scale);
  PT_CHECK_LAUNCH("the fp64 reference GEMM kernel");
}

GemmReference::GemmReference(const GemmWorkload& workload, cudaStream_t stream) {
  const GemmProblem& p = workload.problem();
  const auto count = static_cast<std::size_t>(p.m * p.n);
  d_ = DeviceBuffer<float>(count);
  scale_ = DeviceBuffer<float>(count);
  reference_gemm(p, workload.a_ref(), workload.bt_ref(), workload.bias_ref(), d_.data(),
                 scale_.data(), stream);
  PT_CUDA_CHECK(cudaStreamSynchronize(stream));
}

Validation check_gemm_output(const GemmWorkload& workload, const GemmReference& ref,
                             double tolerance, cudaStream_t stream) {
  DeviceBuffer<CompareResult> result(1);
  CompareResult init{0u, 0ULL};
  PT_CUDA_CHECK(cudaMemcpyAsync(result.data(), &init, sizeof init, cudaMemcpyHostToDevice, stream));
  const void* d = workload.operands(0).d;
  const std::int64_t total = workload.problem().m * workload.problem().n;
  switch (workload.storage()) {
    case DType::fp32: launch_compare<float>(d, ref, total, result.data(), stream); break;
    case DType::fp16: launch_compare<__half>(d, ref, total, result.data(), stream); break;
    case DType::bf16: launch_compare<__nv_bfloat16>(d, ref, total, result.data(), stream); break;
    default: PT_FAIL(internal, "check_gemm_output: storage " << to_string(workload.storage()));
  }
  CompareResult host{};
  PT_CUDA_CHECK(cudaMemcpyAsync(&host, result.data(), sizeof host, cudaMemcpyDeviceToHost, stream));
  PT_CUDA_CHECK(cudaStreamSynchronize(stream));
  float max_err = 0.0f;
  std::memcpy(&max_err, &host.max_err_bits, sizeof max_err);

  return make_validation(kGemmReferenceName, max_err, tolerance, host.nonfinite == 0,
                         workload.output_guards_intact(stream) &&
                             workload.workspace_guards_intact(stream));
}

}  // namespace plantune::tuner
