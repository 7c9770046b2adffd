#pragma once
// HostBuffer<T>: `count` elements of T in pinned (page-locked) host memory, move-only, so that
// cudaMemcpyAsync from/to it overlaps with kernels. Contents start uninitialized.
#include <cuda_runtime_api.h>

#include <cstddef>
#include <limits>
#include <span>
#include <type_traits>
#include <utility>

#include "plantune/core/cuda_check.h"
#include "plantune/core/error.h"

namespace plantune {

template <typename T>
class HostBuffer {
  static_assert(std::is_trivially_copyable_v<T>, "pinned buffers hold trivially copyable types");

 public:
  HostBuffer() noexcept = default;

  // Allocates `count` pinned elements (nothing for count == 0); `flags` as for cudaHostAlloc.
  explicit HostBuffer(std::size_t count, unsigned flags = cudaHostAllocDefault) : size_(count) {
    PT_REQUIRE(count <= std::numeric_limits<std::size_t>::max() / sizeof(T), overflow,
               "pinned buffer of " << count << " elements of " << sizeof(T)
                                   << " bytes does not fit in 64 bits");
    if (count == 0) return;
    void* p = nullptr;
    PT_CUDA_CHECK_MSG(cudaHostAlloc(&p, count * sizeof(T), flags),
                      "allocating " << count * sizeof(T) << " bytes of pinned host memory");
    data_ = static_cast<T*>(p);
  }
  ~HostBuffer() { reset(); }

  HostBuffer(HostBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
  HostBuffer& operator=(HostBuffer&& other) noexcept {
    if (this != &other) {
      reset();
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
    }
    return *this;
  }
  HostBuffer(const HostBuffer&) = delete;
  HostBuffer& operator=(const HostBuffer&) = delete;

  T* data() noexcept { return data_; }
  const T* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  std::size_t bytes() const noexcept { return size_ * sizeof(T); }
  bool empty() const noexcept { return size_ == 0; }
  std::span<T> span() noexcept { return {data_, size_}; }
  std::span<const T> span() const noexcept { return {data_, size_}; }
  T& operator[](std::size_t i) noexcept { return data_[i]; }
  const T& operator[](std::size_t i) const noexcept { return data_[i]; }

 private:
  void reset() noexcept {
    if (data_ != nullptr) PT_CUDA_LOG(cudaFreeHost(data_));
    data_ = nullptr;
    size_ = 0;
  }
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace plantune
