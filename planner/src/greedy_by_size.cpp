#include "plantune/planner/greedy_by_size.h"

#include <algorithm>
#include <numeric>

#include "occupancy.h"

namespace plantune::planner {

std::vector<std::int64_t> place_greedy_by_size(const Problem& normalized) {
  const auto& bufs = normalized.buffers;
  std::vector<std::int32_t> order(bufs.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::int32_t x, std::int32_t y) {
    const Buffer& a = bufs[static_cast<std::size_t>(x)];
    const Buffer& b = bufs[static_cast<std::size_t>(y)];
    if (a.size != b.size) return a.size > b.size;
    if (a.first != b.first) return a.first < b.first;
    return x < y;
  });
  // The conflict index replaces TFLite's scan over all placed buffers (same offsets, found
  // without the O(n^2)).
  const detail::SlotMap slots = detail::make_slot_map(normalized);
  detail::OccupancyIndex index(slots.slots);
  return detail::place_in_order(normalized, slots, order, index);
}

}  // namespace plantune::planner
