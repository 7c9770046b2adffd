#include "plantune/planner/portfolio.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "occupancy.h"
#include "orderings.h"
#include "sweep.h"
#include "plantune/planner/lower_bound.h"
#include "plantune/planner/timeline_split.h"
#include "window_replan.h"

namespace plantune::planner {
namespace {

using detail::Ordering;

// Buffer placements one plan may spend, summed over its orderings and reorder rounds.
constexpr double kPlacementWork = 250'000;
constexpr int kMinPlacements = 3;
constexpr int kMaxPlacements = 16;
// Above this many buffers a segment is placed by one sweep over its steps (the fast path).
constexpr std::size_t kFastPathBuffers = 150'000;
// Window re-planning work (buffers handled, see WindowReplanOptions), per segment: as much as
// kWindowPlacements full placements, or more for small problems: kWindowWorkSmall per buffer,
// up to kWindowWork in all.
constexpr double kWindowPlacements = 3;
constexpr double kWindowWorkSmall = 100;
constexpr double kWindowWork = 100'000;
// The first three orderings are the peak ones; improvement starts after them.
constexpr std::size_t kPeakOrderings = 3;
// Reorder rounds after the window phase, at most.
constexpr int kMaxReorderRounds = 4;
// Perturbation (problems of at most kPerturbMaxBuffers buffers): at most kPerturbRounds
// placements, kPerturbRoundsPerBuffer per buffer, and kPerturbWork buffer placements in all.
constexpr std::size_t kPerturbMaxBuffers = 2000;
constexpr double kPerturbRounds = 400;
constexpr double kPerturbRoundsPerBuffer = 2;
constexpr double kPerturbWork = 150'000;

std::int64_t arena_of(const Problem& p, const std::vector<std::int64_t>& off) {
  std::int64_t top = 0;
  for (const Buffer& b : p.buffers) top = std::max(top, off[static_cast<std::size_t>(b.id)] + b.size);
  return top;
}

struct Candidate {
  std::vector<std::int64_t> offsets;  // the plan (possibly improved after placement)
  std::int64_t arena = -1;
  std::string strategy;
  std::vector<std::int32_t> order;    // the order placed
  std::vector<std::int64_t> placed;   // the offsets that order gave, before any improvement
  int rounds = 0;                     // reorder rounds behind this order
};

class SegmentPlanner {
 public:
  SegmentPlanner(const Problem& p, std::int64_t target, double effort)
      : p_(p), target_(target), slots_(detail::make_slot_map(p)),
        peaks_(detail::peak_info(p, slots_)),
        windows_(p, slots_, peaks_, window_options(p.buffers.size(), effort)) {
    const double n = static_cast<double>(std::max<std::size_t>(p.buffers.size(), 1));
    first_window_work_ = static_cast<std::int64_t>(effort * 2 * n);
    budget_ = std::clamp(static_cast<int>(kPlacementWork * effort / n), kMinPlacements,
                         kMaxPlacements);
  }

  Candidate run() {
    // 1. The peak orderings.
    std::size_t next = 0;
    for (; next < kPeakOrderings && can_place(); ++next) consider(place(detail::kAllOrderings[next]));
    // 2. A short window pass (it settles a few stray buffers cheaply), a reorder round from the
    //    best so far, then the full window pass on the best.
    improve_best(false);
    Candidate chain = best_;
    if (can_place()) chain = reorder(chain);
    improve_best(true);
    // 3. More reorder rounds, then the remaining orderings, while the budget lasts.
    for (int round = 0; round < kMaxReorderRounds && can_place() && !chain.order.empty(); ++round) {
      chain = reorder(chain);
      improve_best(true);
    }
    for (; next < std::size(detail::kAllOrderings) && can_place(); ++next) {
      consider(place(detail::kAllOrderings[next]));
      improve_best(true);
    }
    // 4. Small problems: perturb the best order (hill climbing on the arena).
    perturb();
    // 5. Lower the best plan window by window.
    if (!done() && !windows_.out_of_work()) {
      std::vector<std::int64_t> off = best_.offsets;
      const std::int64_t arena = windows_.lower(off, target_);
      if (arena < best_.arena) {
        best_.offsets = std::move(off);
        best_.arena = arena;
        best_.strategy += "+lowered";
      }
    }
    return std::move(best_);
  }

  int placements() const { return used_; }

 private:
  static detail::WindowReplanOptions window_options(std::size_t n, double effort) {
    detail::WindowReplanOptions o;
    const double buffers = static_cast<double>(n);
    o.work_limit = static_cast<std::int64_t>(
        effort * std::max(kWindowPlacements * buffers, std::min(kWindowWork, kWindowWorkSmall * buffers)));
    return o;
  }

  bool done() const { return best_.arena >= 0 && best_.arena <= target_; }
  bool can_place() const { return used_ < budget_ && !done(); }

  Candidate place(std::vector<std::int32_t> order, std::string name) {
    ++used_;
    detail::OccupancyIndex index(slots_.slots);
    Candidate c;
    c.offsets = detail::place_in_order(p_, slots_, order, index);
    c.arena = arena_of(p_, c.offsets);
    c.strategy = std::move(name);
    c.order = std::move(order);
    c.placed = c.offsets;
    return c;
  }
  Candidate place(Ordering o) {
    return place(detail::make_order(p_, slots_, peaks_, o), std::string(to_string(o)));
  }

  void consider(const Candidate& c) {
    if (best_.arena < 0 || c.arena < best_.arena) {
      best_ = c;
      improved_ = 0;
    }
  }

  // Squeaky wheel: the buffers that ended above the target go first, in their old order.
  Candidate reorder(const Candidate& from) {
    std::vector<std::int32_t> first, rest;
    for (std::int32_t id : from.order) {
      const Buffer& b = p_.buffers[static_cast<std::size_t>(id)];
      (from.placed[static_cast<std::size_t>(id)] + b.size > target_ ? first : rest).push_back(id);
    }
    if (first.empty()) return from;
    first.insert(first.end(), rest.begin(), rest.end());
    const std::string base = from.strategy.substr(0, from.strategy.find('+'));
    const int round = from.rounds + 1;
    Candidate c = place(std::move(first), base + "+reorder" + std::to_string(round));
    c.rounds = round;
    consider(c);
    return c;
  }

  // Moves: a buffer reaching the top of the arena goes to a random earlier place in the order,
  // or two random buffers swap. A move is kept when the arena does not grow. The generator is
  // seeded from the problem size alone.
  void perturb() {
    const std::size_t n = p_.buffers.size();
    if (done() || n < 2 || n > kPerturbMaxBuffers || best_.order.empty()) return;
    const double buffers = static_cast<double>(n);
    const int rounds = static_cast<int>(
        std::min({kPerturbRounds, kPerturbRoundsPerBuffer * buffers, kPerturbWork / buffers}));
    std::uint64_t state = 0x9e3779b97f4a7c15ULL ^ n;
    auto next = [&state](std::uint64_t bound) {
      std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      return static_cast<std::size_t>((z ^ (z >> 31)) % bound);
    };
    std::vector<std::int32_t> order = best_.order;
    std::vector<std::int64_t> placed = best_.placed;
    std::int64_t arena = arena_of(p_, placed);
    std::vector<std::size_t> top;
    bool better = false;
    for (int r = 0; r < rounds && arena > target_; ++r) {
      std::vector<std::int32_t> trial = order;
      top.clear();
      for (std::size_t i = 0; i < n; ++i) {
        const Buffer& b = p_.buffers[static_cast<std::size_t>(order[i])];
        if (placed[static_cast<std::size_t>(order[i])] + b.size == arena) top.push_back(i);
      }
      if (next(3) != 0 && !top.empty()) {
        const std::size_t i = top[next(top.size())];
        const std::size_t j = next(i + 1);
        std::rotate(trial.begin() + static_cast<std::ptrdiff_t>(j), trial.begin() + static_cast<std::ptrdiff_t>(i),
                    trial.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      } else {
        std::swap(trial[next(n)], trial[next(n)]);
      }
      detail::OccupancyIndex index(slots_.slots);
      std::vector<std::int64_t> off =
          detail::place_in_order(p_, slots_, trial, index);
      const std::int64_t a = arena_of(p_, off);
      if (a <= arena) {
        better = better || a < arena;
        arena = a;
        order = std::move(trial);
        placed = std::move(off);
      }
    }
    if (better && arena < best_.arena) {
      const std::string base = best_.strategy.substr(0, best_.strategy.find('+'));
      best_ = Candidate{placed, arena, base + "+perturbed", std::move(order), placed, best_.rounds};
      improved_ = 0;
      improve_best(true);
    }
  }

  // Window re-planning of the best plan: a short pass (2 buffers' worth of work per buffer) or
  // a full one (what is left of the window budget), each at most once per best plan.
  void improve_best(bool full) {
    const int level = full ? 2 : 1;
    if (improved_ >= level || done() || windows_.out_of_work()) return;
    improved_ = level;
    windows_.improve(best_.offsets, target_,
                     full ? std::numeric_limits<std::int64_t>::max() : first_window_work_);
    const std::int64_t arena = arena_of(p_, best_.offsets);
    if (arena < best_.arena) {
      best_.arena = arena;
      const std::string tag = "+windows";
      const auto& st = best_.strategy;
      if (st.size() < tag.size() || st.compare(st.size() - tag.size(), tag.size(), tag) != 0) {
        best_.strategy += tag;
      }
    }
  }

  const Problem& p_;
  std::int64_t target_;
  detail::SlotMap slots_;
  detail::PeakInfo peaks_;
  detail::WindowReplanner windows_;
  int budget_ = 1;
  int used_ = 0;
  int improved_ = 0;  // window passes made on the current best: 0 none, 1 short, 2 full
  std::int64_t first_window_work_ = 0;
  Candidate best_;
};

}  // namespace

PortfolioResult place_portfolio(const Problem& normalized, const PortfolioOptions& options) {
  PortfolioResult result;
  result.offsets.assign(normalized.buffers.size(), 0);
  for (const Buffer& b : normalized.buffers) {
    if (b.fixed_offset) result.offsets[static_cast<std::size_t>(b.id)] = *b.fixed_offset;
  }
  const std::int64_t target = options.target > 0 ? options.target : lower_bound(normalized);
  std::int64_t worst = -1;
  for (const Segment& seg : split_timeline(normalized)) {
    const Problem sub = segment_problem(normalized, seg);
    Candidate c;
    if (sub.buffers.size() > kFastPathBuffers) {
      c.offsets = detail::place_by_sweep(sub);
      c.arena = arena_of(sub, c.offsets);
      c.strategy = "sweep";
      ++result.placements;
    } else {
      SegmentPlanner planner(sub, target, options.effort);
      c = planner.run();
      result.placements += planner.placements();
    }
    for (std::size_t i = 0; i < seg.buffers.size(); ++i) {
      result.offsets[static_cast<std::size_t>(seg.buffers[i])] = c.offsets[i];
    }
    if (c.arena > worst) {
      worst = c.arena;
      result.strategy = c.strategy;
    }
  }
  result.arena_bytes = arena_of(normalized, result.offsets);
  if (result.strategy.empty()) result.strategy = "trivial";
  return result;
}

}  // namespace plantune::planner
