#pragma once
// What a layout/precision transform does, independent of how it runs: the key of a transform's
// cost in the tactic database, and the argument of the GPU transform (transform.h).
#include <cstdint>
#include <string>

#include "plantune/core/dtype.h"
#include "plantune/layouts/layout.h"

namespace plantune::layouts {

struct TransformDesc {
  Dims4 dims;  // logical (N, C, H, W)
  TensorLayout src_layout = kNCHW;
  DType src_dtype = DType::fp32;
  TensorLayout dst_layout = kNHWC;
  DType dst_dtype = DType::fp32;
  bool operator==(const TransformDesc&) const = default;
};

// "[32, 3, 224, 224] nchw fp32 -> nhwc_c8 fp16".
std::string to_string(const TransformDesc& d);
// Throws invalid_argument naming the problem unless dims >= 1, both layouts are supported and
// both dtypes are fp32, fp16, bf16 or int8.
void validate(const TransformDesc& d);
// Bytes a transform must read and write at least: the stored source plus the stored
// destination (padding included). Throws overflow.
std::int64_t bytes_moved(const TransformDesc& d);

}  // namespace plantune::layouts
