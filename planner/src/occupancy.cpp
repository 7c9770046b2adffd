#include "plantune/planner/problem.h"
#include "occupancy.h"

#include <algorithm>

namespace plantune::planner::detail {

void insert_merged(std::vector<ByteRange>& ranges, std::int64_t lo, std::int64_t hi) {
  // First range that ends at or after lo: it and its successors starting at or before hi merge.
  auto it = std::lower_bound(ranges.begin(), ranges.end(), lo,
                             [](const ByteRange& r, std::int64_t v) { return r.hi < v; });
  auto jt = it;
  while (jt != ranges.end() && jt->lo <= hi) {
    lo = std::min(lo, jt->lo);
    hi = std::max(hi, jt->hi);
    ++jt;
  }
  if (it == jt) {
    ranges.insert(it, ByteRange{lo, hi});
  } else {
    *it = ByteRange{lo, hi};
    ranges.erase(it + 1, jt);
  }
}

RangeSet::RangeSet(const RangeSet& other) { *this = other; }

RangeSet& RangeSet::operator=(const RangeSet& other) {
  if (this == &other) return *this;
  if (other.size_ > cap_) {
    release();
    heap_ = new ByteRange[other.size_];
    cap_ = other.size_;
  }
  std::copy(other.begin(), other.end(), data());
  size_ = other.size_;
  return *this;
}

void RangeSet::release() {
  if (cap_ > 1) delete[] heap_;
  cap_ = 1;
  size_ = 0;
}

void RangeSet::insert(std::int64_t lo, std::int64_t hi) {
  ByteRange* d = data();
  ByteRange* e = d + size_;
  // First range that ends at or after lo: it and its successors starting at or before hi merge.
  ByteRange* it = std::lower_bound(d, e, lo, [](const ByteRange& r, std::int64_t v) { return r.hi < v; });
  ByteRange* jt = it;
  while (jt != e && jt->lo <= hi) {
    lo = std::min(lo, jt->lo);
    hi = std::max(hi, jt->hi);
    ++jt;
  }
  if (it != jt) {
    *it = ByteRange{lo, hi};
    std::copy(jt, e, it + 1);
    size_ -= static_cast<std::uint32_t>(jt - it - 1);
    return;
  }
  const auto pos = static_cast<std::size_t>(it - d);
  if (size_ == cap_) {
    const std::uint32_t cap = cap_ * 2;
    auto* grown = new ByteRange[cap];
    std::copy(d, e, grown);
    if (cap_ > 1) delete[] heap_;
    heap_ = grown;
    cap_ = cap;
    d = heap_;
    e = d + size_;
  }
  std::copy_backward(d + pos, e, e + 1);
  d[pos] = ByteRange{lo, hi};
  ++size_;
}

SlotMap make_slot_map(const Problem& problem) {
  std::vector<std::int64_t> steps;
  steps.reserve(problem.buffers.size() * 2);
  for (const Buffer& b : problem.buffers) {
    steps.push_back(b.first);
    steps.push_back(b.last);
  }
  std::sort(steps.begin(), steps.end());
  steps.erase(std::unique(steps.begin(), steps.end()), steps.end());
  SlotMap m;
  m.begin.resize(problem.buffers.size());
  m.end.resize(problem.buffers.size());
  auto slot = [&](std::int64_t s) {
    return static_cast<std::int32_t>(std::lower_bound(steps.begin(), steps.end(), s) - steps.begin());
  };
  for (const Buffer& b : problem.buffers) {
    m.begin[static_cast<std::size_t>(b.id)] = slot(b.first);
    m.end[static_cast<std::size_t>(b.id)] = slot(b.last);
  }
  m.slots = steps.empty() ? 0 : static_cast<std::int32_t>(steps.size() - 1);
  return m;
}

OccupancyIndex::OccupancyIndex(std::int32_t slots) {
  while (leaves_ < slots) leaves_ *= 2;
  own_.resize(static_cast<std::size_t>(2 * leaves_));
  sub_.resize(static_cast<std::size_t>(2 * leaves_));
}

void OccupancyIndex::clear() {
  for (auto& s : own_) s.clear();
  for (auto& s : sub_) s.clear();
}

void OccupancyIndex::add(std::int32_t a, std::int32_t b, std::int64_t lo, std::int64_t hi) {
  if (a >= b || lo >= hi) return;
  // `sub` of the canonical nodes and of their ancestors (the nodes on the two boundary paths
  // that reach outside [a, b)); nodes strictly inside [a, b) need not know: a query meeting
  // them finds the rectangle in the `own` set of the canonical node above them.
  std::int32_t pa = a + leaves_, pb = b - 1 + leaves_;
  std::int32_t span = 1;  // slots under a node of the current level
  while (pa != pb) {
    if (!inside(pa, span, a, b)) sub_[static_cast<std::size_t>(pa)].insert(lo, hi);
    if (!inside(pb, span, a, b)) sub_[static_cast<std::size_t>(pb)].insert(lo, hi);
    pa >>= 1;
    pb >>= 1;
    span <<= 1;
  }
  for (; pa >= 1; pa >>= 1, span <<= 1) {
    if (!inside(pa, span, a, b)) sub_[static_cast<std::size_t>(pa)].insert(lo, hi);
  }
  for (std::int32_t l = a + leaves_, r = b + leaves_; l < r; l >>= 1, r >>= 1) {
    if (l & 1) {
      own_[static_cast<std::size_t>(l)].insert(lo, hi);
      sub_[static_cast<std::size_t>(l)].insert(lo, hi);
      ++l;
    }
    if (r & 1) {
      --r;
      own_[static_cast<std::size_t>(r)].insert(lo, hi);
      sub_[static_cast<std::size_t>(r)].insert(lo, hi);
    }
  }
}

namespace {

// out = union of the sorted, disjoint ranges in `a` and `b` (touching ranges merge).
void union_into(const std::vector<ByteRange>& a, const RangeSet& b, std::vector<ByteRange>& out) {
  out.clear();
  auto push = [&out](const ByteRange& r) {
    if (!out.empty() && r.lo <= out.back().hi) {
      out.back().hi = std::max(out.back().hi, r.hi);
    } else {
      out.push_back(r);
    }
  };
  std::size_t i = 0;
  const ByteRange* j = b.begin();
  while (i < a.size() && j != b.end()) push(a[i].lo <= j->lo ? a[i++] : *j++);
  while (i < a.size()) push(a[i++]);
  while (j != b.end()) push(*j++);
}

}  // namespace

void OccupancyIndex::collect(std::int32_t a, std::int32_t b, std::vector<ByteRange>& out) const {
  // The lists to merge: `own` along both boundary paths, `sub` at the canonical nodes.
  auto& lists = lists_;
  lists.clear();
  auto take = [&lists](const RangeSet& set) {
    if (!set.empty()) lists.push_back(&set);
  };
  // Path nodes inside [a, b) are skipped: the `sub` of the canonical node above covers them.
  std::int32_t pa = a + leaves_, pb = b - 1 + leaves_;
  std::int32_t span = 1;
  while (pa != pb) {
    if (!inside(pa, span, a, b)) take(own_[static_cast<std::size_t>(pa)]);
    if (!inside(pb, span, a, b)) take(own_[static_cast<std::size_t>(pb)]);
    pa >>= 1;
    pb >>= 1;
    span <<= 1;
  }
  for (; pa >= 1; pa >>= 1, span <<= 1) {
    if (!inside(pa, span, a, b)) take(own_[static_cast<std::size_t>(pa)]);
  }
  for (std::int32_t l = a + leaves_, r = b + leaves_; l < r; l >>= 1, r >>= 1) {
    if (l & 1) take(sub_[static_cast<std::size_t>(l++)]);
    if (r & 1) take(sub_[static_cast<std::size_t>(--r)]);
  }
  out.clear();
  if (lists.empty()) return;
  // Start from the longest list; fold short lists in range by range (binary search + merge in
  // place), long ones by a linear union. (Cheaper here than a heap-based k-way merge.)
  std::size_t longest = 0;
  for (std::size_t i = 1; i < lists.size(); ++i) {
    if (lists[i]->size() > lists[longest]->size()) longest = i;
  }
  out.assign(lists[longest]->begin(), lists[longest]->end());
  for (std::size_t i = 0; i < lists.size(); ++i) {
    if (i == longest) continue;
    const RangeSet& l = *lists[i];
    if (l.size() * 8 < out.size()) {
      for (const ByteRange& r : l) insert_merged(out, r.lo, r.hi);
    } else {
      union_into(out, l, scratch_);
      out.swap(scratch_);
    }
  }
}

std::int64_t choose_offset(const std::vector<ByteRange>& used, std::int64_t size,
                           std::int64_t alignment) {
  auto align_up = [alignment](std::int64_t v) { return (v + alignment - 1) / alignment * alignment; };
  std::int64_t best = -1;
  std::int64_t best_hole = 0;
  std::int64_t cursor = 0;  // end of the used bytes below the hole being looked at
  for (const ByteRange& r : used) {
    const std::int64_t at = align_up(cursor);
    if (at + size <= r.lo && (best < 0 || r.lo - cursor < best_hole)) {
      best = at;
      best_hole = r.lo - cursor;
    }
    cursor = r.hi;
  }
  return best >= 0 ? best : align_up(cursor);
}

}  // namespace plantune::planner::detail

namespace plantune::planner::detail {

std::vector<std::int64_t> place_in_order(const Problem& problem, const SlotMap& slots,
                                         const std::vector<std::int32_t>& order,
                                         OccupancyIndex& index) {
  std::vector<std::int64_t> offsets(problem.buffers.size(), 0);
  for (const Buffer& b : problem.buffers) {
    if (!b.fixed_offset) continue;
    offsets[static_cast<std::size_t>(b.id)] = *b.fixed_offset;
    if (b.size > 0) {
      index.add(slots.begin[static_cast<std::size_t>(b.id)], slots.end[static_cast<std::size_t>(b.id)],
                *b.fixed_offset, *b.fixed_offset + b.size);
    }
  }
  std::vector<ByteRange> used;
  for (std::int32_t id : order) {
    const Buffer& b = problem.buffers[static_cast<std::size_t>(id)];
    if (b.fixed_offset || b.size == 0) continue;
    const std::int32_t a = slots.begin[static_cast<std::size_t>(id)];
    const std::int32_t e = slots.end[static_cast<std::size_t>(id)];
    index.collect(a, e, used);
    const std::int64_t off = choose_offset(used, b.size, b.alignment);
    offsets[static_cast<std::size_t>(id)] = off;
    index.add(a, e, off, off + b.size);
  }
  return offsets;
}

}  // namespace plantune::planner::detail
