#pragma once
// Internal: the placement orders the portfolio tries. Each is a permutation of the buffer ids of
// an alias-free problem, a deterministic function of the problem alone (ties broken by id).
#include <cstdint>
#include <string_view>
#include <vector>

#include "occupancy.h"
#include "plantune/planner/problem.h"

namespace plantune::planner::detail {

enum class Ordering {
  peak_end,    // by the highest live-bytes step a buffer sees (desc), grouped by that step,
               // then latest end first: the fullest steps are packed first, long-lived at bottom
  peak_start,  // same groups, earliest start first
  peak_size,   // same groups, largest first
  size,        // largest first, then earliest start (TFLite's greedy-by-size order)
  length,      // longest interval first, then largest
  area,        // largest size x length first
  conflicts,   // most bytes of other buffers overlapping in time first
};
inline constexpr Ordering kAllOrderings[] = {Ordering::peak_end, Ordering::peak_start,
                                             Ordering::peak_size, Ordering::size,
                                             Ordering::length,    Ordering::area,
                                             Ordering::conflicts};

std::string_view to_string(Ordering o);

// Per buffer: the max over its slots of the live bytes, and the first slot attaining it.
struct PeakInfo {
  std::vector<std::int64_t> max_live;
  std::vector<std::int32_t> peak_slot;
};
PeakInfo peak_info(const Problem& problem, const SlotMap& slots);

std::vector<std::int32_t> make_order(const Problem& problem, const SlotMap& slots,
                                     const PeakInfo& peaks, Ordering ordering);

}  // namespace plantune::planner::detail
