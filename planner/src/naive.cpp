#include "plantune/planner/naive.h"

#include <algorithm>

namespace plantune::planner {

std::vector<std::int64_t> place_naive(const Problem& normalized) {
  std::vector<std::int64_t> offsets(normalized.buffers.size(), 0);
  std::int64_t top = 0;
  for (const Buffer& b : normalized.buffers) {
    if (b.fixed_offset) top = std::max(top, *b.fixed_offset + b.size);
  }
  for (const Buffer& b : normalized.buffers) {
    auto& off = offsets[static_cast<std::size_t>(b.id)];
    if (b.fixed_offset) {
      off = *b.fixed_offset;
    } else if (b.size > 0) {
      off = (top + b.alignment - 1) / b.alignment * b.alignment;
      top = off + b.size;
    }
  }
  return offsets;
}

}  // namespace plantune::planner
