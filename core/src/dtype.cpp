#include "plantune/core/dtype.h"

namespace plantune {

std::string_view to_string(DType t) {
  switch (t) {
    case DType::fp32: return "fp32";
    case DType::tf32: return "tf32";
    case DType::fp16: return "fp16";
    case DType::bf16: return "bf16";
    case DType::int8: return "int8";
    case DType::int32: return "int32";
  }
  return "unknown";
}

std::optional<DType> dtype_from_string(std::string_view s) {
  for (DType t : kAllDTypes) {
    if (to_string(t) == s) return t;
  }
  return std::nullopt;
}

std::int64_t dtype_size(DType t) {
  switch (t) {
    case DType::fp32:
    case DType::tf32:
    case DType::int32: return 4;
    case DType::fp16:
    case DType::bf16: return 2;
    case DType::int8: return 1;
  }
  return 0;
}

}  // namespace plantune
