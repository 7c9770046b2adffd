#pragma once
// The device arena: one cudaMalloc sized from a plan, and each buffer's offset resolved to a
// device pointer (plan -> commit -> resolve). The only CUDA in planner/, kept out of this
// header: pointers are void*, and a CPU-only consumer never needs to construct one.
#include <cstdint>
#include <vector>

#include "plantune/planner/problem.h"

namespace plantune::planner {

class DeviceArena {
 public:
  // An empty arena (no allocation, bytes() == 0).
  DeviceArena() = default;
  // Allocates plan.arena_bytes on the current device (base aligned to 256 bytes; none when 0).
  // Throws invalid_argument for a negative size or an offset outside the arena,
  // out_of_memory / cuda_error naming the size when the allocation fails.
  explicit DeviceArena(const Plan& plan);
  ~DeviceArena();  // frees; a failure is logged, never thrown
  DeviceArena(DeviceArena&& other) noexcept;
  DeviceArena& operator=(DeviceArena&& other) noexcept;
  DeviceArena(const DeviceArena&) = delete;
  DeviceArena& operator=(const DeviceArena&) = delete;

  void* base() const { return base_; }
  std::int64_t bytes() const { return bytes_; }
  std::size_t buffer_count() const { return offsets_.size(); }
  // Device pointer of buffer `id` (base + its offset); invalid_argument for an unknown id.
  void* pointer(std::int32_t id) const;

 private:
  void release() noexcept;
  void* base_ = nullptr;
  std::int64_t bytes_ = 0;
  std::vector<std::int64_t> offsets_;
};

}  // namespace plantune::planner
