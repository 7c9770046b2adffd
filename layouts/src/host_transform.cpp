#include "plantune/layouts/host_transform.h"

#include <cstring>

namespace plantune::layouts {

void transform_host(const void* src, TensorLayout src_layout, void* dst, TensorLayout dst_layout,
                    const Dims4& dims, std::size_t elem_size) {
  validate_dims(dims, "transform_host");
  validate_layout(src_layout, "transform_host source");
  validate_layout(dst_layout, "transform_host destination");
  PT_REQUIRE(elem_size >= 1, invalid_argument, "transform_host: element size 0");
  const auto* s = static_cast<const unsigned char*>(src);
  auto* d = static_cast<unsigned char*>(dst);
  const auto dst_bytes = static_cast<std::size_t>(
      checked_mul(stored_numel(dims, dst_layout), static_cast<std::int64_t>(elem_size)));
  std::memset(d, 0, dst_bytes);
  for (std::int64_t n = 0; n < dims.n; ++n) {
    for (std::int64_t c = 0; c < dims.c; ++c) {
      for (std::int64_t h = 0; h < dims.h; ++h) {
        for (std::int64_t w = 0; w < dims.w; ++w) {
          const auto so = static_cast<std::size_t>(element_offset(dims, src_layout, n, c, h, w));
          const auto o = static_cast<std::size_t>(element_offset(dims, dst_layout, n, c, h, w));
          std::memcpy(d + o * elem_size, s + so * elem_size, elem_size);
        }
      }
    }
  }
}

}  // namespace plantune::layouts
