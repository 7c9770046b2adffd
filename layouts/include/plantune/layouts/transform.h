#pragma once
// Layout transforms on the GPU, with an optional fused dtype cast: NCHW <-> NHWC, channel
// padding and unpadding (nhwc_c8/_c32), space-to-depth 2x2 fold and unfold, for fp32, fp16,
// bf16 and int8 elements in any combination (e.g. fp32 nchw -> fp16 nhwc_c8 in one pass).
// Results equal, bit for bit (NaN payloads aside), layouts::transform_host followed by
// precision::cast_host.
#include <cuda_runtime_api.h>

#include "plantune/layouts/transform_desc.h"

namespace plantune::layouts {

struct TransformOptions {
  float src_scale = 1.0f;  // an int8 source is read as q * src_scale
  float dst_scale = 1.0f;  // an int8 destination gets rne(x / dst_scale), saturated
};

// Transforms src (stored as desc.src_layout/src_dtype) into dst (desc.dst_layout/dst_dtype) on
// `stream`. Padded channels and fold fill in dst are written as zeros; padded channels in src
// are ignored. src and dst are device pointers to stored_bytes() each and must not overlap;
// 16-byte alignment (cudaMalloc gives 256) enables the vector paths. Throws invalid_argument
// for an invalid desc or scale, overflow for sizes beyond 32-bit tile counts, cuda_error when
// the launch fails.
void transform(const TransformDesc& desc, const void* src, void* dst, cudaStream_t stream,
               const TransformOptions& options = {});

}  // namespace plantune::layouts
