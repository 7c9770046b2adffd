#include "plantune/planner/normalize.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include "plantune/core/error.h"

namespace plantune::planner {
namespace {

std::string label(const Buffer& b) {
  std::string s = "buffer " + std::to_string(b.id);
  if (!b.name.empty()) s += " ('" + b.name + "')";
  return s;
}

// Pinned roots must not collide: sweep over steps with the live pinned ranges ordered by offset.
void require_disjoint_pinned(const NormalizedProblem& np, const Problem& original) {
  struct Event {
    std::int64_t step;
    bool start;
    std::int32_t id;
  };
  std::vector<Event> events;
  for (const Buffer& b : np.problem.buffers) {
    if (!b.fixed_offset || b.size == 0) continue;
    events.push_back({b.first, true, b.id});
    events.push_back({b.last, false, b.id});
  }
  std::sort(events.begin(), events.end(), [](const Event& x, const Event& y) {
    if (x.step != y.step) return x.step < y.step;
    if (x.start != y.start) return !x.start;  // half-open: ends first
    return x.id < y.id;
  });
  std::map<std::int64_t, std::int32_t> live;  // offset -> root id; ranges pairwise disjoint
  const auto& bufs = np.problem.buffers;
  for (const Event& e : events) {
    const Buffer& b = bufs[static_cast<std::size_t>(e.id)];
    const std::int64_t lo = *b.fixed_offset;
    if (!e.start) {
      live.erase(lo);
      continue;
    }
    auto next = live.lower_bound(lo);
    std::int32_t hit = -1;
    if (next != live.end() && next->first < lo + b.size) hit = next->second;
    if (hit < 0 && next != live.begin()) {
      auto prev = std::prev(next);
      const Buffer& p = bufs[static_cast<std::size_t>(prev->second)];
      if (*p.fixed_offset + p.size > lo) hit = prev->second;
    }
    if (hit >= 0) {
      const Buffer& a = original.buffers[static_cast<std::size_t>(np.original_id[static_cast<std::size_t>(hit)])];
      const Buffer& c = original.buffers[static_cast<std::size_t>(np.original_id[static_cast<std::size_t>(e.id)])];
      PT_FAIL(invalid_argument, "pinned " << label(a) << " and pinned " << label(c)
                                          << " are live together at step " << e.step
                                          << " and overlap in bytes");
    }
    live.emplace(lo, e.id);
  }
}

}  // namespace

NormalizedProblem normalize(const Problem& problem) {
  problem.validate();
  const std::size_t n = problem.buffers.size();
  NormalizedProblem np;
  np.root_of.assign(n, -1);
  np.offset_in_root.assign(n, 0);

  for (std::size_t i = 0; i < n; ++i) {
    const Buffer& b = problem.buffers[i];
    if (b.alias) continue;
    np.root_of[i] = static_cast<std::int32_t>(np.problem.buffers.size());
    np.original_id.push_back(static_cast<std::int32_t>(i));
    Buffer r;
    r.id = np.root_of[i];
    r.size = b.size;
    r.alignment = b.alignment;
    r.first = b.first;
    r.last = b.last;
    r.fixed_offset = b.fixed_offset;
    r.name = b.name;
    np.problem.buffers.push_back(std::move(r));
  }
  // Resolve every alias to its root (validate() has ruled out cycles); memoized walk.
  std::vector<std::int32_t> chain;
  for (std::size_t i = 0; i < n; ++i) {
    if (np.root_of[i] >= 0) continue;
    chain.clear();
    std::size_t cur = i;
    while (np.root_of[cur] < 0) {
      chain.push_back(static_cast<std::int32_t>(cur));
      cur = static_cast<std::size_t>(problem.buffers[cur].alias->base);
    }
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      const Buffer& b = problem.buffers[static_cast<std::size_t>(*it)];
      const auto base = static_cast<std::size_t>(b.alias->base);
      np.root_of[static_cast<std::size_t>(*it)] = np.root_of[base];
      np.offset_in_root[static_cast<std::size_t>(*it)] = np.offset_in_root[base] + b.alias->byte_offset;
    }
  }
  // Fold members into roots: hull of intervals (members with bytes), extent, alignment.
  std::vector<std::uint8_t> has_interval(np.problem.buffers.size(), 0);
  for (std::size_t i = 0; i < n; ++i) {
    const Buffer& b = problem.buffers[i];
    Buffer& r = np.problem.buffers[static_cast<std::size_t>(np.root_of[i])];
    r.size = std::max(r.size, np.offset_in_root[i] + b.size);
    r.alignment = std::max(r.alignment, b.alignment);
    if (b.size == 0) continue;
    auto& seen = has_interval[static_cast<std::size_t>(r.id)];
    if (!seen) {
      r.first = b.first;
      r.last = b.last;
      seen = 1;
    } else {
      r.first = std::min(r.first, b.first);
      r.last = std::max(r.last, b.last);
    }
  }
  for (const Buffer& r : np.problem.buffers) {
    PT_REQUIRE(!r.fixed_offset || *r.fixed_offset % r.alignment == 0, invalid_argument,
               "pinned " << label(problem.buffers[static_cast<std::size_t>(np.original_id[static_cast<std::size_t>(r.id)])])
                         << " at offset " << *r.fixed_offset
                         << " is not aligned to " << r.alignment
                         << ", the largest alignment among the buffers aliasing it");
  }
  require_disjoint_pinned(np, problem);
  return np;
}

std::vector<std::int64_t> resolve_offsets(const NormalizedProblem& normalized,
                                          const std::vector<std::int64_t>& root_offsets) {
  PT_REQUIRE(root_offsets.size() == normalized.problem.buffers.size(), invalid_argument,
             "got " << root_offsets.size() << " root offsets for "
                    << normalized.problem.buffers.size() << " roots");
  std::vector<std::int64_t> out(normalized.root_of.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = root_offsets[static_cast<std::size_t>(normalized.root_of[i])] + normalized.offset_in_root[i];
  }
  return out;
}

}  // namespace plantune::planner
