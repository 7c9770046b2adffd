#pragma once
// DeviceBuffer<T>: `count` elements of T in device memory (cudaMalloc), move-only; and
// DeviceBytes, its untyped form for workspaces and arenas. Contents start uninitialized.
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "plantune/core/cuda_check.h"
#include "plantune/core/error.h"

namespace plantune {

template <typename T>
class DeviceBuffer {
  static_assert(std::is_trivially_copyable_v<T>, "device buffers hold trivially copyable types");

 public:
  // Holds nothing: data() is nullptr and size() is 0.
  DeviceBuffer() noexcept = default;

  // Allocates `count` elements on the current device (nothing for count == 0). Throws
  // Error(overflow) when the byte size does not fit, Error(out_of_memory) when cudaMalloc fails.
  explicit DeviceBuffer(std::size_t count) : size_(count) {
    PT_REQUIRE(count <= std::numeric_limits<std::size_t>::max() / sizeof(T), overflow,
               "device buffer of " << count << " elements of " << sizeof(T)
                                   << " bytes does not fit in 64 bits");
    if (count == 0) return;
    void* p = nullptr;
    PT_CUDA_CHECK_MSG(cudaMalloc(&p, bytes()),
                      "allocating a device buffer of " << bytes() << " bytes");
    data_ = static_cast<T*>(p);
  }
  ~DeviceBuffer() { reset(); }

  DeviceBuffer(DeviceBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept {
    if (this != &other) {
      reset();
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
    }
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  // Device pointer (never dereference on the host); nullptr when empty.
  T* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  std::size_t bytes() const noexcept { return size_ * sizeof(T); }
  bool empty() const noexcept { return size_ == 0; }

  // Copies host.size() <= size() elements to the front of the buffer; returns when the data is
  // in device memory, so work on any stream may read it. (A plain cudaMemcpy from pageable
  // memory may return before its DMA lands, which non-blocking streams do not wait for.)
  void upload(std::span<const T> host) {
    check_fits(host.size(), "upload");
    PT_CUDA_CHECK(cudaMemcpy(data_, host.data(), host.size_bytes(), cudaMemcpyHostToDevice));
    PT_CUDA_CHECK(cudaStreamSynchronize(cudaStreamLegacy));
  }
  // Copies the first host.size() <= size() elements to `host`; returns when done.
  void download(std::span<T> host) const {
    check_fits(host.size(), "download");
    PT_CUDA_CHECK(cudaMemcpy(host.data(), data_, host.size_bytes(), cudaMemcpyDeviceToHost));
  }
  // Stream-ordered forms: `host` must stay alive (and, to overlap, be pinned) until the
  // stream reaches the copy.
  void upload_async(std::span<const T> host, cudaStream_t stream) {
    check_fits(host.size(), "upload_async");
    PT_CUDA_CHECK(
        cudaMemcpyAsync(data_, host.data(), host.size_bytes(), cudaMemcpyHostToDevice, stream));
  }
  void download_async(std::span<T> host, cudaStream_t stream) const {
    check_fits(host.size(), "download_async");
    PT_CUDA_CHECK(
        cudaMemcpyAsync(host.data(), data_, host.size_bytes(), cudaMemcpyDeviceToHost, stream));
  }
  // The whole buffer, copied to a new host vector.
  std::vector<T> to_host() const {
    std::vector<T> out(size_);
    download(out);
    return out;
  }
  // Sets every byte to `byte` (0 gives zeros for all arithmetic types); returns when done.
  void fill_bytes(int byte = 0) {
    if (size_ == 0) return;
    PT_CUDA_CHECK(cudaMemset(data_, byte, bytes()));
    PT_CUDA_CHECK(cudaStreamSynchronize(cudaStreamLegacy));
  }
  void fill_bytes_async(cudaStream_t stream, int byte = 0) {
    if (size_ != 0) PT_CUDA_CHECK(cudaMemsetAsync(data_, byte, bytes(), stream));
  }

 private:
  void check_fits(std::size_t n, const char* what) const {
    PT_REQUIRE(n <= size_, invalid_argument,
               what << " of " << n << " elements into a device buffer of " << size_ << " elements");
  }
  void reset() noexcept {
    if (data_ != nullptr) PT_CUDA_LOG(cudaFree(data_));
    data_ = nullptr;
    size_ = 0;
  }
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

// Untyped device memory: workspaces, arenas.
using DeviceBytes = DeviceBuffer<std::byte>;

}  // namespace plantune
