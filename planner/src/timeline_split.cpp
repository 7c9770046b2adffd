#include "plantune/planner/timeline_split.h"

#include <algorithm>
#include <numeric>

namespace plantune::planner {

std::vector<Segment> split_timeline(const Problem& normalized) {
  std::vector<std::int32_t> ids;
  for (const Buffer& b : normalized.buffers) {
    if (b.size > 0) ids.push_back(b.id);
  }
  const auto& bufs = normalized.buffers;
  std::sort(ids.begin(), ids.end(), [&](std::int32_t x, std::int32_t y) {
    const Buffer& a = bufs[static_cast<std::size_t>(x)];
    const Buffer& b = bufs[static_cast<std::size_t>(y)];
    return a.first != b.first ? a.first < b.first : x < y;
  });
  std::vector<Segment> segments;
  for (std::int32_t id : ids) {
    const Buffer& b = bufs[static_cast<std::size_t>(id)];
    // Half-open intervals: a buffer starting where the segment ends does not meet it.
    if (segments.empty() || b.first >= segments.back().last) {
      segments.push_back({b.first, b.last, {}});
    }
    Segment& s = segments.back();
    s.last = std::max(s.last, b.last);
    s.buffers.push_back(id);
  }
  for (Segment& s : segments) std::sort(s.buffers.begin(), s.buffers.end());
  return segments;
}

Problem segment_problem(const Problem& normalized, const Segment& segment) {
  Problem p;
  p.buffers.reserve(segment.buffers.size());
  for (std::int32_t id : segment.buffers) {
    Buffer b = normalized.buffers[static_cast<std::size_t>(id)];
    b.id = static_cast<std::int32_t>(p.buffers.size());
    p.buffers.push_back(std::move(b));
  }
  return p;
}

}  // namespace plantune::planner
