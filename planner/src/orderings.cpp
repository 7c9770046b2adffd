#include "orderings.h"

#include <algorithm>
#include <numeric>
#include <tuple>

namespace plantune::planner::detail {

std::string_view to_string(Ordering o) {
  switch (o) {
    case Ordering::peak_end: return "peak_end";
    case Ordering::peak_start: return "peak_start";
    case Ordering::peak_size: return "peak_size";
    case Ordering::size: return "size";
    case Ordering::length: return "length";
    case Ordering::area: return "area";
    case Ordering::conflicts: return "conflicts";
  }
  return "unknown";
}

PeakInfo peak_info(const Problem& problem, const SlotMap& slots) {
  const std::size_t n = problem.buffers.size();
  const auto s = static_cast<std::size_t>(slots.slots);
  // Live bytes per slot, then a max segment tree (value, first slot) for range queries.
  std::vector<std::int64_t> live(s + 1, 0);
  for (const Buffer& b : problem.buffers) {
    if (b.size == 0) continue;
    live[static_cast<std::size_t>(slots.begin[static_cast<std::size_t>(b.id)])] += b.size;
    live[static_cast<std::size_t>(slots.end[static_cast<std::size_t>(b.id)])] -= b.size;
  }
  for (std::size_t i = 1; i <= s; ++i) live[i] += live[i - 1];
  std::size_t leaves = 1;
  while (leaves < std::max<std::size_t>(s, 1)) leaves *= 2;
  using Node = std::pair<std::int64_t, std::int32_t>;  // (live, -slot): max picks the first slot
  std::vector<Node> tree(2 * leaves, Node{-1, 0});
  for (std::size_t i = 0; i < s; ++i) tree[leaves + i] = {live[i], -static_cast<std::int32_t>(i)};
  for (std::size_t i = leaves - 1; i >= 1; --i) tree[i] = std::max(tree[2 * i], tree[2 * i + 1]);
  PeakInfo info;
  info.max_live.assign(n, 0);
  info.peak_slot.assign(n, 0);
  for (const Buffer& b : problem.buffers) {
    const auto id = static_cast<std::size_t>(b.id);
    Node best{-1, 0};
    for (std::size_t l = static_cast<std::size_t>(slots.begin[id]) + leaves,
                     r = static_cast<std::size_t>(slots.end[id]) + leaves;
         l < r; l >>= 1, r >>= 1) {
      if (l & 1) best = std::max(best, tree[l++]);
      if (r & 1) best = std::max(best, tree[--r]);
    }
    info.max_live[id] = std::max<std::int64_t>(best.first, 0);
    info.peak_slot[id] = -best.second;
  }
  return info;
}

namespace {

// Bytes of the other buffers overlapping each buffer in time: (bytes starting before its end)
// - (bytes ending at or before its start) - its own size.
std::vector<std::int64_t> conflict_bytes(const Problem& p, const SlotMap& slots) {
  const auto s = static_cast<std::size_t>(slots.slots);
  std::vector<std::int64_t> starting(s + 1, 0), ending(s + 1, 0);
  for (const Buffer& b : p.buffers) {
    if (b.size == 0) continue;
    starting[static_cast<std::size_t>(slots.begin[static_cast<std::size_t>(b.id)])] += b.size;
    ending[static_cast<std::size_t>(slots.end[static_cast<std::size_t>(b.id)])] += b.size;
  }
  // starts_before[k] = bytes of buffers with begin < k; ends_by[k] = bytes with end <= k.
  std::vector<std::int64_t> starts_before(s + 2, 0), ends_by(s + 1, 0);
  for (std::size_t k = 0; k <= s; ++k) starts_before[k + 1] = starts_before[k] + starting[k];
  for (std::size_t k = 0; k <= s; ++k) ends_by[k] = (k ? ends_by[k - 1] : 0) + ending[k];
  std::vector<std::int64_t> out(p.buffers.size(), 0);
  for (const Buffer& b : p.buffers) {
    if (b.size == 0) continue;
    const auto id = static_cast<std::size_t>(b.id);
    const auto e = static_cast<std::size_t>(slots.end[id]);
    const auto a = static_cast<std::size_t>(slots.begin[id]);
    out[id] = starts_before[e] - ends_by[a] - b.size;
  }
  return out;
}

}  // namespace

std::vector<std::int32_t> make_order(const Problem& problem, const SlotMap& slots,
                                     const PeakInfo& peaks, Ordering ordering) {
  const auto& bufs = problem.buffers;
  std::vector<std::int32_t> order(bufs.size());
  std::iota(order.begin(), order.end(), 0);
  auto B = [&](std::int32_t i) -> const Buffer& { return bufs[static_cast<std::size_t>(i)]; };
  auto peak = [&](std::int32_t i) {
    const auto k = static_cast<std::size_t>(i);
    return std::make_tuple(-peaks.max_live[k], peaks.peak_slot[k]);
  };
  auto sort_by = [&](auto key) {
    std::sort(order.begin(), order.end(), [&](std::int32_t x, std::int32_t y) {
      return std::tuple_cat(key(x), std::make_tuple(x)) < std::tuple_cat(key(y), std::make_tuple(y));
    });
  };
  switch (ordering) {
    case Ordering::peak_end:
      sort_by([&](std::int32_t i) { return std::tuple_cat(peak(i), std::make_tuple(-B(i).last, B(i).first)); });
      break;
    case Ordering::peak_start:
      sort_by([&](std::int32_t i) { return std::tuple_cat(peak(i), std::make_tuple(B(i).first, -B(i).last)); });
      break;
    case Ordering::peak_size:
      sort_by([&](std::int32_t i) { return std::tuple_cat(peak(i), std::make_tuple(-B(i).size)); });
      break;
    case Ordering::size:
      sort_by([&](std::int32_t i) { return std::make_tuple(-B(i).size, B(i).first); });
      break;
    case Ordering::length:
      sort_by([&](std::int32_t i) { return std::make_tuple(B(i).first - B(i).last, -B(i).size); });
      break;
    case Ordering::area:
      sort_by([&](std::int32_t i) {
        const auto len = static_cast<__int128>(B(i).last - B(i).first);
        return std::make_tuple(-(len * B(i).size), -B(i).size);
      });
      break;
    case Ordering::conflicts: {
      const auto c = conflict_bytes(problem, slots);
      sort_by([&](std::int32_t i) { return std::make_tuple(-c[static_cast<std::size_t>(i)], -B(i).size); });
      break;
    }
  }
  (void)slots;
  return order;
}

}  // namespace plantune::planner::detail
