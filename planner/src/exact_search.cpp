#include "plantune/planner/exact_search.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "plantune/core/error.h"

// Note [Exact search]
// ~~~~~~~~~~~~~~~~~~~
// Time is cut into sections: maximal runs of steps with a constant live set that no neighbouring
// run contains (a start on the left edge, an end on the right). Two buffers conflict iff they
// share a section, and all buffers of a section conflict pairwise.
//
// Decision search for capacity C (class Search). A canonical plan is built bottom-up: the next
// buffer goes at its "min offset" (the highest top of an already placed conflicting buffer,
// aligned up; a fixed buffer at its fixed offset), and placements have non-decreasing
// (offset, preorder rank) keys. Every plan can be lowered into this form (drop each buffer until it
// rests on 0 or on a conflicting buffer; order by offset), so the search is complete. Pruning:
//  - dominance: a candidate at offset o is skipped when some unplaced buffer c fits wholly below
//    o at its own min offset (min_off(c) + size(c) <= o): dropping c there gives a plan with a
//    smaller sum of offsets, found in another branch;
//  - section inference: in each section the unplaced buffers all lie above the last key's offset
//    and above the lowest of their min offsets, so that height + their total size must fit in C;
//  - capacity: every unplaced buffer's min offset + size must fit in C;
//  - stuck buffers: an unplaced buffer whose key is below the last one and that no unplaced
//    buffer conflicts with can never be placed; and after a "hatless" buffer (no unplaced
//    conflicting buffer) fails, the node's later candidates fail too;
//  - decomposition: when no unplaced buffer crosses a section boundary, the two sides are
//    independent and are searched one after the other (a failure on either side fails the node),
//    each with its own preorder ranks.
// The search is iterative (explicit frames, undo logs), so memory is O(buffers + conflict pairs +
// sections) whatever the depth; instances over kMaxConflictPairs keep the seed.
//
// Driver (solve_exact). Arena sizes of lowered plans are multiples of g = gcd(sizes, alignments,
// fixed offsets), so bounds are rounded to g. Rounds with node limits that double, each cycling the
// preorders: first C = the proven bound (a plan there is optimal), then probes at capacities
// between the bound and the best (each plan found lowers the best). A refuted capacity raises the
// bound. Only node limits decide the path, so a search that finishes is deterministic; the clock
// only stops it.

namespace plantune::planner {
namespace {

using i64 = std::int64_t;
using i32 = std::int32_t;
using Clock = std::chrono::steady_clock;

constexpr i64 kInf = std::numeric_limits<i64>::max() / 4;
// Conflict pairs above this are not searched (the CSR alone would pass 64 MiB): the seed stands.
constexpr i64 kMaxConflictPairs = i64{1} << 23;
constexpr i64 kFirstNodeLimit = 2048;    // node limit of the first round (then doubled)
constexpr i64 kProbeShare = 4;           // probes below the best get limit / this
constexpr int kProbesPerRound = 6;       // probes per preorder and round
constexpr i64 kNodesPerClockCheck = 64;  // nodes between two looks at the clock

i64 align_up(i64 x, i64 a) { return (x + a - 1) & ~(a - 1); }

// The buffers that take part in the search (size > 0, non-empty interval), renumbered in order
// of their first section so that a run of sections owns a contiguous range of indices.
struct Instance {
  std::vector<i32> id;         // internal index -> index in Problem::buffers
  std::vector<i64> size;
  std::vector<i64> align;
  std::vector<i64> fixed;      // fixed offset, or -1
  std::vector<i64> first, last;
  std::vector<i32> slo, shi;   // section range [slo, shi)
  std::vector<i32> sec_begin;  // per section s (and S): first internal index with slo >= s
  std::vector<i64> adj_begin;  // CSR of conflicts
  std::vector<i32> adj;
  std::vector<i64> fadj_begin;  // CSR of conflicting fixed buffers (empty without fixed ones)
  std::vector<i32> fadj;
  std::vector<i64> sec_total;   // bytes live per section
  std::vector<i32> cut;         // per boundary s|s+1: buffers live on both sides
  bool any_fixed = false;
  i32 n() const { return static_cast<i32>(size.size()); }
  i32 sections() const { return static_cast<i32>(sec_total.size()); }
};

// Counts conflicting pairs by a sweep (ends before starts at equal steps: half-open intervals).
i64 count_conflict_pairs(const std::vector<std::pair<i64, i64>>& intervals) {
  std::vector<std::pair<i64, int>> ev;
  ev.reserve(intervals.size() * 2);
  for (const auto& [a, b] : intervals) {
    ev.emplace_back(a, 1);
    ev.emplace_back(b, 0);
  }
  std::sort(ev.begin(), ev.end());
  i64 live = 0, pairs = 0;
  for (const auto& [t, kind] : ev) {
    if (kind == 1) {
      pairs += live;
      ++live;
    } else {
      --live;
    }
  }
  return pairs;
}

// Builds sections, the renumbering, conflicts and cuts for the participating buffers `ids`.
Instance build_instance(const Problem& p, const std::vector<i32>& ids) {
  Instance in;
  std::vector<i64> times;
  times.reserve(ids.size() * 2);
  for (i32 i : ids) {
    times.push_back(p.buffers[i].first);
    times.push_back(p.buffers[i].last);
  }
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  const auto tindex = [&](i64 t) {
    return static_cast<i32>(std::lower_bound(times.begin(), times.end(), t) - times.begin());
  };
  const i32 nt = static_cast<i32>(times.size());
  std::vector<char> starts(nt, 0), ends(nt, 0);
  for (i32 i : ids) {
    starts[tindex(p.buffers[i].first)] = 1;
    ends[tindex(p.buffers[i].last)] = 1;
  }
  // Elementary interval k = [times[k], times[k+1]) is a section iff something starts at its
  // left edge and something ends at its right edge; sec_before[k] = sections among 0..k-1.
  std::vector<i32> sec_before(nt, 0);
  for (i32 k = 0; k + 1 < nt; ++k) sec_before[k + 1] = sec_before[k] + (starts[k] && ends[k + 1]);
  const i32 S = nt > 0 ? sec_before[nt - 1] : 0;

  struct Row {
    i32 slo, shi, id;
  };
  std::vector<Row> rows;
  rows.reserve(ids.size());
  for (i32 i : ids) {
    const i32 a = tindex(p.buffers[i].first), b = tindex(p.buffers[i].last);
    rows.push_back({sec_before[a], sec_before[b], i});
  }
  std::sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) {
    return x.slo != y.slo ? x.slo < y.slo : (x.shi != y.shi ? x.shi < y.shi : x.id < y.id);
  });
  const i32 n = static_cast<i32>(rows.size());
  in.id.resize(n);
  in.size.resize(n);
  in.align.resize(n);
  in.fixed.resize(n);
  in.first.resize(n);
  in.last.resize(n);
  in.slo.resize(n);
  in.shi.resize(n);
  for (i32 k = 0; k < n; ++k) {
    const Buffer& b = p.buffers[rows[k].id];
    in.id[k] = rows[k].id;
    in.size[k] = b.size;
    in.align[k] = std::max<i64>(1, b.alignment);
    in.fixed[k] = b.fixed_offset ? *b.fixed_offset : -1;
    in.any_fixed = in.any_fixed || b.fixed_offset.has_value();
    in.first[k] = b.first;
    in.last[k] = b.last;
    in.slo[k] = rows[k].slo;
    in.shi[k] = rows[k].shi;
    PT_REQUIRE(in.slo[k] < in.shi[k], internal,
               "exact search: buffer " << b.id << " spans no section");
  }
  in.sec_begin.assign(S + 1, n);
  for (i32 k = n - 1; k >= 0; --k) in.sec_begin[in.slo[k]] = k;
  for (i32 s = S - 1; s >= 0; --s) in.sec_begin[s] = std::min(in.sec_begin[s], in.sec_begin[s + 1]);

  in.sec_total.assign(S, 0);
  in.cut.assign(S > 0 ? S - 1 : 0, 0);
  std::vector<i64> deg(n, 0);
  // Conflicts: j overlaps k (k < j in slo order) iff slo[j] < shi[k].
  for (i32 k = 0; k < n; ++k) {
    for (i32 s = in.slo[k]; s < in.shi[k]; ++s) in.sec_total[s] += in.size[k];
    for (i32 s = in.slo[k]; s + 1 < in.shi[k]; ++s) ++in.cut[s];
  }
  // Active sweep in slo order: keep indices whose shi > current slo.
  std::vector<i32> active;
  std::vector<std::pair<i32, i32>> pairs;
  for (i32 k = 0; k < n; ++k) {
    std::erase_if(active, [&](i32 j) { return in.shi[j] <= in.slo[k]; });
    for (i32 j : active) {
      ++deg[j];
      ++deg[k];
    }
    active.push_back(k);
  }
  in.adj_begin.assign(n + 1, 0);
  for (i32 k = 0; k < n; ++k) in.adj_begin[k + 1] = in.adj_begin[k] + deg[k];
  in.adj.resize(in.adj_begin[n]);
  std::vector<i64> fill(in.adj_begin.begin(), in.adj_begin.end() - 1);
  active.clear();
  for (i32 k = 0; k < n; ++k) {
    std::erase_if(active, [&](i32 j) { return in.shi[j] <= in.slo[k]; });
    for (i32 j : active) {
      in.adj[fill[j]++] = k;
      in.adj[fill[k]++] = j;
    }
    active.push_back(k);
  }
  in.fadj_begin.assign(n + 1, 0);
  if (in.any_fixed) {
    for (i32 k = 0; k < n; ++k) {
      i64 c = 0;
      for (i64 e = in.adj_begin[k]; e < in.adj_begin[k + 1]; ++e) c += in.fixed[in.adj[e]] >= 0;
      in.fadj_begin[k + 1] = in.fadj_begin[k] + c;
    }
    in.fadj.reserve(in.fadj_begin[n]);
    for (i32 k = 0; k < n; ++k)
      for (i64 e = in.adj_begin[k]; e < in.adj_begin[k + 1]; ++e)
        if (in.fixed[in.adj[e]] >= 0) in.fadj.push_back(in.adj[e]);
  }
  return in;
}

enum class Outcome { found, not_found, aborted };

// Tie-breaks between equal offsets: each part of the timeline ranks its unplaced buffers by three
// criteria, all descending (then by id), when it is opened.
enum class Criterion : std::uint8_t { total, area, length, size };
using Preorder = std::array<Criterion, 3>;
constexpr Preorder kPreorders[] = {
    {Criterion::total, Criterion::length, Criterion::area},
    {Criterion::total, Criterion::area, Criterion::length},
    {Criterion::length, Criterion::area, Criterion::total},
    {Criterion::area, Criterion::total, Criterion::length},
};

// The decision search: is there a canonical plan with every top <= capacity?
class Search {
 public:
  Search(const Instance& in, const Preorder& preorder, i64 capacity, i64 node_limit,
         Clock::time_point deadline)
      : in_(in), preorder_(preorder), cap_(capacity), node_limit_(node_limit),
        deadline_(deadline) {}

  // On `found`, offsets[k] holds the offset of internal buffer k.
  Outcome run(std::vector<i64>& offsets);
  i64 nodes() const { return nodes_; }
  bool timed_out() const { return timed_out_; }

 private:
  struct Key {
    i64 off;
    i32 rank;
    bool operator<(const Key& o) const { return off != o.off ? off < o.off : rank < o.rank; }
  };
  struct Candidate {
    Key key;
    i32 buffer;
  };
  struct Frame {
    bool split = false;
    i32 plo = 0, phi = 0;     // partition: sections [plo, phi)
    Key last{-1, -1};         // key of the placement that opened this node
    Key cur{-1, -1};          // last candidate tried
    Key fixed_bound{kInf, 0};  // no candidate may pass the lowest unplaced fixed buffer
    i64 off_limit = kInf;     // candidates need offset < off_limit (dominance, sections)
    i32 placed = -1;          // buffer placed by this node, -1 when none
    std::size_t off_mark = 0, floor_mark = 0;
    std::size_t cand_begin = 0, cand_pos = 0;  // node: its candidates are cand_[pos, end)
    bool more = true;                          // node: candidates beyond the gathered ones
    std::size_t cut_begin = 0, cut_end = 0;    // split: its cut points are cuts_[begin, end)
    std::size_t cut_next = 0;                   // split: the next part to open
    std::size_t rank_mark = 0;                  // split: rank_log_ size when it was opened
  };

  enum class Entry { leaf, dead, open };
  Entry enter(Frame& f);                  // leaf: nothing left to place; dead: pruned
  bool next_candidate(Frame& f, i32& b);  // false: none left
  void gather(Frame& f);                  // refills cand_ with the next few candidates
  bool place(Frame& f, i32 b, i64 off);   // false: pruned (state must still be undone)
  void undo(Frame& f);
  bool spot_clear(i32 b, i64 off) const;
  void rank_part(i32 plo, i32 phi);        // ranks the part's unplaced buffers (logged)
  void restore_ranks(std::size_t mark);

  const Instance& in_;
  const Preorder preorder_;
  const i64 cap_;
  const i64 node_limit_;
  const Clock::time_point deadline_;
  i64 nodes_ = 0;
  bool timed_out_ = false;

  std::vector<i64> min_off_, offset_, floor_, total_, low_;
  std::vector<i32> cut_, open_deg_;  // open_deg_: unplaced conflicting buffers
  std::vector<char> placed_;
  std::vector<i32> rank_;
  std::vector<std::pair<i32, i32>> rank_log_;
  std::vector<i32> scratch_;
  std::vector<double> keys_;
  std::vector<std::pair<i32, i64>> off_log_, floor_log_;
  std::vector<i32> cuts_;
  std::vector<Candidate> cand_;  // a stack: each open node owns the top part above its begin
  std::vector<Frame> frames_;
};

void Search::rank_part(i32 plo, i32 phi) {
  const i32 lo = in_.sec_begin[plo], hi = in_.sec_begin[phi];
  scratch_.clear();
  for (i32 u = lo; u < hi; ++u)
    if (!placed_[u]) scratch_.push_back(u);
  keys_.resize(static_cast<std::size_t>(in_.n()) * 3);
  for (const i32 u : scratch_) {
    for (std::size_t c = 0; c < 3; ++c) {
      double k = 0;
      switch (preorder_[c]) {
        case Criterion::total: {
          i64 t = 0;
          for (i32 s = in_.slo[u]; s < in_.shi[u]; ++s) t = std::max(t, total_[s]);
          k = static_cast<double>(t);
          break;
        }
        // Doubles: sizes near 2^63 times lengths must not overflow; the order only needs to be fixed.
        case Criterion::area:
          k = static_cast<double>(in_.last[u] - in_.first[u]) * static_cast<double>(in_.size[u]);
          break;
        case Criterion::length: k = static_cast<double>(in_.last[u] - in_.first[u]); break;
        case Criterion::size: k = static_cast<double>(in_.size[u]); break;
      }
      keys_[static_cast<std::size_t>(u) * 3 + c] = k;
    }
  }
  std::sort(scratch_.begin(), scratch_.end(), [&](i32 a, i32 b) {
    for (std::size_t c = 0; c < 3; ++c) {
      const double ka = keys_[static_cast<std::size_t>(a) * 3 + c];
      const double kb = keys_[static_cast<std::size_t>(b) * 3 + c];
      if (ka != kb) return ka > kb;
    }
    return in_.id[a] < in_.id[b];
  });
  for (std::size_t r = 0; r < scratch_.size(); ++r) {
    const i32 u = scratch_[r];
    rank_log_.emplace_back(u, rank_[u]);
    rank_[u] = static_cast<i32>(r);
  }
}

void Search::restore_ranks(std::size_t mark) {
  while (rank_log_.size() > mark) {
    rank_[rank_log_.back().first] = rank_log_.back().second;
    rank_log_.pop_back();
  }
}

// Candidates kept per node; more are gathered when these run out (bounds memory by depth).
constexpr std::size_t kCandidatesPerGather = 16;

bool Search::spot_clear(i32 b, i64 off) const {
  for (i64 e = in_.fadj_begin[b]; e < in_.fadj_begin[b + 1]; ++e) {
    const i32 f = in_.fadj[e];
    if (placed_[f]) continue;
    if (off < in_.fixed[f] + in_.size[f] && in_.fixed[f] < off + in_.size[b]) return false;
  }
  return true;
}

// At entry every section s of the partition has floor[s] + total[s] <= C (the parent checked it).
// Placing b at `off` leaves max(floor, off) + total = off + total_at_entry in b's sections (b's
// min offset is at least their floor) and max(floor, off) + total elsewhere; so the sections
// admit b iff off + (max total over the partition's sections) <= C: one bound per node.
Search::Entry Search::enter(Frame& f) {
  const i32 lo = in_.sec_begin[f.plo], hi = in_.sec_begin[f.phi];
  i64 min_height = kInf;
  i64 max_v = 0;  // highest offset-to-be of an unplaced buffer
  f.fixed_bound = Key{kInf, 0};
  bool any = false;
  for (i32 u = lo; u < hi; ++u) {
    if (placed_[u]) continue;
    any = true;
    max_v = std::max(max_v, in_.fixed[u] >= 0 ? in_.fixed[u] : min_off_[u]);
    if (in_.fixed[u] >= 0) {
      const Key k{in_.fixed[u], rank_[u]};
      if (min_off_[u] > in_.fixed[u] || k < f.last || in_.fixed[u] + in_.size[u] > cap_)
        return Entry::dead;
      if (k < f.fixed_bound) f.fixed_bound = k;
    } else {
      const i64 h = min_off_[u] + in_.size[u];
      if (h > cap_) return Entry::dead;
      // Stuck: it may no longer come next (its key is below the last one) and nothing left can
      // raise its min offset past the last key.
      if (open_deg_[u] == 0 && Key{min_off_[u], rank_[u]} < f.last) return Entry::dead;
      if (h < min_height && (!in_.any_fixed || spot_clear(u, min_off_[u]))) min_height = h;
    }
  }
  if (!any) return Entry::leaf;
  // Unplaced buffers of a section lie above the last key's offset and the lowest of their
  // offsets-to-be (low_), so that plus their total must fit. Only sections whose total exceeds
  // C - max(highest offset-to-be, last) can fail: low_ is computed over their span alone.
  const i64 last = std::max<i64>(f.last.off, 0);
  const i64 critical = cap_ - std::max(max_v, last);
  i64 max_total = 0;
  i32 clo = f.phi, chi = f.plo;
  for (i32 s = f.plo; s < f.phi; ++s) {
    if (total_[s] == 0) continue;
    if (last + total_[s] > cap_) return Entry::dead;
    max_total = std::max(max_total, total_[s]);
    if (total_[s] > critical) {
      clo = std::min(clo, s);
      chi = s + 1;
    }
  }
  if (clo < chi) {
    for (i32 s = clo; s < chi; ++s) low_[s] = kInf;
    for (i32 u = lo; u < hi; ++u) {
      if (placed_[u] || in_.shi[u] <= clo || in_.slo[u] >= chi) continue;
      const i64 v = in_.fixed[u] >= 0 ? in_.fixed[u] : min_off_[u];
      const i32 a = std::max(in_.slo[u], clo), z = std::min(in_.shi[u], chi);
      for (i32 s = a; s < z; ++s) low_[s] = std::min(low_[s], v);
    }
    for (i32 s = clo; s < chi; ++s)
      if (total_[s] > 0 && low_[s] + total_[s] > cap_) return Entry::dead;
  }
  f.off_limit = std::min(min_height, cap_ - max_total + 1);
  if (f.off_limit <= std::max<i64>(f.last.off, 0)) return Entry::dead;
  f.cur = f.last;
  f.cand_pos = f.cand_begin;
  f.more = true;
  return Entry::open;
}

void Search::gather(Frame& f) {
  cand_.resize(f.cand_begin);
  const i32 lo = in_.sec_begin[f.plo], hi = in_.sec_begin[f.phi];
  for (i32 u = lo; u < hi; ++u) {
    if (placed_[u]) continue;
    const bool fx = in_.fixed[u] >= 0;
    const Key k{fx ? in_.fixed[u] : min_off_[u], rank_[u]};
    if (!(f.cur < k) || k.off >= f.off_limit || f.fixed_bound < k) continue;
    if (!fx && in_.any_fixed && !spot_clear(u, k.off)) continue;
    cand_.push_back({k, u});
  }
  const auto by_key = [](const Candidate& a, const Candidate& b) { return a.key < b.key; };
  const auto first = cand_.begin() + static_cast<std::ptrdiff_t>(f.cand_begin);
  f.more = cand_.size() - f.cand_begin > kCandidatesPerGather;
  if (f.more) {
    std::nth_element(first, first + kCandidatesPerGather, cand_.end(), by_key);
    cand_.resize(f.cand_begin + kCandidatesPerGather);
  }
  std::sort(first, cand_.end(), by_key);
  f.cand_pos = f.cand_begin;
}

bool Search::next_candidate(Frame& f, i32& b) {
  if (f.cand_pos == cand_.size()) {
    if (!f.more) return false;
    gather(f);
    if (f.cand_pos == cand_.size()) return false;
  }
  const Candidate& c = cand_[f.cand_pos++];
  f.cur = c.key;
  b = c.buffer;
  return true;
}

bool Search::place(Frame& f, i32 b, i64 off) {
  f.placed = b;
  f.off_mark = off_log_.size();
  f.floor_mark = floor_log_.size();
  placed_[b] = 1;
  offset_[b] = off;
  const i64 top = off + in_.size[b];
  for (i32 s = in_.slo[b]; s < in_.shi[b]; ++s) {
    if (floor_[s] < top) {
      floor_log_.emplace_back(s, floor_[s]);
      floor_[s] = top;
    }
    total_[s] -= in_.size[b];
  }
  for (i32 s = in_.slo[b]; s + 1 < in_.shi[b]; ++s) --cut_[s];
  bool ok = true;
  for (i64 e = in_.adj_begin[b]; e < in_.adj_begin[b + 1]; ++e) {
    const i32 v = in_.adj[e];
    --open_deg_[v];
    if (placed_[v]) continue;
    const i64 m = align_up(top, in_.align[v]);
    if (m <= min_off_[v]) continue;
    off_log_.emplace_back(v, min_off_[v]);
    min_off_[v] = m;
    ok = ok && (in_.fixed[v] >= 0 ? m <= in_.fixed[v] : m + in_.size[v] <= cap_);
  }
  return ok;
}

void Search::undo(Frame& f) {
  const i32 b = f.placed;
  if (b < 0) return;
  while (off_log_.size() > f.off_mark) {
    min_off_[off_log_.back().first] = off_log_.back().second;
    off_log_.pop_back();
  }
  while (floor_log_.size() > f.floor_mark) {
    floor_[floor_log_.back().first] = floor_log_.back().second;
    floor_log_.pop_back();
  }
  for (i32 s = in_.slo[b]; s < in_.shi[b]; ++s) total_[s] += in_.size[b];
  for (i32 s = in_.slo[b]; s + 1 < in_.shi[b]; ++s) ++cut_[s];
  for (i64 e = in_.adj_begin[b]; e < in_.adj_begin[b + 1]; ++e) ++open_deg_[in_.adj[e]];
  placed_[b] = 0;
  f.placed = -1;
}

Outcome Search::run(std::vector<i64>& offsets) {
  const i32 n = in_.n(), S = in_.sections();
  min_off_.assign(n, 0);
  offset_.assign(n, -1);
  placed_.assign(n, 0);
  floor_.assign(S, 0);
  low_.assign(S, kInf);
  total_ = in_.sec_total;
  cut_ = in_.cut;
  open_deg_.resize(n);
  for (i32 k = 0; k < n; ++k) open_deg_[k] = static_cast<i32>(in_.adj_begin[k + 1] - in_.adj_begin[k]);
  offsets.assign(n, -1);
  frames_.clear();
  cuts_.clear();
  cand_.clear();
  rank_.assign(n, 0);
  rank_log_.clear();
  if (n == 0) return Outcome::found;

  // The root is a split of all sections at the boundaries nothing crosses.
  Frame root;
  root.split = true;
  root.plo = 0;
  root.phi = S;
  root.cut_begin = 0;
  root.cut_next = 0;
  for (i32 s = 0; s + 1 < S; ++s)
    if (cut_[s] == 0) cuts_.push_back(s + 1);
  root.cut_end = cuts_.size();
  frames_.push_back(root);

  bool returning = false;
  Outcome result = Outcome::found;
  while (!frames_.empty()) {
    Frame& f = frames_.back();
    if (f.split) {
      restore_ranks(f.rank_mark);  // the previous part's ranks, if any
      if (returning && result != Outcome::found) {
        cuts_.resize(f.cut_begin);
        frames_.pop_back();
        continue;
      }
      // Open the next part that still has unplaced buffers.
      Frame child;
      const std::size_t parts = f.cut_end - f.cut_begin + 1;
      while (f.cut_next < parts && child.phi == 0) {
        const std::size_t j = f.cut_next++;
        const i32 a = j == 0 ? f.plo : cuts_[f.cut_begin + j - 1];
        const i32 z = j + 1 == parts ? f.phi : cuts_[f.cut_begin + j];
        bool any = false;
        for (i32 u = in_.sec_begin[a]; u < in_.sec_begin[z] && !any; ++u) any = !placed_[u];
        if (any) {
          child.plo = a;
          child.phi = z;
          child.cand_begin = cand_.size();
        }
      }
      if (child.phi != 0) {
        rank_part(child.plo, child.phi);
        frames_.push_back(child);  // invalidates f
        returning = false;
        continue;
      }
      cuts_.resize(f.cut_begin);
      frames_.pop_back();
      result = Outcome::found;
      returning = true;
      continue;
    }

    // A search node.
    const auto pop_node = [&](Outcome r) {
      cand_.resize(frames_.back().cand_begin);
      frames_.pop_back();
      result = r;
      returning = true;
    };
    if (!returning) {
      ++nodes_;
      if (nodes_ > node_limit_) {
        pop_node(Outcome::aborted);
        continue;
      }
      if (nodes_ % kNodesPerClockCheck == 0 && Clock::now() >= deadline_) {
        timed_out_ = true;
        pop_node(Outcome::aborted);
        continue;
      }
      const Entry e = enter(f);
      if (e != Entry::open) {
        pop_node(e == Entry::leaf ? Outcome::found : Outcome::not_found);
        continue;
      }
    } else {
      // A child finished.
      if (result == Outcome::found) offsets[f.placed] = offset_[f.placed];
      const bool hatless = open_deg_[f.placed] == 0;
      undo(f);
      if (result != Outcome::not_found) {
        pop_node(result);  // propagate found / aborted
        continue;
      }
      // Nothing unplaced conflicts with the buffer just tried, so it sits at its min offset in
      // the lowest completion, which orders it before every later candidate: the node failed.
      if (hatless) {
        pop_node(Outcome::not_found);
        continue;
      }
    }
    // Try candidates until one survives propagation.
    i32 b = -1;
    bool pushed = false;
    while (next_candidate(f, b)) {
      if (!place(f, b, f.cur.off)) {
        undo(f);
        continue;
      }
      const std::size_t mark = cuts_.size();
      for (i32 s = in_.slo[b]; s + 1 < in_.shi[b]; ++s)
        if (cut_[s] == 0) cuts_.push_back(s + 1);
      Frame child;
      child.plo = f.plo;
      child.phi = f.phi;
      child.cand_begin = cand_.size();
      if (cuts_.size() > mark) {
        child.split = true;
        child.rank_mark = rank_log_.size();
        child.cut_begin = mark;
        child.cut_next = 0;
        child.cut_end = cuts_.size();
      } else {
        child.last = f.cur;
      }
      frames_.push_back(child);  // invalidates f
      pushed = true;
      break;
    }
    if (pushed) {
      returning = false;
    } else {
      pop_node(Outcome::not_found);
    }
  }
  return result;
}

// The i-th term of the base-2 van der Corput sequence in (0, 1): bits of i mirrored.
double van_der_corput(std::uint32_t i) {
  double f = 0.0, unit = 0.5;
  for (; i != 0; i >>= 1, unit *= 0.5)
    if (i & 1) f += unit;
  return f;
}

i64 ceil_to(i64 x, i64 g) { return (x + g - 1) / g * g; }

i64 arena_of(const Problem& p, const std::vector<i64>& offsets) {
  i64 a = 0;
  for (std::size_t i = 0; i < offsets.size(); ++i) a = std::max(a, offsets[i] + p.buffers[i].size);
  return a;
}

}  // namespace

Plan solve_exact(const Problem& normalized, const Plan& seed, const ExactOptions& opts) {
  const auto start = Clock::now();
  // Clamped to a year so that the deadline cannot overflow the clock.
  const auto budget =
      std::chrono::duration<double>(std::clamp(opts.time_budget_seconds, 0.0, 3.2e7));
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(budget);
  const std::size_t n = normalized.buffers.size();
  PT_REQUIRE(seed.offsets.size() == n, invalid_argument,
             "solve_exact: seed has " << seed.offsets.size() << " offsets for " << n << " buffers");
  i64 g = 0;
  i64 fixed_top = 0;
  std::vector<i32> ids;
  std::vector<std::pair<i64, i64>> intervals;
  for (std::size_t i = 0; i < n; ++i) {
    const Buffer& b = normalized.buffers[i];
    PT_REQUIRE(!b.alias, invalid_argument,
               "solve_exact: buffer " << b.id << " ('" << b.name << "') is an alias; normalize first");
    PT_REQUIRE(b.size >= 0 && b.alignment >= 1 && (b.alignment & (b.alignment - 1)) == 0,
               invalid_argument,
               "solve_exact: buffer " << b.id << " ('" << b.name << "') has size " << b.size
                                      << " and alignment " << b.alignment);
    PT_REQUIRE(!b.fixed_offset || seed.offsets[i] == *b.fixed_offset, invalid_argument,
               "solve_exact: seed moves fixed buffer " << b.id << " ('" << b.name << "') to "
                                                       << seed.offsets[i]);
    g = std::gcd(g, b.size);
    if (b.alignment > 1) g = std::gcd(g, b.alignment);
    if (b.fixed_offset) {
      g = std::gcd(g, *b.fixed_offset);
      fixed_top = std::max(fixed_top, *b.fixed_offset + b.size);
    }
    if (b.size > 0 && b.first < b.last) {
      ids.push_back(static_cast<i32>(i));
      intervals.emplace_back(b.first, b.last);
    } else {
      fixed_top = std::max(fixed_top, b.size);  // placed at 0 unless fixed
    }
  }
  if (g == 0) g = 1;

  // Max over time of live bytes.
  i64 max_live = 0;
  {
    std::vector<std::pair<i64, i64>> ev;
    ev.reserve(ids.size() * 2);
    for (i32 i : ids) {
      ev.emplace_back(normalized.buffers[i].first, normalized.buffers[i].size);
      ev.emplace_back(normalized.buffers[i].last, -normalized.buffers[i].size);
    }
    std::sort(ev.begin(), ev.end());
    i64 live = 0;
    for (const auto& [t, d] : ev) {
      live += d;
      max_live = std::max(max_live, live);
    }
  }

  Plan best = seed;
  best.arena_bytes = arena_of(normalized, seed.offsets);
  best.lower_bound = std::max(seed.lower_bound, max_live);
  i64 lb = ceil_to(std::max({opts.lower_bound, max_live, fixed_top}), g);
  bool improved = false;
  const auto finish = [&]() {
    best.optimal = best.arena_bytes <= lb;
    best.gap = best.optimal || lb <= 0 ? 0.0
                                       : static_cast<double>(best.arena_bytes - lb) /
                                             static_cast<double>(lb);
    if (improved) best.algorithm = "exact";
    best.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return best;
  };
  if (best.arena_bytes <= lb || opts.time_budget_seconds <= 0.0) return finish();
  if (count_conflict_pairs(intervals) > kMaxConflictPairs) return finish();

  if (Clock::now() >= deadline) return finish();
  const Instance in = build_instance(normalized, ids);

  // Trivial buffers sit at 0 (or their fixed offset) in every plan the search builds.
  std::vector<i64> base(n, 0);
  for (std::size_t i = 0; i < n; ++i)
    if (normalized.buffers[i].fixed_offset) base[i] = *normalized.buffers[i].fixed_offset;

  std::vector<i64> internal;
  const auto attempt = [&](i64 capacity, std::size_t h, i64 limit) {
    Search search(in, kPreorders[h], capacity, limit, deadline);
    const Outcome r = search.run(internal);
    if (r == Outcome::found) {
      std::vector<i64> offsets = base;
      for (i32 k = 0; k < in.n(); ++k) offsets[in.id[k]] = internal[k];
      const i64 arena = arena_of(normalized, offsets);
      PT_REQUIRE(arena <= capacity, internal,
                 "exact search: plan of arena " << arena << " for capacity " << capacity);
      if (arena < best.arena_bytes) {
        best.offsets = std::move(offsets);
        best.arena_bytes = arena;
        improved = true;
      }
    } else if (r == Outcome::not_found) {
      lb = std::max(lb, capacity + g);
    }
    return std::make_pair(r, search.timed_out());
  };

  const std::size_t heuristics = std::size(kPreorders);
  // Rounds of doubling node limits. In each, every preorder tries the bound itself, then samples
  // capacities strictly between the bound and the best with a smaller limit, at fractions of the
  // gap that follow the van der Corput sequence (1/2, 1/4, 3/4, 1/8, ...): which capacities are
  // easy to fill is erratic, so spreading the probes finds plans that a bisection would skip.
  std::vector<std::uint32_t> probe_index(heuristics, 0);
  for (i64 limit = kFirstNodeLimit; best.arena_bytes > lb; limit = std::min(limit * 2, kInf)) {
    for (std::size_t h = 0; h < heuristics && best.arena_bytes > lb; ++h)
      if (attempt(lb, h, limit).second) return finish();
    const i64 probe_limit = std::max(kFirstNodeLimit, limit / kProbeShare);
    for (std::size_t h = 0; h < heuristics; ++h) {
      for (int k = 0; k < kProbesPerRound; ++k) {
        const i64 steps = (best.arena_bytes - lb) / g;  // capacities lb + g .. best - g
        if (steps < 2) break;
        const double f = van_der_corput(++probe_index[h]);
        const i64 target =
            lb + g * std::clamp<i64>(static_cast<i64>(f * static_cast<double>(steps)), 1, steps - 1);
        if (attempt(target, h, probe_limit).second) return finish();
      }
    }
  }
  return finish();
}

}  // namespace plantune::planner
