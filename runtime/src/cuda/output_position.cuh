#pragma once
// The 4-D output position a grid-stride thread handles in the pooling and upsampling kernels:
// work item i covers V consecutive channels of one NHWC position, or one NCHW element (V = 1).
#include <cstdint>

namespace plantune::runtime::kernels {

struct OutputPosition {
  std::int64_t n, c, oh, ow;
};

template <int V, bool kNhwc>
__device__ inline OutputPosition output_position(std::int64_t i, std::int64_t c, std::int64_t ho,
                                                 std::int64_t wo) {
  OutputPosition p;
  if constexpr (kNhwc) {
    const std::int64_t cv = c / V;
    p.c = (i % cv) * V;
    std::int64_t r = i / cv;
    p.ow = r % wo;
    r /= wo;
    p.oh = r % ho;
    p.n = r / ho;
  } else {
    p.ow = i % wo;
    std::int64_t r = i / wo;
    p.oh = r % ho;
    r /= ho;
    p.c = r % c;
    p.n = r / c;
  }
  return p;
}

}  // namespace plantune::runtime::kernels
