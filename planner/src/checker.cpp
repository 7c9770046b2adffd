// Independent of the placers on purpose: its own alias walk, its own sweep, no shared helpers.
#include "plantune/planner/checker.h"

#include <algorithm>
#include <map>
#include <sstream>
#include <vector>

#include "plantune/core/error.h"

namespace plantune::planner {

std::string_view to_string(ViolationKind kind) {
  switch (kind) {
    case ViolationKind::offset_count: return "offset_count";
    case ViolationKind::invalid_problem: return "invalid_problem";
    case ViolationKind::negative_offset: return "negative_offset";
    case ViolationKind::misaligned: return "misaligned";
    case ViolationKind::fixed_offset_ignored: return "fixed_offset_ignored";
    case ViolationKind::alias_misplaced: return "alias_misplaced";
    case ViolationKind::arena_mismatch: return "arena_mismatch";
    case ViolationKind::overlap: return "overlap";
  }
  return "unknown";
}

namespace {

std::string name_of(const Buffer& b) {
  std::string s = "buffer " + std::to_string(b.id);
  if (!b.name.empty()) s += " ('" + b.name + "')";
  return s;
}

Violation make(ViolationKind kind, std::int32_t a, std::int32_t b, const std::string& msg) {
  return Violation{kind, a, b, std::string(to_string(kind)) + ": " + msg};
}

// One alias family as a unit of the sweep: its bytes [lo, hi) over steps [first, last).
struct Family {
  std::int32_t root = -1;
  std::int64_t lo = 0, hi = 0;
  std::int64_t first = 0, last = 0;
  bool live = false;  // has a member with bytes
  std::int32_t members = 0;
};

}  // namespace

std::optional<Violation> check_plan(const Problem& problem, const Plan& plan) {
  const auto& bufs = problem.buffers;
  const std::size_t n = bufs.size();
  if (plan.offsets.size() != n) {
    std::ostringstream m;
    m << "plan has " << plan.offsets.size() << " offsets for " << n << " buffers";
    return make(ViolationKind::offset_count, -1, -1, m.str());
  }
  for (std::size_t i = 0; i < n; ++i) {
    const Buffer& b = bufs[i];
    if (b.id != static_cast<std::int32_t>(i) ||
        (b.alias && (b.alias->base < 0 || static_cast<std::size_t>(b.alias->base) >= n))) {
      return make(ViolationKind::invalid_problem, static_cast<std::int32_t>(i), -1,
                  name_of(b) + " has a wrong id or aliases a buffer that does not exist");
    }
  }

  // Per buffer: range, alignment, pinning, alias placement; and the arena size.
  std::int64_t top = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const Buffer& b = bufs[i];
    const std::int64_t off = plan.offsets[i];
    const auto id = static_cast<std::int32_t>(i);
    std::int64_t end = 0;
    if (off < 0 || b.size < 0 || __builtin_add_overflow(off, b.size, &end)) {
      std::ostringstream m;
      m << name_of(b) << " at offset " << off << " with " << b.size
        << " bytes is outside [0, 2^63)";
      return make(ViolationKind::negative_offset, id, -1, m.str());
    }
    if (b.alignment <= 0 || off % b.alignment != 0) {
      std::ostringstream m;
      m << name_of(b) << " at offset " << off << " is not a multiple of its alignment "
        << b.alignment;
      return make(ViolationKind::misaligned, id, -1, m.str());
    }
    if (b.fixed_offset && *b.fixed_offset != off) {
      std::ostringstream m;
      m << name_of(b) << " is pinned at offset " << *b.fixed_offset << " but placed at " << off;
      return make(ViolationKind::fixed_offset_ignored, id, -1, m.str());
    }
    if (b.alias) {
      const std::int64_t base_off = plan.offsets[static_cast<std::size_t>(b.alias->base)];
      std::int64_t want = 0;
      if (__builtin_add_overflow(base_off, b.alias->byte_offset, &want) || want != off) {
        std::ostringstream m;
        m << name_of(b) << " aliases " << name_of(bufs[static_cast<std::size_t>(b.alias->base)])
          << " at byte " << b.alias->byte_offset << " (offset " << base_off << " + "
          << b.alias->byte_offset << ") but is placed at " << off;
        return make(ViolationKind::alias_misplaced, id, b.alias->base, m.str());
      }
    }
    top = std::max(top, end);
  }
  if (top != plan.arena_bytes) {
    std::ostringstream m;
    m << "plan says arena_bytes " << plan.arena_bytes << " but its buffers end at " << top;
    return make(ViolationKind::arena_mismatch, -1, -1, m.str());
  }

  // Alias roots by walking each chain (cycle-safe: a chain longer than n is a cycle).
  std::vector<std::int32_t> root(n, -1);
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t cur = i;
    std::size_t steps = 0;
    while (bufs[cur].alias && root[cur] < 0) {
      cur = static_cast<std::size_t>(bufs[cur].alias->base);
      if (++steps > n) {
        return make(ViolationKind::invalid_problem, static_cast<std::int32_t>(i), -1,
                    "alias cycle through " + name_of(bufs[i]));
      }
    }
    const std::int32_t r = root[cur] >= 0 ? root[cur] : static_cast<std::int32_t>(cur);
    for (std::size_t c = i; c != cur && root[c] < 0;
         c = static_cast<std::size_t>(bufs[c].alias->base)) {
      root[c] = r;
    }
    root[i] = r;
    root[cur] = r;
  }
  std::vector<Family> fam(n);
  for (std::size_t i = 0; i < n; ++i) {
    const Buffer& b = bufs[i];
    if (b.size == 0 || b.first >= b.last) continue;
    Family& f = fam[static_cast<std::size_t>(root[i])];
    const std::int64_t lo = plan.offsets[i];
    const std::int64_t hi = lo + b.size;
    if (!f.live) {
      f = {root[i], lo, hi, b.first, b.last, true, 0};
    } else {
      f.lo = std::min(f.lo, lo);
      f.hi = std::max(f.hi, hi);
      f.first = std::min(f.first, b.first);
      f.last = std::max(f.last, b.last);
    }
    ++f.members;
  }

  // Sweep over steps; the live families are kept disjoint in an offset-ordered map, so checking
  // the two neighbours of each newcomer finds any overlap.
  struct Event {
    std::int64_t step;
    bool start;
    std::int32_t family;
  };
  std::vector<Event> events;
  for (const Family& f : fam) {
    if (!f.live) continue;
    events.push_back({f.first, true, f.root});
    events.push_back({f.last, false, f.root});
  }
  std::sort(events.begin(), events.end(), [](const Event& x, const Event& y) {
    if (x.step != y.step) return x.step < y.step;
    if (x.start != y.start) return !x.start;  // [first, last): frees before allocations
    return x.family < y.family;
  });
  std::map<std::int64_t, std::int32_t> live;
  for (const Event& e : events) {
    const Family& f = fam[static_cast<std::size_t>(e.family)];
    if (!e.start) {
      live.erase(f.lo);
      continue;
    }
    const Family* hit = nullptr;
    auto next = live.lower_bound(f.lo);
    if (next != live.end() && fam[static_cast<std::size_t>(next->second)].lo < f.hi) {
      hit = &fam[static_cast<std::size_t>(next->second)];
    } else if (next != live.begin()) {
      const Family& p = fam[static_cast<std::size_t>(std::prev(next)->second)];
      if (p.hi > f.lo) hit = &p;
    }
    if (hit != nullptr) {
      const Buffer& a = bufs[static_cast<std::size_t>(hit->root)];
      const Buffer& b = bufs[static_cast<std::size_t>(f.root)];
      auto describe = [&](const Buffer& r, const Family& g) {
        std::ostringstream m;
        m << name_of(r) << (g.members > 1 ? " (with its aliases)" : "") << " live over steps ["
          << g.first << ", " << g.last << ") in bytes [" << g.lo << ", " << g.hi << ")";
        return m.str();
      };
      std::ostringstream m;
      m << describe(a, *hit) << " and " << describe(b, f) << " are live together at step "
        << e.step << " and share bytes [" << std::max(hit->lo, f.lo) << ", "
        << std::min(hit->hi, f.hi) << ")";
      return make(ViolationKind::overlap, hit->root, f.root, m.str());
    }
    live.emplace(f.lo, f.root);
  }
  return std::nullopt;
}

void require_valid_plan(const Problem& problem, const Plan& plan) {
  if (auto v = check_plan(problem, plan)) {
    PT_FAIL(internal, "the plan from '" << plan.algorithm << "' is invalid: " << v->message);
  }
}

}  // namespace plantune::planner
