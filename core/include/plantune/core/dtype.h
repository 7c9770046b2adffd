#pragma once
// Element types. `tf32` is a compute mode over fp32 storage (4 bytes), named so that a tactic's
// precision can say "fp32 tensors, TF32 Tensor Core math".
#include <cstdint>
#include <optional>
#include <string_view>

namespace plantune {

enum class DType { fp32, tf32, fp16, bf16, int8, int32 };

inline constexpr DType kAllDTypes[] = {DType::fp32, DType::tf32, DType::fp16,
                                       DType::bf16, DType::int8, DType::int32};

std::string_view to_string(DType t);
// Accepts the names to_string returns; nullopt for anything else.
std::optional<DType> dtype_from_string(std::string_view s);
// Bytes per stored element (tf32 is stored as fp32).
std::int64_t dtype_size(DType t);

}  // namespace plantune
