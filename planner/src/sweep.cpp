#include "sweep.h"

#include <algorithm>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <utility>

namespace plantune::planner::detail {
namespace {

constexpr std::int64_t kEnd = std::numeric_limits<std::int64_t>::max();

// Free byte ranges [lo, hi), disjoint and never touching; the last one runs to kEnd.
class FreeList {
 public:
  FreeList() { add_range(0, kEnd); }

  // Removes [lo, hi) (which must lie in one free range) from the pool.
  void take(std::int64_t lo, std::int64_t hi) {
    auto it = std::prev(by_lo_.upper_bound(lo));
    const std::int64_t flo = it->first, fhi = it->second;
    remove_range(it);
    if (flo < lo) add_range(flo, lo);
    if (hi < fhi) add_range(hi, fhi);
  }

  // Returns [lo, hi) to the pool, merging with free neighbours.
  void give(std::int64_t lo, std::int64_t hi) {
    auto next = by_lo_.lower_bound(lo);
    if (next != by_lo_.end() && next->first == hi) {
      hi = next->second;
      next = remove_range(next);
    }
    if (next != by_lo_.begin()) {
      auto prev = std::prev(next);
      if (prev->second == lo) {
        lo = prev->first;
        remove_range(prev);
      }
    }
    add_range(lo, hi);
  }

  // Smallest free range that holds `size` bytes at an `alignment` multiple; the offset.
  std::int64_t best_fit(std::int64_t size, std::int64_t alignment) const {
    for (auto it = by_size_.lower_bound({size, 0}); it != by_size_.end(); ++it) {
      const std::int64_t lo = it->second;
      const std::int64_t hi = by_lo_.at(lo);
      const std::int64_t at = (lo + alignment - 1) / alignment * alignment;
      if (hi == kEnd || at + size <= hi) return at;
    }
    return -1;  // unreachable: the last range is unbounded
  }

 private:
  std::map<std::int64_t, std::int64_t>::iterator remove_range(
      std::map<std::int64_t, std::int64_t>::iterator it) {
    by_size_.erase({it->second - it->first, it->first});
    return by_lo_.erase(it);
  }
  void add_range(std::int64_t lo, std::int64_t hi) {
    by_lo_.emplace(lo, hi);
    by_size_.insert({hi - lo, lo});
  }

  std::map<std::int64_t, std::int64_t> by_lo_;
  std::set<std::pair<std::int64_t, std::int64_t>> by_size_;  // (length, lo)
};

}  // namespace

std::vector<std::int64_t> place_by_sweep(const Problem& problem) {
  const auto& bufs = problem.buffers;
  std::vector<std::int64_t> offsets(bufs.size(), 0);
  FreeList pool;
  std::vector<std::int32_t> movable;
  for (const Buffer& b : bufs) {
    if (b.fixed_offset) {
      offsets[static_cast<std::size_t>(b.id)] = *b.fixed_offset;
    } else if (b.size > 0) {
      movable.push_back(b.id);
    }
  }
  // Pinned bytes: the union of the pinned ranges (they may share bytes at different steps),
  // taken out once.
  std::vector<std::pair<std::int64_t, std::int64_t>> pinned;
  for (const Buffer& b : bufs) {
    if (b.fixed_offset && b.size > 0) pinned.emplace_back(*b.fixed_offset, *b.fixed_offset + b.size);
  }
  std::sort(pinned.begin(), pinned.end());
  std::vector<std::pair<std::int64_t, std::int64_t>> merged;
  for (const auto& r : pinned) {
    if (!merged.empty() && r.first <= merged.back().second) {
      merged.back().second = std::max(merged.back().second, r.second);
    } else {
      merged.push_back(r);
    }
  }
  for (const auto& r : merged) pool.take(r.first, r.second);

  auto B = [&](std::int32_t i) -> const Buffer& { return bufs[static_cast<std::size_t>(i)]; };
  std::vector<std::int32_t> starts = movable, ends = movable;
  std::sort(starts.begin(), starts.end(), [&](std::int32_t x, std::int32_t y) {
    if (B(x).first != B(y).first) return B(x).first < B(y).first;
    if (B(x).size != B(y).size) return B(x).size > B(y).size;
    return x < y;
  });
  std::sort(ends.begin(), ends.end(), [&](std::int32_t x, std::int32_t y) {
    return B(x).last != B(y).last ? B(x).last < B(y).last : x < y;
  });
  std::size_t e = 0;
  for (std::int32_t id : starts) {
    const Buffer& b = B(id);
    for (; e < ends.size() && B(ends[e]).last <= b.first; ++e) {
      const std::int64_t lo = offsets[static_cast<std::size_t>(ends[e])];
      pool.give(lo, lo + B(ends[e]).size);
    }
    const std::int64_t at = pool.best_fit(b.size, b.alignment);
    offsets[static_cast<std::size_t>(id)] = at;
    pool.take(at, at + b.size);
  }
  return offsets;
}

}  // namespace plantune::planner::detail
