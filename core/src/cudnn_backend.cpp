#include "plantune/core/cudnn_backend.h"

#include <utility>

#include "plantune/core/cuda_check.h"
#include "plantune/core/cudnn_backend_names.h"
#include "plantune/core/error.h"

namespace plantune {

BackendDescriptor::BackendDescriptor(cudnnBackendDescriptorType_t type) : type_(type) {
  PT_CUDNN_CHECK_MSG(cudnnBackendCreateDescriptor(type, &desc_), "creating a " << to_string(type));
}

BackendDescriptor::~BackendDescriptor() { reset(); }

BackendDescriptor::BackendDescriptor(BackendDescriptor&& other) noexcept
    : desc_(std::exchange(other.desc_, nullptr)),
      type_(other.type_),
      finalized_(std::exchange(other.finalized_, false)),
      finalize_status_(other.finalize_status_),
      finalize_message_(std::move(other.finalize_message_)) {}

BackendDescriptor& BackendDescriptor::operator=(BackendDescriptor&& other) noexcept {
  if (this != &other) {
    reset();
    desc_ = std::exchange(other.desc_, nullptr);
    type_ = other.type_;
    finalized_ = std::exchange(other.finalized_, false);
    finalize_status_ = other.finalize_status_;
    finalize_message_ = std::move(other.finalize_message_);
  }
  return *this;
}

void BackendDescriptor::reset() noexcept {
  if (desc_ != nullptr) PT_CUDNN_LOG(cudnnBackendDestroyDescriptor(desc_));
  desc_ = nullptr;
  finalized_ = false;
}

BackendDescriptor& BackendDescriptor::set(cudnnBackendAttributeName_t name,
                                          cudnnBackendAttributeType_t type, std::int64_t count,
                                          const void* elements) {
  PT_REQUIRE(desc_ != nullptr, invalid_argument,
             "setting " << to_string(name) << " on an empty backend descriptor");
  PT_CUDNN_CHECK_MSG(
      cudnnBackendSetAttribute(desc_, name, type, count, elements),
      "setting " << to_string(name) << " (" << count << " element(s)) on a " << to_string(type_));
  return *this;
}

BackendDescriptor& BackendDescriptor::set_int64(cudnnBackendAttributeName_t name,
                                                std::int64_t value) {
  return set(name, CUDNN_TYPE_INT64, 1, &value);
}

BackendDescriptor& BackendDescriptor::set_int64s(cudnnBackendAttributeName_t name,
                                                 std::span<const std::int64_t> values) {
  return set(name, CUDNN_TYPE_INT64, static_cast<std::int64_t>(values.size()), values.data());
}

BackendDescriptor& BackendDescriptor::set_double(cudnnBackendAttributeName_t name, double value) {
  return set(name, CUDNN_TYPE_DOUBLE, 1, &value);
}

BackendDescriptor& BackendDescriptor::set_float(cudnnBackendAttributeName_t name, float value) {
  return set(name, CUDNN_TYPE_FLOAT, 1, &value);
}

BackendDescriptor& BackendDescriptor::set_bool(cudnnBackendAttributeName_t name, bool value) {
  return set(name, CUDNN_TYPE_BOOLEAN, 1, &value);
}

BackendDescriptor& BackendDescriptor::set_data_type(cudnnBackendAttributeName_t name,
                                                    cudnnDataType_t value) {
  return set(name, CUDNN_TYPE_DATA_TYPE, 1, &value);
}

BackendDescriptor& BackendDescriptor::set_handle(cudnnBackendAttributeName_t name,
                                                 cudnnHandle_t handle) {
  return set(name, CUDNN_TYPE_HANDLE, 1, &handle);
}

BackendDescriptor& BackendDescriptor::set_void_ptr(cudnnBackendAttributeName_t name,
                                                   void* pointer) {
  return set(name, CUDNN_TYPE_VOID_PTR, 1, &pointer);
}

BackendDescriptor& BackendDescriptor::set_void_ptrs(cudnnBackendAttributeName_t name,
                                                    std::span<void* const> pointers) {
  return set(name, CUDNN_TYPE_VOID_PTR, static_cast<std::int64_t>(pointers.size()),
             pointers.data());
}

BackendDescriptor& BackendDescriptor::set_descriptor(cudnnBackendAttributeName_t name,
                                                     const BackendDescriptor& value) {
  PT_REQUIRE(value.get() != nullptr, invalid_argument,
             "setting " << to_string(name) << " on a " << to_string(type_)
                        << " to an empty backend descriptor");
  cudnnBackendDescriptor_t raw = value.get();
  return set(name, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &raw);
}

BackendDescriptor& BackendDescriptor::set_descriptors(cudnnBackendAttributeName_t name,
                                                      std::span<const BackendDescriptor> values) {
  std::vector<cudnnBackendDescriptor_t> raw;
  raw.reserve(values.size());
  for (const BackendDescriptor& v : values) {
    PT_REQUIRE(v.get() != nullptr, invalid_argument,
               "setting " << to_string(name) << " on a " << to_string(type_) << ": element "
                          << raw.size() << " is an empty backend descriptor");
    raw.push_back(v.get());
  }
  return set(name, CUDNN_TYPE_BACKEND_DESCRIPTOR, static_cast<std::int64_t>(raw.size()),
             raw.data());
}

void BackendDescriptor::finalize() {
  PT_REQUIRE(desc_ != nullptr, invalid_argument, "finalizing an empty backend descriptor");
  PT_CUDNN_CHECK_MSG(cudnnBackendFinalize(desc_), "finalizing a " << to_string(type_));
  finalized_ = true;
  finalize_status_ = CUDNN_STATUS_SUCCESS;
  finalize_message_.clear();
}

cudnnStatus_t BackendDescriptor::try_finalize() noexcept {
  if (desc_ == nullptr) {
    finalize_status_ = CUDNN_STATUS_BAD_PARAM_NULL_POINTER;
    return finalize_status_;
  }
  finalize_status_ = cudnnBackendFinalize(desc_);
  finalized_ = finalize_status_ == CUDNN_STATUS_SUCCESS;
  try {
    // Read (and so clear) cuDNN's message now, so that a later failure is not reported with it.
    finalize_message_ = finalized_ ? std::string() : cudnn_last_error_message();
  } catch (...) {
    finalize_message_.clear();
  }
  return finalize_status_;
}

std::int64_t BackendDescriptor::get(cudnnBackendAttributeName_t name,
                                    cudnnBackendAttributeType_t type, std::int64_t capacity,
                                    void* elements) const {
  PT_REQUIRE(desc_ != nullptr, invalid_argument,
             "getting " << to_string(name) << " from an empty backend descriptor");
  std::int64_t count = 0;
  PT_CUDNN_CHECK_MSG(cudnnBackendGetAttribute(desc_, name, type, capacity, &count, elements),
                     "getting " << to_string(name) << " from a " << to_string(type_));
  return count;
}

std::int64_t BackendDescriptor::get_int64(cudnnBackendAttributeName_t name) const {
  std::int64_t value = 0;
  get(name, CUDNN_TYPE_INT64, 1, &value);
  return value;
}

std::vector<std::int64_t> BackendDescriptor::get_int64s(cudnnBackendAttributeName_t name,
                                                        std::int64_t capacity) const {
  return get_enums<std::int64_t>(name, CUDNN_TYPE_INT64, capacity);
}

std::vector<BackendDescriptor> BackendDescriptor::get_descriptors(
    cudnnBackendAttributeName_t name, cudnnBackendDescriptorType_t element_type,
    std::int64_t capacity) const {
  PT_REQUIRE(capacity >= 0, invalid_argument,
             "negative capacity " << capacity << " for " << to_string(name));
  std::vector<BackendDescriptor> owned;
  owned.reserve(static_cast<std::size_t>(capacity));
  std::vector<cudnnBackendDescriptor_t> raw;
  raw.reserve(static_cast<std::size_t>(capacity));
  for (std::int64_t i = 0; i < capacity; ++i) {
    owned.emplace_back(element_type);
    raw.push_back(owned.back().get());
  }
  if (capacity == 0) return owned;
  const std::int64_t n = get(name, CUDNN_TYPE_BACKEND_DESCRIPTOR, capacity, raw.data());
  owned.resize(static_cast<std::size_t>(n < capacity ? n : capacity));
  for (BackendDescriptor& d : owned) d.finalized_ = true;
  return owned;
}

BackendDescriptor BackendDescriptor::get_descriptor(
    cudnnBackendAttributeName_t name, cudnnBackendDescriptorType_t element_type) const {
  std::vector<BackendDescriptor> one = get_descriptors(name, element_type, 1);
  PT_REQUIRE(!one.empty(), internal,
             to_string(name) << " of a " << to_string(type_) << " holds no descriptor");
  return std::move(one.front());
}

std::int64_t BackendDescriptor::element_count(cudnnBackendAttributeName_t name,
                                              cudnnBackendAttributeType_t type) const {
  return get(name, type, 0, nullptr);
}

}  // namespace plantune
