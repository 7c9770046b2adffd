#pragma once
// Tensor shapes. Dimensions are always given in logical order (N, C, H, W for 4-D tensors);
// the layout says how they are laid out in memory, and strides() derives the element strides.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plantune/core/dtype.h"

namespace plantune {

enum class Layout { nchw, nhwc };

std::string_view to_string(Layout l);
std::optional<Layout> layout_from_string(std::string_view s);

// a * b, throwing ErrorCode::overflow (naming `what`) when the product leaves int64.
std::int64_t checked_mul(std::int64_t a, std::int64_t b, std::string_view what = "size");
std::int64_t checked_add(std::int64_t a, std::int64_t b, std::string_view what = "size");

struct TensorShape {
  std::vector<std::int64_t> dims;  // logical order
  Layout layout = Layout::nchw;    // nhwc applies to rank-4 shapes only

  int rank() const { return static_cast<int>(dims.size()); }
  // Product of dims; throws overflow. A rank-0 shape has one element.
  std::int64_t numel() const;
  // numel * dtype_size, checked for overflow.
  std::int64_t bytes(DType t) const;
  // Element strides in logical dim order for this layout (densely packed).
  std::vector<std::int64_t> strides() const;
  // True when every dim is > 0.
  bool valid() const;

  bool operator==(const TensorShape&) const = default;
};

// "[32, 64, 56, 56]" (layout appended when not nchw: "[1, 3, 8, 8] nhwc").
std::string to_string(const TensorShape& s);

}  // namespace plantune
