#include "window_replan.h"

#include <algorithm>
#include <limits>

namespace plantune::planner::detail {
namespace {

std::int64_t arena_of(const Problem& p, const std::vector<std::int64_t>& off) {
  std::int64_t top = 0;
  for (const Buffer& b : p.buffers) top = std::max(top, off[static_cast<std::size_t>(b.id)] + b.size);
  return top;
}

// Half-widths (in slots) of the windows tried around a buffer, smallest first.
constexpr std::int32_t kWidths[] = {16, 64, 256, 1024, 4096};

// Orderings tried inside a window, most successful first.
constexpr Ordering kWindowOrders[] = {Ordering::peak_size, Ordering::size, Ordering::area,
                                      Ordering::peak_end};

}  // namespace

WindowReplanner::WindowReplanner(const Problem& problem, const SlotMap& slots,
                                 const PeakInfo& peaks, const WindowReplanOptions& options)
    : p_(problem), slots_(slots), peaks_(peaks), options_(options),
      ranks_(std::size(kAllOrderings)) {}

const std::vector<std::int32_t>& WindowReplanner::rank(Ordering o) {
  auto& r = ranks_[static_cast<std::size_t>(o)];
  if (r.empty() && !p_.buffers.empty()) {
    const auto order = make_order(p_, slots_, peaks_, o);
    r.resize(order.size());
    for (std::size_t i = 0; i < order.size(); ++i) r[static_cast<std::size_t>(order[i])] = static_cast<std::int32_t>(i);
  }
  return r;
}

bool WindowReplanner::replan(std::vector<std::int64_t>& offsets, std::int64_t capacity,
                             std::int32_t a, std::int32_t e) {
  std::vector<std::int32_t> inside;
  std::vector<std::int32_t> crossing;
  for (const Buffer& b : p_.buffers) {
    if (b.size == 0) continue;
    const auto k = static_cast<std::size_t>(b.id);
    const std::int32_t bb = slots_.begin[k], be = slots_.end[k];
    if (be <= a || bb >= e) continue;
    (bb >= a && be <= e && !b.fixed_offset ? inside : crossing).push_back(b.id);
  }
  work_ += static_cast<std::int64_t>(p_.buffers.size()) / 4;  // the scan above
  if (inside.empty() || static_cast<std::int32_t>(inside.size()) > options_.max_window_buffers) {
    return false;
  }
  auto overflow = [&](const std::vector<std::int64_t>& off) {
    std::int64_t over = 0;
    for (std::int32_t id : inside) {
      over += std::max<std::int64_t>(0, off[static_cast<std::size_t>(id)] +
                                            p_.buffers[static_cast<std::size_t>(id)].size - capacity);
    }
    return over;
  };
  const std::int64_t before = overflow(offsets);
  if (before == 0) return false;
  const std::int64_t arena = arena_of(p_, offsets);

  // Obstacles once per window; each ordering starts from a copy.
  OccupancyIndex obstacles(e - a);
  for (std::int32_t id : crossing) {
    const auto k = static_cast<std::size_t>(id);
    obstacles.add(std::max(slots_.begin[k], a) - a, std::min(slots_.end[k], e) - a, offsets[k],
                  offsets[k] + p_.buffers[k].size);
  }
  work_ += static_cast<std::int64_t>(crossing.size());
  std::vector<ByteRange> used;
  std::vector<std::int64_t> trial;
  for (Ordering o : kWindowOrders) {
    if (out_of_work()) return false;
    const auto& r = rank(o);
    std::sort(inside.begin(), inside.end(), [&](std::int32_t x, std::int32_t y) {
      return r[static_cast<std::size_t>(x)] < r[static_cast<std::size_t>(y)];
    });
    OccupancyIndex index = obstacles;
    trial = offsets;
    std::int64_t top = 0;
    for (std::int32_t id : inside) {
      const auto k = static_cast<std::size_t>(id);
      const Buffer& b = p_.buffers[k];
      const std::int32_t ba = slots_.begin[k] - a, be = slots_.end[k] - a;
      index.collect(ba, be, used);
      const std::int64_t off = choose_offset(used, b.size, b.alignment);
      trial[k] = off;
      index.add(ba, be, off, off + b.size);
      top = std::max(top, off + b.size);
    }
    work_ += static_cast<std::int64_t>(inside.size() + crossing.size() / 4);  // + the copy
    if (top <= arena && overflow(trial) < before) {
      offsets.swap(trial);
      return true;
    }
  }
  return false;
}

bool WindowReplanner::improve(std::vector<std::int64_t>& offsets, std::int64_t capacity,
                              std::int64_t work) {
  call_limit_ = work > std::numeric_limits<std::int64_t>::max() - work_
                    ? std::numeric_limits<std::int64_t>::max()
                    : work_ + work;
  struct Reset {
    std::int64_t& limit;
    ~Reset() { limit = std::numeric_limits<std::int64_t>::max(); }
  } reset{call_limit_};
  std::vector<char> stuck(p_.buffers.size(), 0);
  while (!out_of_work()) {
    work_ += static_cast<std::int64_t>(p_.buffers.size()) / 4;  // the scan below
    // The highest-reaching buffer above the capacity that has not resisted every window.
    std::int32_t pick = -1;
    std::int64_t pick_end = capacity;
    bool any_over = false;
    for (const Buffer& b : p_.buffers) {
      const std::int64_t end = offsets[static_cast<std::size_t>(b.id)] + b.size;
      if (b.size == 0 || end <= capacity) continue;
      any_over = true;
      if (stuck[static_cast<std::size_t>(b.id)] || b.fixed_offset) continue;
      if (end > pick_end) {
        pick = b.id;
        pick_end = end;
      }
    }
    if (!any_over) return true;
    if (pick < 0) return false;
    const auto k = static_cast<std::size_t>(pick);
    bool moved = false;
    std::int32_t last_inside = -1;
    for (std::int32_t w : kWidths) {
      const std::int32_t a = std::max(0, slots_.begin[k] - w);
      const std::int32_t e = std::min(slots_.slots, slots_.end[k] + w);
      if (e - a == last_inside) continue;
      last_inside = e - a;
      if (replan(offsets, capacity, a, e)) {
        moved = true;
        break;
      }
      if (a == 0 && e == slots_.slots) break;
    }
    if (!moved) stuck[k] = 1;
  }
  return false;
}

std::int64_t WindowReplanner::lower(std::vector<std::int64_t>& offsets, std::int64_t floor) {
  std::int64_t arena = arena_of(p_, offsets);
  while (arena > floor && !out_of_work()) {
    std::vector<std::int64_t> trial = offsets;
    if (!improve(trial, arena - 1)) break;
    offsets.swap(trial);
    arena = arena_of(p_, offsets);
  }
  return arena;
}

}  // namespace plantune::planner::detail
