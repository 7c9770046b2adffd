#include "plantune/layouts/layout.h"

#include "plantune/core/error.h"

namespace plantune::layouts {

std::string to_string(const Dims4& d) {
  std::string s = "[";
  s += std::to_string(d.n);
  for (std::int64_t v : {d.c, d.h, d.w}) {
    s += ", ";
    s += std::to_string(v);
  }
  s += "]";
  return s;
}

Dims4 dims4_from_shape(const TensorShape& s) {
  PT_REQUIRE(s.rank() == 4, invalid_argument,
             "layouts need a rank-4 shape (N, C, H, W), got " << to_string(s));
  return {s.dims[0], s.dims[1], s.dims[2], s.dims[3]};
}

void validate_dims(const Dims4& d, std::string_view what) {
  PT_REQUIRE(d.n >= 1 && d.c >= 1 && d.h >= 1 && d.w >= 1, invalid_argument,
             what << ": every dim must be >= 1, got " << to_string(d));
}

std::string to_string(TensorLayout l) {
  std::string s(plantune::to_string(l.order));
  if (l.fold != 1) s += "_s2d" + std::to_string(l.fold);
  if (l.channel_align != 1) s += "_c" + std::to_string(l.channel_align);
  return s;
}

std::optional<TensorLayout> tensor_layout_from_string(std::string_view s) {
  for (TensorLayout l : kAllLayouts) {
    if (to_string(l) == s) return l;
  }
  return std::nullopt;
}

bool is_supported(TensorLayout l) {
  for (TensorLayout k : kAllLayouts) {
    if (k == l) return true;
  }
  return false;
}

void validate_layout(TensorLayout l, std::string_view what) {
  PT_REQUIRE(is_supported(l), invalid_argument,
             what << ": unsupported layout (order " << plantune::to_string(l.order)
                  << ", channel_align " << l.channel_align << ", fold " << l.fold
                  << "); padding (8, 32) and folding (2) exist for nhwc only");
}

std::int64_t round_up(std::int64_t a, std::int64_t b) {
  PT_REQUIRE(a >= 0 && b >= 1, invalid_argument, "round_up(" << a << ", " << b << ")");
  return checked_mul((a + b - 1) / b, b, "rounded-up size");
}

std::int64_t stored_channels(const Dims4& d, TensorLayout l) {
  if (l.order == Layout::nchw) return d.c;
  return round_up(checked_mul(d.c, l.fold * l.fold, "folded channels"), l.channel_align);
}

std::array<std::int64_t, 4> stored_dims(const Dims4& d, TensorLayout l) {
  validate_layout(l, "stored_dims");
  if (l.order == Layout::nchw) return {d.n, d.c, d.h, d.w};
  return {d.n, (d.h + l.fold - 1) / l.fold, (d.w + l.fold - 1) / l.fold, stored_channels(d, l)};
}

std::int64_t stored_numel(const Dims4& d, TensorLayout l) {
  const auto s = stored_dims(d, l);
  std::int64_t n = 1;
  for (auto v : s) n = checked_mul(n, v, "stored element count of " + to_string(d));
  return n;
}

std::int64_t stored_bytes(const Dims4& d, TensorLayout l, DType t) {
  return checked_mul(stored_numel(d, l), dtype_size(t), "stored bytes of " + to_string(d));
}

std::int64_t element_offset(const Dims4& d, TensorLayout l, std::int64_t n, std::int64_t c,
                            std::int64_t h, std::int64_t w) {
  if (l.order == Layout::nchw) return ((n * d.c + c) * d.h + h) * d.w + w;
  const std::int64_t f = l.fold;
  const std::int64_t hs = (d.h + f - 1) / f, ws = (d.w + f - 1) / f;
  const std::int64_t cs = stored_channels(d, l);
  const std::int64_t block = (h % f) * f + (w % f);
  return ((n * hs + h / f) * ws + w / f) * cs + block * d.c + c;
}

Dims4 folded_dims(const Dims4& d) {
  return {d.n, checked_mul(d.c, 4, "folded channels"), (d.h + 1) / 2, (d.w + 1) / 2};
}

}  // namespace plantune::layouts
