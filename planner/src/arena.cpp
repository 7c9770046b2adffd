// The one CUDA source of planner/: it uses the CUDA runtime only (no cuDNN/cuBLAS), so it checks
// statuses itself instead of linking plantune::core_cuda.
#include "plantune/planner/arena.h"

#include <cuda_runtime_api.h>

#include <cstdint>
#include <string>
#include <utility>

#include "plantune/core/error.h"

namespace plantune::planner {

namespace {

std::string describe(cudaError_t status) {
  return std::string(cudaGetErrorName(status)) + " (" + cudaGetErrorString(status) + ")";
}

}  // namespace

DeviceArena::DeviceArena(const Plan& plan) : bytes_(plan.arena_bytes), offsets_(plan.offsets) {
  PT_REQUIRE(plan.arena_bytes >= 0, invalid_argument,
             "arena: plan has a negative arena size " << plan.arena_bytes);
  for (std::size_t i = 0; i < offsets_.size(); ++i) {
    PT_REQUIRE(offsets_[i] >= 0 && offsets_[i] <= bytes_, invalid_argument,
               "arena: buffer " << i << " has offset " << offsets_[i] << " outside the arena of "
                                << bytes_ << " bytes");
  }
  if (bytes_ == 0) return;
  cudaError_t status = cudaMalloc(&base_, static_cast<std::size_t>(bytes_));
  if (status != cudaSuccess) {
    cudaGetLastError();  // a failed allocation is not sticky: clear it for later calls
    base_ = nullptr;
    if (status == cudaErrorMemoryAllocation) {
      PT_FAIL(out_of_memory, "arena: cudaMalloc of " << bytes_ << " bytes failed: "
                                                     << describe(status));
    }
    PT_FAIL(cuda_error, "arena: cudaMalloc of " << bytes_ << " bytes failed: " << describe(status));
  }
  PT_REQUIRE(reinterpret_cast<std::uintptr_t>(base_) % 256 == 0, internal,
             "arena: cudaMalloc returned " << base_ << ", not 256-byte aligned");
}

DeviceArena::~DeviceArena() { release(); }

DeviceArena::DeviceArena(DeviceArena&& other) noexcept
    : base_(std::exchange(other.base_, nullptr)),
      bytes_(std::exchange(other.bytes_, 0)),
      offsets_(std::move(other.offsets_)) {
  other.offsets_.clear();
}

DeviceArena& DeviceArena::operator=(DeviceArena&& other) noexcept {
  if (this != &other) {
    release();
    base_ = std::exchange(other.base_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
    offsets_ = std::move(other.offsets_);
    other.offsets_.clear();
  }
  return *this;
}

void* DeviceArena::pointer(std::int32_t id) const {
  PT_REQUIRE(id >= 0 && static_cast<std::size_t>(id) < offsets_.size(), invalid_argument,
             "arena: no buffer " << id << " (the plan has " << offsets_.size() << ")");
  if (base_ == nullptr) return nullptr;
  return static_cast<char*>(base_) + offsets_[static_cast<std::size_t>(id)];
}

void DeviceArena::release() noexcept {
  if (base_ == nullptr) return;
  cudaError_t status = cudaFree(base_);
  if (status != cudaSuccess) {
    detail::log_error("arena: cudaFree of " + std::to_string(bytes_) + " bytes failed: " +
                          describe(status),
                      "cudaFree(base_)", __FILE__, __LINE__);
  }
  base_ = nullptr;
}

}  // namespace plantune::planner
