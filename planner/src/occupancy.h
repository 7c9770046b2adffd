#pragma once
// Internal: the placers' shared index of placed rectangles (steps x bytes), and best-fit choice.
//
// Steps are compressed to slots (the gaps between consecutive distinct interval ends), so two
// buffers conflict iff their slot ranges meet. A segment tree over slots keeps, per node, the
// union of the byte ranges of the rectangles stored there (`own`, rectangles covering the node's
// whole range) and of every rectangle met on the way down (`sub`). A query for slots [a, b)
// merges `own` along the two boundary paths and `sub` at the canonical nodes: O(log S) sets,
// each small because a good packing leaves few holes. Placing n buffers costs about
// O(n log S (log n + h)), h the holes seen, instead of the O(n^2) scan over placed buffers.
#include <cstdint>
#include <vector>

#include "plantune/planner/problem.h"

namespace plantune::planner::detail {

struct ByteRange {
  std::int64_t lo = 0;
  std::int64_t hi = 0;  // exclusive
};

// Inserts [lo, hi) into sorted, disjoint `ranges`, merging what it overlaps or touches.
void insert_merged(std::vector<ByteRange>& ranges, std::int64_t lo, std::int64_t hi);

// Sorted, disjoint byte ranges; inserting merges overlapping and touching ranges. Holds one
// range without allocating (most nodes of the index hold none or one).
class RangeSet {
 public:
  RangeSet() = default;
  RangeSet(const RangeSet& other);
  RangeSet& operator=(const RangeSet& other);
  ~RangeSet() { release(); }

  void insert(std::int64_t lo, std::int64_t hi);
  const ByteRange* begin() const { return data(); }
  const ByteRange* end() const { return data() + size_; }
  std::uint32_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void clear() { size_ = 0; }

 private:
  ByteRange* data() { return cap_ > 1 ? heap_ : &one_; }
  const ByteRange* data() const { return cap_ > 1 ? heap_ : &one_; }
  void release();

  std::uint32_t size_ = 0;
  std::uint32_t cap_ = 1;
  union {
    ByteRange one_{};
    ByteRange* heap_;
  };
};

// Slot ranges of every buffer of an alias-free problem.
struct SlotMap {
  std::vector<std::int32_t> begin;  // per buffer: first slot
  std::vector<std::int32_t> end;    // per buffer: one past the last slot
  std::int32_t slots = 0;
};
SlotMap make_slot_map(const Problem& problem);

class OccupancyIndex {
 public:
  explicit OccupancyIndex(std::int32_t slots);
  // Records bytes [lo, hi) as used over slots [a, b).
  void add(std::int32_t a, std::int32_t b, std::int64_t lo, std::int64_t hi);
  // Writes the merged, ascending byte ranges used anywhere over slots [a, b) to `out`.
  void collect(std::int32_t a, std::int32_t b, std::vector<ByteRange>& out) const;
  void clear();

 private:
  // Whether node v, whose level has `span` slots per node, lies within slots [a, b).
  bool inside(std::int32_t v, std::int32_t span, std::int32_t a, std::int32_t b) const {
    const std::int64_t first = static_cast<std::int64_t>(v) * span - leaves_;
    return first >= a && first + span <= b;
  }

  std::int32_t leaves_ = 1;
  std::vector<RangeSet> own_, sub_;
  mutable std::vector<ByteRange> scratch_;
  mutable std::vector<const RangeSet*> lists_;

};

// Best fit, as TFLite's arena does it: the offset for `size` bytes at an `alignment` multiple in
// the smallest hole between the merged `used` ranges (ascending) that holds it, the lowest such
// hole on ties; the aligned end of the last range when no hole does.
std::int64_t choose_offset(const std::vector<ByteRange>& used, std::int64_t size,
                           std::int64_t alignment);

}  // namespace plantune::planner::detail

namespace plantune::planner::detail {

// Places the buffers of an alias-free problem: pinned ones where pinned, then those listed in
// `order` (pinned and size-0 entries skipped) one by one at choose_offset() among the buffers
// each conflicts with. `index` must be empty and sized for `slots.slots`; it holds the placement
// afterwards. Returns offsets by id.
std::vector<std::int64_t> place_in_order(const Problem& problem, const SlotMap& slots,
                                         const std::vector<std::int32_t>& order,
                                         OccupancyIndex& index);

}  // namespace plantune::planner::detail
