#include "plantune/core/shape.h"

#include <limits>

#include "plantune/core/error.h"

namespace plantune {

std::string_view to_string(Layout l) {
  switch (l) {
    case Layout::nchw: return "nchw";
    case Layout::nhwc: return "nhwc";
  }
  return "unknown";
}

std::optional<Layout> layout_from_string(std::string_view s) {
  if (s == "nchw") return Layout::nchw;
  if (s == "nhwc") return Layout::nhwc;
  return std::nullopt;
}

std::int64_t checked_mul(std::int64_t a, std::int64_t b, std::string_view what) {
  std::int64_t r = 0;
  PT_REQUIRE(!__builtin_mul_overflow(a, b, &r), overflow,
             what << " overflows 64 bits: " << a << " * " << b);
  return r;
}

std::int64_t checked_add(std::int64_t a, std::int64_t b, std::string_view what) {
  std::int64_t r = 0;
  PT_REQUIRE(!__builtin_add_overflow(a, b, &r), overflow,
             what << " overflows 64 bits: " << a << " + " << b);
  return r;
}

std::int64_t TensorShape::numel() const {
  std::int64_t n = 1;
  for (auto d : dims) n = checked_mul(n, d, "element count of " + to_string(*this));
  return n;
}

std::int64_t TensorShape::bytes(DType t) const {
  return checked_mul(numel(), dtype_size(t), "byte count of " + to_string(*this));
}

std::vector<std::int64_t> TensorShape::strides() const {
  std::vector<std::int64_t> s(dims.size(), 1);
  if (layout == Layout::nhwc && dims.size() == 4) {
    // memory order N, H, W, C
    s[1] = 1;
    s[3] = dims[1];
    s[2] = dims[1] * dims[3];
    s[0] = dims[1] * dims[3] * dims[2];
    return s;
  }
  for (int i = rank() - 2; i >= 0; --i) s[i] = s[i + 1] * dims[i + 1];
  return s;
}

bool TensorShape::valid() const {
  for (auto d : dims) {
    if (d <= 0) return false;
  }
  return true;
}

std::string to_string(const TensorShape& s) {
  std::string r = "[";
  for (std::size_t i = 0; i < s.dims.size(); ++i) {
    if (i) r += ", ";
    r += std::to_string(s.dims[i]);
  }
  r += "]";
  if (s.layout != Layout::nchw) {
    r += " ";
    r += to_string(s.layout);
  }
  return r;
}

}  // namespace plantune
