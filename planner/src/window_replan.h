#pragma once
// Internal: the portfolio's improvement phase: re-planning time windows (a large neighbourhood
// search over steps).
//
// For a buffer ending above the capacity, take a window of slots around it; the buffers lying
// wholly inside the window are lifted out, the ones crossing its edges stay as obstacles
// (clipped to the window), and the inside is placed again in each portfolio ordering (restricted
// to it) until one leaves less overflow above the capacity without raising the arena. Windows
// grow from a few slots to a few thousand buffers. Work is counted in buffers handled, so the
// result depends on the problem and the options alone.
#include <cstdint>
#include <limits>
#include <vector>

#include "occupancy.h"
#include "orderings.h"
#include "plantune/planner/problem.h"

namespace plantune::planner::detail {

// Work is counted in buffers placed or inserted as obstacles in window indexes (each about as
// costly as placing a buffer in a full placement), plus a quarter per buffer scanned.
struct WindowReplanOptions {
  std::int64_t work_limit = 1'000'000;  // in all, over every call
  std::int32_t max_window_buffers = 8192;  // a window never lifts out more buffers than this
};

class WindowReplanner {
 public:
  WindowReplanner(const Problem& problem, const SlotMap& slots, const PeakInfo& peaks,
                  const WindowReplanOptions& options = {});

  // Moves buffers of `offsets` (a valid placement) so that as few bytes as possible stick out
  // above `capacity`, spending at most `work` (and what is left of options.work_limit); returns
  // true when none does. The placement stays valid and its arena never grows.
  bool improve(std::vector<std::int64_t>& offsets, std::int64_t capacity,
               std::int64_t work = std::numeric_limits<std::int64_t>::max());

  // Lowers the arena of `offsets` towards `floor` one window at a time; returns the arena.
  std::int64_t lower(std::vector<std::int64_t>& offsets, std::int64_t floor);

  bool out_of_work() const { return work_ >= options_.work_limit || work_ >= call_limit_; }

 private:
  // One attempt at the window [a, e) of slots; true when it was committed.
  bool replan(std::vector<std::int64_t>& offsets, std::int64_t capacity, std::int32_t a,
              std::int32_t e);
  const std::vector<std::int32_t>& rank(Ordering o);

  const Problem& p_;
  const SlotMap& slots_;
  const PeakInfo& peaks_;
  WindowReplanOptions options_;
  std::vector<std::vector<std::int32_t>> ranks_;  // per ordering, lazily: rank of each buffer
  std::int64_t work_ = 0;
  std::int64_t call_limit_ = std::numeric_limits<std::int64_t>::max();  // work_ value where the current improve() call stops
};

}  // namespace plantune::planner::detail
