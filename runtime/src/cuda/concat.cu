// Concat along channels: each input is a strided copy of `rows` rows of `len` elements into y,
// `pitch` elements apart, starting `offset` elements into y:
//   NCHW   rows = N,         len = C_i * H * W,  pitch = C_y * H * W,  offset = c_i0 * H * W
//   NHWC   rows = N * H * W, len = C_i,          pitch = C_y,          offset = c_i0
// One launch per input; 16-byte vectors when len, pitch, offset and both pointers allow.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include "plantune/core/cuda_check.h"
#include "plantune/core/error.h"
#include "plantune/precision/convert.cuh"
#include "plantune/runtime/kernels.h"

namespace plantune::runtime::kernels {

namespace {

using precision::device::load_vec;
using precision::device::store_vec;

constexpr int kThreads = 256;

// Copies in units of V elements: len, pitch and offset are given in those units.
template <typename T, int V>
__global__ void __launch_bounds__(kThreads) copy_rows_kernel(const T* __restrict__ src,
                                                             T* __restrict__ dst,
                                                             std::int64_t rows, std::int64_t len,
                                                             std::int64_t pitch,
                                                             std::int64_t offset) {
  const std::int64_t total = rows * len;
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       i < total; i += step) {
    const std::int64_t r = i / len, j = i - r * len;
    T v[V];
    load_vec(src + i * V, v);
    store_vec(dst + (r * pitch + offset + j) * V, v);
  }
}

bool aligned16(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 16 == 0; }

unsigned blocks_for(std::int64_t threads) {
  return static_cast<unsigned>(std::clamp<std::int64_t>(
      (threads + kThreads - 1) / kThreads, 1, std::numeric_limits<std::int32_t>::max()));
}

// Copies in 16-byte units when every quantity allows, else element by element. Only the
// element size matters for a copy, so one instantiation per size serves every dtype.
template <typename T>
void copy_rows(const void* src, void* dst, std::int64_t rows, std::int64_t len,
               std::int64_t pitch, std::int64_t offset, cudaStream_t stream) {
  constexpr int kV = static_cast<int>(16 / sizeof(T));
  const T* s = static_cast<const T*>(src);
  T* d = static_cast<T*>(dst);
  if (len % kV == 0 && pitch % kV == 0 && offset % kV == 0 && aligned16(src) && aligned16(dst)) {
    copy_rows_kernel<T, kV><<<blocks_for(rows * (len / kV)), kThreads, 0, stream>>>(
        s, d, rows, len / kV, pitch / kV, offset / kV);
  } else {
    copy_rows_kernel<T, 1><<<blocks_for(rows * len), kThreads, 0, stream>>>(s, d, rows, len,
                                                                             pitch, offset);
  }
}

}  // namespace

void concat(std::span<const TensorRef> inputs, const TensorRef& y, cudaStream_t stream) {
  PT_REQUIRE(!inputs.empty(), invalid_argument, "concat: no inputs");
  validate(y, "concat: y");
  std::int64_t channels = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const TensorRef& x = inputs[i];
    const std::string what = "concat: input " + std::to_string(i);
    validate(x, what);
    PT_REQUIRE(x.dtype == y.dtype && x.layout == y.layout && x.n == y.n && x.h == y.h &&
                   x.w == y.w,
               invalid_argument,
               what << " " << to_string(x) << " must match y " << to_string(y)
                    << " in dtype, layout, N, H and W");
    PT_REQUIRE(!overlap(x, y), invalid_argument, what << " overlaps y");
    channels += x.c;
  }
  PT_REQUIRE(channels == y.c, invalid_argument,
             "concat: the inputs have " << channels << " channels in all but y " << to_string(y)
                                        << " has " << y.c);
  const std::int64_t hw = y.h * y.w;
  const bool nchw = y.layout == Layout::nchw;
  std::int64_t c0 = 0;
  for (const TensorRef& x : inputs) {
    const std::int64_t rows = nchw ? y.n : y.n * hw;
    const std::int64_t len = nchw ? x.c * hw : x.c;
    const std::int64_t pitch = nchw ? y.c * hw : y.c;
    const std::int64_t offset = nchw ? c0 * hw : c0;
    if (dtype_size(y.dtype) == 4) {
      copy_rows<float>(x.data, y.data, rows, len, pitch, offset, stream);
    } else {
      copy_rows<__half>(x.data, y.data, rows, len, pitch, offset, stream);
    }
    PT_CUDA_CHECK_MSG(cudaGetLastError(), "launching concat of " << to_string(x) << " into "
                                                                 << to_string(y));
    c0 += x.c;
  }
}

}  // namespace plantune::runtime::kernels
