#pragma once
// plantune::DType <-> cudnnDataType_t.
#include <cudnn_graph.h>

#include <optional>

#include "plantune/core/dtype.h"

namespace plantune {

// The cuDNN storage type of `t`; tf32 is stored as CUDNN_DATA_FLOAT (TF32 is a math mode).
inline cudnnDataType_t to_cudnn(DType t) {
  switch (t) {
    case DType::fp32:
      return CUDNN_DATA_FLOAT;
    case DType::tf32:
      return CUDNN_DATA_FLOAT;
    case DType::fp16:
      return CUDNN_DATA_HALF;
    case DType::bf16:
      return CUDNN_DATA_BFLOAT16;
    case DType::int8:
      return CUDNN_DATA_INT8;
    case DType::int32:
      return CUDNN_DATA_INT32;
  }
  return CUDNN_DATA_FLOAT;
}

// The DType stored as `t`; CUDNN_DATA_FLOAT gives fp32; nullopt for types plantune lacks.
inline std::optional<DType> dtype_from_cudnn(cudnnDataType_t t) {
  switch (t) {
    case CUDNN_DATA_FLOAT:
      return DType::fp32;
    case CUDNN_DATA_HALF:
      return DType::fp16;
    case CUDNN_DATA_BFLOAT16:
      return DType::bf16;
    case CUDNN_DATA_INT8:
      return DType::int8;
    case CUDNN_DATA_INT32:
      return DType::int32;
    default:
      return std::nullopt;
  }
}

}  // namespace plantune
