#pragma once
// Splitting the timeline where nothing is live: the segments are independent placement problems
// and the arena is the max over segments.
#include <cstdint>
#include <vector>

#include "plantune/planner/problem.h"

namespace plantune::planner {

struct Segment {
  std::int64_t first = 0;              // first step of the segment
  std::int64_t last = 0;               // one past its last step
  std::vector<std::int32_t> buffers;   // ids in the alias-free problem, ascending
};

// Segments of an alias-free problem, in step order; buffers of size 0 belong to none. Two buffers
// of different segments never conflict. O(n log n).
std::vector<Segment> split_timeline(const Problem& normalized);

// The buffers of one segment as a problem of their own (ids renumbered 0..k-1 in segment order).
Problem segment_problem(const Problem& normalized, const Segment& segment);

}  // namespace plantune::planner
