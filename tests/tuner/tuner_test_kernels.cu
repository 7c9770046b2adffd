#include "tuner/tuner_test_kernels.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "plantune/core/cuda_check.h"

namespace plantune::tuner::testing {
namespace {

__global__ void busy_kernel(std::uint64_t ns) {
  std::uint64_t t0, t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t0));
  do {
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  } while (t - t0 < ns);
}

__global__ void stray_write_kernel(unsigned char* p) { *p = 0x3C; }

template <typename T>
__global__ void perturb_kernel(T* data, std::int64_t index, float delta);
template <>
__global__ void perturb_kernel<float>(float* data, std::int64_t index, float delta) {
  data[index] += delta;
}
template <>
__global__ void perturb_kernel<__half>(__half* data, std::int64_t index, float delta) {
  data[index] = __float2half_rn(__half2float(data[index]) + delta);
}
template <>
__global__ void perturb_kernel<__nv_bfloat16>(__nv_bfloat16* data, std::int64_t index,
                                              float delta) {
  data[index] = __float2bfloat16_rn(__bfloat162float(data[index]) + delta);
}

class Perturbing final : public ConvRunner {
 public:
  Perturbing(std::unique_ptr<ConvRunner> inner, DType dtype, std::int64_t index, float delta)
      : inner_(std::move(inner)), dtype_(dtype), index_(index), delta_(delta) {}
  void prepare() override { inner_->prepare(); }
  std::int64_t workspace_bytes() const override { return inner_->workspace_bytes(); }
  void enqueue(const ConvOperands& op, void* ws, cudaStream_t s) override {
    inner_->enqueue(op, ws, s);
    enqueue_perturb(op.y, dtype_, index_, delta_, s);
  }

 private:
  std::unique_ptr<ConvRunner> inner_;
  DType dtype_;
  std::int64_t index_;
  float delta_;
};

class StrayWriting final : public ConvRunner {
 public:
  StrayWriting(std::unique_ptr<ConvRunner> inner, std::int64_t y_bytes, std::int64_t offset)
      : inner_(std::move(inner)), y_bytes_(y_bytes), offset_(offset) {}
  void prepare() override { inner_->prepare(); }
  std::int64_t workspace_bytes() const override { return inner_->workspace_bytes(); }
  void enqueue(const ConvOperands& op, void* ws, cudaStream_t s) override {
    inner_->enqueue(op, ws, s);
    enqueue_stray_write(op.y, y_bytes_ + offset_, s);
  }

 private:
  std::unique_ptr<ConvRunner> inner_;
  std::int64_t y_bytes_, offset_;
};

}  // namespace

void enqueue_busy(cudaStream_t stream, double microseconds) {
  busy_kernel<<<1, 1, 0, stream>>>(static_cast<std::uint64_t>(microseconds * 1000.0));
  PT_CUDA_CHECK(cudaGetLastError());
}

void enqueue_stray_write(void* base, std::int64_t offset, cudaStream_t stream) {
  stray_write_kernel<<<1, 1, 0, stream>>>(static_cast<unsigned char*>(base) + offset);
  PT_CUDA_CHECK(cudaGetLastError());
}

void enqueue_perturb(void* data, DType dtype, std::int64_t index, float delta,
                     cudaStream_t stream) {
  switch (dtype) {
    case DType::fp16:
      perturb_kernel<__half><<<1, 1, 0, stream>>>(static_cast<__half*>(data), index, delta);
      break;
    case DType::bf16:
      perturb_kernel<__nv_bfloat16>
          <<<1, 1, 0, stream>>>(static_cast<__nv_bfloat16*>(data), index, delta);
      break;
    default:
      perturb_kernel<float><<<1, 1, 0, stream>>>(static_cast<float*>(data), index, delta);
      break;
  }
  PT_CUDA_CHECK(cudaGetLastError());
}

std::unique_ptr<ConvRunner> perturbing_runner(std::unique_ptr<ConvRunner> inner, DType dtype,
                                              std::int64_t index, float delta) {
  return std::make_unique<Perturbing>(std::move(inner), dtype, index, delta);
}

std::unique_ptr<ConvRunner> stray_writing_runner(std::unique_ptr<ConvRunner> inner,
                                                 std::int64_t y_bytes, std::int64_t offset) {
  return std::make_unique<StrayWriting>(std::move(inner), y_bytes, offset);
}

}  // namespace plantune::tuner::testing
