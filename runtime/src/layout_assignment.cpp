#include "plantune/runtime/layout_assignment.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstddef>
#include <deque>
#include <limits>
#include <numeric>
#include <utility>
#include <vector>

#include "plantune/core/error.h"

// Note [Layout assignment methods]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
// The problem is a pairwise labelling energy (a discrete MRF): unary terms (node costs) and
// pairwise terms (edge costs). In general it is NP-hard (three labels already encode graph
// 3-colouring), so the exact methods cover the shapes that are common and tractable:
//
//  * Forests (chain-dp). Parallel edges are merged (their matrices add up) and directions are
//    ignored: a node that reads the same tensor twice, a fork (one output read by two layers)
//    and a join of independent branches (concat of two stems) stay trees. Each tree is rooted
//    at its lowest node; a bottom-up pass computes g[v][l] = node[v][l] + sum over children c of
//    min over l' (pair(v=l, c=l') + g[c][l']), remembering each argmin; the root takes
//    argmin g and a top-down pass reads the children's labels off the argmins.
//
//  * Two labels, submodular (min-cut). With label 0 = source side and 1 = sink side, the
//    pairwise term of an edge (u, v) with costs A = c00, B = c01, C = c10, D = c11 is
//      A + (C - A) x_u + (D - C) x_v + (B + C - A - D) (1 - x_u) x_v,
//    so it adds (C - A) and (D - C) to the nodes' label-1 costs and an arc u -> v of capacity
//    B + C - A - D, which is >= 0 exactly when the edge is submodular (Kolmogorov & Zabih,
//    "What energy functions can be minimized via graph cuts?", 2004). Each node then has
//    unary costs (t0, t1): an arc s -> v of t1 - t0 when positive (cut when v takes label 1),
//    else v -> t of t0 - t1 (cut when v takes label 0); an infinite cost is an infinite
//    capacity, which the cut never crosses. The minimum cut (Dinic's max flow; the source side
//    is what the residual graph reaches from s) is the minimum energy minus the constants.
//
//  * Everything else (dp+icm). A maximum spanning forest of the merged edges, weighted by
//    how much each edge's cost can vary (max - min of its matrix), keeps the edges that matter
//    most; the forest DP above solves it exactly with the other edges (the extra
//    predecessors of joins and residual adds) ignored. Iterated conditional modes then takes
//    the full objective into account: a node whose best label, with its neighbours' labels
//    fixed, is strictly cheaper than its own changes, and its neighbours are re-examined,
//    until no single change improves. The same descent also starts from each uniform
//    labelling (every node in label k, or its cheapest allowed label when k is not allowed),
//    since layout problems often have a uniform optimum that a spanning-forest DP misses
//    when a skip edge carries the expensive transform. The cheapest result is returned.
//    Each step strictly lowers the total, so the descent ends; on a forest the DP alone is
//    already optimal.

namespace plantune::runtime {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Parallel edges merged; a < b; c[la * L + lb].
struct MergedEdge {
  int a = 0;
  int b = 0;
  std::vector<double> c;
};

struct Incidence {
  int edge = 0;
  bool is_a = false;  // this node is the edge's `a` end
};

struct MergedGraph {
  int n = 0;
  int labels = 0;
  std::vector<MergedEdge> edges;
  std::vector<std::vector<Incidence>> adj;

  // Cost of the edge with this node at `mine` and the other end at `other`.
  double pair(const Incidence& inc, int mine, int other) const {
    const MergedEdge& e = edges[static_cast<std::size_t>(inc.edge)];
    const std::size_t L = static_cast<std::size_t>(labels);
    return inc.is_a ? e.c[static_cast<std::size_t>(mine) * L + static_cast<std::size_t>(other)]
                    : e.c[static_cast<std::size_t>(other) * L + static_cast<std::size_t>(mine)];
  }
  int other_end(const Incidence& inc) const {
    const MergedEdge& e = edges[static_cast<std::size_t>(inc.edge)];
    return inc.is_a ? e.b : e.a;
  }
};

MergedGraph merge_edges(const LayoutProblem& p) {
  MergedGraph g;
  g.n = static_cast<int>(p.node_cost.size());
  g.labels = p.label_count;
  std::vector<std::size_t> order(p.edges.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    const auto& ex = p.edges[x];
    const auto& ey = p.edges[y];
    return std::pair(ex.from, ex.to) < std::pair(ey.from, ey.to);
  });
  for (std::size_t i : order) {
    const auto& e = p.edges[i];
    if (!g.edges.empty() && g.edges.back().a == e.from && g.edges.back().b == e.to) {
      auto& c = g.edges.back().c;
      for (std::size_t k = 0; k < c.size(); ++k) c[k] += e.cost[k];
    } else {
      g.edges.push_back(MergedEdge{e.from, e.to, e.cost});
    }
  }
  g.adj.resize(static_cast<std::size_t>(g.n));
  for (std::size_t i = 0; i < g.edges.size(); ++i) {
    const int idx = static_cast<int>(i);
    g.adj[static_cast<std::size_t>(g.edges[i].a)].push_back(Incidence{idx, true});
    g.adj[static_cast<std::size_t>(g.edges[i].b)].push_back(Incidence{idx, false});
  }
  return g;
}

struct DisjointSets {
  explicit DisjointSets(int n) : parent(static_cast<std::size_t>(n)) {
    std::iota(parent.begin(), parent.end(), 0);
  }
  int find(int x) {
    while (parent[static_cast<std::size_t>(x)] != x) {
      int& up = parent[static_cast<std::size_t>(x)];
      up = parent[static_cast<std::size_t>(up)];
      x = up;
    }
    return x;
  }
  bool unite(int x, int y) {
    x = find(x);
    y = find(y);
    if (x == y) return false;
    parent[static_cast<std::size_t>(std::max(x, y))] = std::min(x, y);
    return true;
  }
  std::vector<int> parent;
};

bool is_forest(const MergedGraph& g) {
  DisjointSets sets(g.n);
  for (const MergedEdge& e : g.edges)
    if (!sets.unite(e.a, e.b)) return false;
  return true;
}

bool is_submodular(const MergedEdge& e) {
  // c is 2 x 2: c00 c01 / c10 c11.
  return e.c[1] + e.c[2] >= e.c[0] + e.c[3];
}

// Exact minimum over the edges with in_forest[e] (which must form a forest); other edges are
// ignored. See Note [Layout assignment methods].
std::vector<int> forest_dp(const LayoutProblem& p, const MergedGraph& g,
                           const std::vector<bool>& in_forest) {
  const std::size_t n = static_cast<std::size_t>(g.n);
  const std::size_t L = static_cast<std::size_t>(g.labels);
  // BFS order per tree, roots in node order; parent_edge[v] = the edge to v's parent.
  std::vector<int> order;
  order.reserve(n);
  std::vector<int> parent_edge(n, -1);
  std::vector<bool> seen(n, false);
  for (std::size_t root = 0; root < n; ++root) {
    if (seen[root]) continue;
    seen[root] = true;
    std::size_t head = order.size();
    order.push_back(static_cast<int>(root));
    while (head < order.size()) {
      const int v = order[head++];
      for (const Incidence& inc : g.adj[static_cast<std::size_t>(v)]) {
        if (!in_forest[static_cast<std::size_t>(inc.edge)]) continue;
        const int w = g.other_end(inc);
        if (seen[static_cast<std::size_t>(w)]) continue;  // the parent (a forest has no other)
        seen[static_cast<std::size_t>(w)] = true;
        parent_edge[static_cast<std::size_t>(w)] = inc.edge;
        order.push_back(w);
      }
    }
  }
  // sub[v * L + l]: the best cost of v's subtree with v in label l.
  // best[c * L + l]: c's label in that optimum when c's parent has label l.
  std::vector<double> sub(n * L);
  std::vector<int> best(n * L, 0);
  for (std::size_t v = 0; v < n; ++v)
    for (std::size_t l = 0; l < L; ++l) sub[v * L + l] = p.node_cost[v][l];
  for (std::size_t k = n; k-- > 0;) {
    const std::size_t c = static_cast<std::size_t>(order[k]);
    const int pe = parent_edge[c];
    if (pe < 0) continue;
    const MergedEdge& e = g.edges[static_cast<std::size_t>(pe)];
    const bool child_is_a = static_cast<std::size_t>(e.a) == c;
    const std::size_t parent = static_cast<std::size_t>(child_is_a ? e.b : e.a);
    for (std::size_t lp = 0; lp < L; ++lp) {
      double m = kInf;
      int arg = -1;
      for (std::size_t lc = 0; lc < L; ++lc) {
        const double edge_cost = child_is_a ? e.c[lc * L + lp] : e.c[lp * L + lc];
        const double v = sub[c * L + lc] + edge_cost;
        if (arg < 0 || v < m) {
          m = v;
          arg = static_cast<int>(lc);
        }
      }
      sub[parent * L + lp] += m;
      best[c * L + lp] = arg;
    }
  }
  std::vector<int> labels(n, 0);
  for (int vi : order) {
    const std::size_t v = static_cast<std::size_t>(vi);
    const int pe = parent_edge[v];
    if (pe < 0) {
      const auto first = sub.begin() + static_cast<std::ptrdiff_t>(v * L);
      labels[v] =
          static_cast<int>(std::min_element(first, first + static_cast<std::ptrdiff_t>(L)) - first);
    } else {
      const MergedEdge& e = g.edges[static_cast<std::size_t>(pe)];
      const std::size_t parent =
          static_cast<std::size_t>(static_cast<std::size_t>(e.a) == v ? e.b : e.a);
      labels[v] = best[v * L + static_cast<std::size_t>(labels[parent])];
    }
  }
  return labels;
}

// Dinic's maximum flow on double capacities (+infinity allowed on arcs that no s-t path can be
// made of alone). Arcs are stored in pairs: arc i and its reverse i ^ 1.
class MaxFlow {
 public:
  explicit MaxFlow(int nodes) : adj_(static_cast<std::size_t>(nodes)) {}

  void add_arc(int u, int v, double capacity) {
    if (!(capacity > 0)) return;
    adj_[static_cast<std::size_t>(u)].push_back(static_cast<int>(to_.size()));
    to_.push_back(v);
    cap_.push_back(capacity);
    adj_[static_cast<std::size_t>(v)].push_back(static_cast<int>(to_.size()));
    to_.push_back(u);
    cap_.push_back(0.0);
    if (std::isfinite(capacity)) max_finite_ = std::max(max_finite_, capacity);
  }

  // Pushes a maximum flow from s to t; afterwards reachable() is the source side of a
  // minimum cut.
  void run(int s, int t) {
    eps_ = 1e-14 * std::max(1.0, max_finite_);
    const std::size_t n = adj_.size();
    std::vector<std::size_t> next(n);
    std::vector<int> path;  // arcs from s
    while (levels(s, t)) {
      std::fill(next.begin(), next.end(), std::size_t{0});
      path.clear();
      int v = s;
      for (;;) {
        if (v == t) {
          double f = kInf;
          for (int a : path) f = std::min(f, cap_[static_cast<std::size_t>(a)]);
          PT_REQUIRE(std::isfinite(f), internal,
                     "layout min-cut: an s-t path of infinite capacity");
          std::size_t keep = path.size();
          for (std::size_t i = 0; i < path.size(); ++i) {
            const std::size_t a = static_cast<std::size_t>(path[i]);
            cap_[a] -= f;
            cap_[a ^ 1] += f;
            if (keep == path.size() && cap_[a] <= eps_) keep = i;
          }
          path.resize(keep);
          v = path.empty() ? s : to_[static_cast<std::size_t>(path.back())];
          continue;
        }
        const std::size_t vs = static_cast<std::size_t>(v);
        bool advanced = false;
        for (; next[vs] < adj_[vs].size(); ++next[vs]) {
          const std::size_t a = static_cast<std::size_t>(adj_[vs][next[vs]]);
          const std::size_t w = static_cast<std::size_t>(to_[a]);
          if (cap_[a] > eps_ && level_[w] == level_[vs] + 1) {
            path.push_back(static_cast<int>(a));
            v = to_[a];
            advanced = true;
            break;
          }
        }
        if (advanced) continue;
        if (v == s) break;
        level_[vs] = -1;  // a dead end for the rest of this phase
        path.pop_back();
        v = path.empty() ? s : to_[static_cast<std::size_t>(path.back())];
        ++next[static_cast<std::size_t>(v)];
      }
    }
  }

  bool reachable(int v) const { return level_[static_cast<std::size_t>(v)] >= 0; }

 private:
  // BFS levels over arcs with residual capacity; true when t is reached.
  bool levels(int s, int t) {
    level_.assign(adj_.size(), -1);
    std::vector<int> queue{s};
    level_[static_cast<std::size_t>(s)] = 0;
    for (std::size_t head = 0; head < queue.size(); ++head) {
      const std::size_t v = static_cast<std::size_t>(queue[head]);
      for (int ai : adj_[v]) {
        const std::size_t a = static_cast<std::size_t>(ai);
        const std::size_t w = static_cast<std::size_t>(to_[a]);
        if (cap_[a] > eps_ && level_[w] < 0) {
          level_[w] = level_[v] + 1;
          queue.push_back(static_cast<int>(w));
        }
      }
    }
    return level_[static_cast<std::size_t>(t)] >= 0;
  }

  std::vector<std::vector<int>> adj_;
  std::vector<int> to_;
  std::vector<double> cap_;
  std::vector<int> level_;
  double max_finite_ = 0.0;
  double eps_ = 0.0;
};

// Two labels, every merged edge submodular. See Note [Layout assignment methods].
std::vector<int> min_cut(const LayoutProblem& p, const MergedGraph& g) {
  const int n = g.n;
  std::vector<double> t0(static_cast<std::size_t>(n)), t1(static_cast<std::size_t>(n));
  for (std::size_t v = 0; v < static_cast<std::size_t>(n); ++v) {
    t0[v] = p.node_cost[v][0];
    t1[v] = p.node_cost[v][1];
  }
  const int s = n;
  const int t = n + 1;
  MaxFlow flow(n + 2);
  for (const MergedEdge& e : g.edges) {
    const double A = e.c[0], B = e.c[1], C = e.c[2], D = e.c[3];
    t1[static_cast<std::size_t>(e.a)] += C - A;
    t1[static_cast<std::size_t>(e.b)] += D - C;
    flow.add_arc(e.a, e.b, B + C - A - D);
  }
  for (int v = 0; v < n; ++v) {
    const double d = t1[static_cast<std::size_t>(v)] - t0[static_cast<std::size_t>(v)];
    if (d > 0)
      flow.add_arc(s, v, d);  // cut when v takes label 1; +infinity when 1 is not allowed
    else if (d < 0)
      flow.add_arc(v, t, -d);  // cut when v takes label 0
  }
  flow.run(s, t);
  std::vector<int> labels(static_cast<std::size_t>(n));
  for (int v = 0; v < n; ++v) labels[static_cast<std::size_t>(v)] = flow.reachable(v) ? 0 : 1;
  return labels;
}

// Single-node descent on the full objective from `labels` (all allowed) until no change
// strictly improves. See Note [Layout assignment methods].
void icm(const LayoutProblem& p, const MergedGraph& g, std::vector<int>& labels) {
  const std::size_t n = static_cast<std::size_t>(g.n);
  const int L = g.labels;
  std::deque<int> work;
  std::vector<bool> queued(n, true);
  for (std::size_t v = 0; v < n; ++v) work.push_back(static_cast<int>(v));
  std::vector<double> local(static_cast<std::size_t>(L));
  while (!work.empty()) {
    const int v = work.front();
    work.pop_front();
    const std::size_t vs = static_cast<std::size_t>(v);
    queued[vs] = false;
    for (int l = 0; l < L; ++l) {
      double c = p.node_cost[vs][static_cast<std::size_t>(l)];
      if (std::isfinite(c))
        for (const Incidence& inc : g.adj[vs])
          c += g.pair(inc, l, labels[static_cast<std::size_t>(g.other_end(inc))]);
      local[static_cast<std::size_t>(l)] = c;
    }
    const int cur = labels[vs];
    const int arg = static_cast<int>(std::min_element(local.begin(), local.end()) - local.begin());
    const double now = local[static_cast<std::size_t>(cur)];
    const double tolerance = 1e-12 * std::max(1.0, std::abs(now));
    if (!(local[static_cast<std::size_t>(arg)] < now - tolerance)) continue;
    labels[vs] = arg;
    for (const Incidence& inc : g.adj[vs]) {
      const std::size_t w = static_cast<std::size_t>(g.other_end(inc));
      if (!queued[w]) {
        queued[w] = true;
        work.push_back(static_cast<int>(w));
      }
    }
  }
}

// Total cost without validation (labels in range).
double total_cost(const LayoutProblem& p, std::span<const int> labels) {
  const std::size_t L = static_cast<std::size_t>(p.label_count);
  double cost = 0.0;
  for (std::size_t v = 0; v < p.node_cost.size(); ++v)
    cost += p.node_cost[v][static_cast<std::size_t>(labels[v])];
  for (const auto& e : p.edges)
    cost += e.cost[static_cast<std::size_t>(labels[static_cast<std::size_t>(e.from)]) * L +
                   static_cast<std::size_t>(labels[static_cast<std::size_t>(e.to)])];
  return cost;
}

std::vector<int> dp_icm(const LayoutProblem& p, const MergedGraph& g) {
  const std::size_t n = static_cast<std::size_t>(g.n);
  const std::size_t L = static_cast<std::size_t>(g.labels);
  // Maximum spanning forest by each edge's spread (max - min), ties to the lower edge index.
  std::vector<double> spread(g.edges.size());
  for (std::size_t i = 0; i < g.edges.size(); ++i) {
    const auto [lo, hi] = std::minmax_element(g.edges[i].c.begin(), g.edges[i].c.end());
    spread[i] = *hi - *lo;
  }
  std::vector<std::size_t> order(g.edges.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t x, std::size_t y) { return spread[x] > spread[y]; });
  std::vector<bool> in_forest(g.edges.size(), false);
  DisjointSets sets(g.n);
  for (std::size_t i : order) in_forest[i] = sets.unite(g.edges[i].a, g.edges[i].b);

  std::vector<int> best = forest_dp(p, g, in_forest);
  icm(p, g, best);
  double best_cost = total_cost(p, best);
  for (std::size_t k = 0; k < L; ++k) {
    std::vector<int> start(n);
    for (std::size_t v = 0; v < n; ++v) {
      const auto& c = p.node_cost[v];
      start[v] = std::isfinite(c[k])
                     ? static_cast<int>(k)
                     : static_cast<int>(std::min_element(c.begin(), c.end()) - c.begin());
    }
    icm(p, g, start);
    const double cost = total_cost(p, start);
    if (cost < best_cost) {
      best_cost = cost;
      best = std::move(start);
    }
  }
  return best;
}

}  // namespace

std::string_view to_string(LayoutMethod m) {
  switch (m) {
    case LayoutMethod::automatic:
      return "auto";
    case LayoutMethod::single_label:
      return "single-label";
    case LayoutMethod::chain_dp:
      return "chain-dp";
    case LayoutMethod::min_cut:
      return "min-cut";
    case LayoutMethod::dp_icm:
      return "dp+icm";
  }
  return "unknown";
}

std::optional<LayoutMethod> layout_method_from_string(std::string_view s) {
  for (LayoutMethod m : {LayoutMethod::automatic, LayoutMethod::single_label,
                         LayoutMethod::chain_dp, LayoutMethod::min_cut, LayoutMethod::dp_icm})
    if (to_string(m) == s) return m;
  return std::nullopt;
}

void validate(const LayoutProblem& p) {
  PT_REQUIRE(p.label_count >= 1, invalid_argument,
             "layout problem: label_count is " << p.label_count << ", must be at least 1");
  PT_REQUIRE(p.node_cost.size() <= static_cast<std::size_t>(INT_MAX), invalid_argument,
             "layout problem: " << p.node_cost.size() << " nodes, more than an int can index");
  const std::size_t L = static_cast<std::size_t>(p.label_count);
  const int n = static_cast<int>(p.node_cost.size());
  for (std::size_t v = 0; v < p.node_cost.size(); ++v) {
    const auto& c = p.node_cost[v];
    PT_REQUIRE(c.size() == L, invalid_argument,
               "layout problem: node " << v << " has " << c.size() << " costs, expected " << L
                                       << " (one per label)");
    bool any = false;
    for (std::size_t l = 0; l < L; ++l) {
      PT_REQUIRE(!std::isnan(c[l]), invalid_argument,
                 "layout problem: node " << v << " cost of label " << l << " is NaN");
      PT_REQUIRE(c[l] >= 0, invalid_argument,
                 "layout problem: node " << v << " cost of label " << l << " is negative (" << c[l]
                                         << ")");
      any = any || std::isfinite(c[l]);
    }
    PT_REQUIRE(any, invalid_argument,
               "layout problem: node " << v << " allows no label (every cost is infinite)");
  }
  for (std::size_t i = 0; i < p.edges.size(); ++i) {
    const auto& e = p.edges[i];
    PT_REQUIRE(e.from >= 0 && e.from < n && e.to >= 0 && e.to < n, invalid_argument,
               "layout problem: edge " << i << " (" << e.from << " -> " << e.to
                                       << ") has an endpoint outside the " << n << " nodes");
    PT_REQUIRE(e.from < e.to, invalid_argument,
               "layout problem: edge " << i << " (" << e.from << " -> " << e.to
                                       << ") must go forward (nodes are in topological order, "
                                          "from < to)");
    PT_REQUIRE(e.cost.size() == L * L, invalid_argument,
               "layout problem: edge " << i << " (" << e.from << " -> " << e.to << ") has "
                                       << e.cost.size() << " costs, expected " << L * L
                                       << " (label_count^2)");
    for (std::size_t k = 0; k < e.cost.size(); ++k) {
      PT_REQUIRE(std::isfinite(e.cost[k]) && e.cost[k] >= 0, invalid_argument,
                 "layout problem: edge " << i << " (" << e.from << " -> " << e.to << ") cost["
                                         << k / L << "][" << k % L << "] is " << e.cost[k]
                                         << ", must be finite and >= 0");
    }
  }
}

double evaluate(const LayoutProblem& p, std::span<const int> labels) {
  validate(p);
  PT_REQUIRE(
      labels.size() == p.node_cost.size(), invalid_argument,
      "layout evaluate: " << labels.size() << " labels for " << p.node_cost.size() << " nodes");
  for (std::size_t v = 0; v < labels.size(); ++v)
    PT_REQUIRE(labels[v] >= 0 && labels[v] < p.label_count, invalid_argument,
               "layout evaluate: node " << v << " has label " << labels[v] << ", outside [0, "
                                        << p.label_count << ")");
  return total_cost(p, labels);
}

LayoutSolution assign_layouts(const LayoutProblem& p, const LayoutOptions& options) {
  validate(p);
  const MergedGraph g = merge_edges(p);
  const bool forest = is_forest(g);
  const bool submodular =
      p.label_count == 2 && std::all_of(g.edges.begin(), g.edges.end(), is_submodular);

  LayoutMethod method = options.method;
  if (method == LayoutMethod::automatic) {
    method = p.label_count == 1 ? LayoutMethod::single_label
             : forest           ? LayoutMethod::chain_dp
             : submodular       ? LayoutMethod::min_cut
                                : LayoutMethod::dp_icm;
  }
  LayoutSolution s;
  s.method = std::string(to_string(method));
  switch (method) {
    case LayoutMethod::single_label:
      PT_REQUIRE(p.label_count == 1, invalid_argument,
                 "layout method single-label needs label_count 1, not " << p.label_count);
      s.labels.assign(p.node_cost.size(), 0);
      s.exact = true;
      break;
    case LayoutMethod::chain_dp:
      PT_REQUIRE(forest, invalid_argument,
                 "layout method chain-dp needs a forest, but the graph (directions ignored, "
                 "parallel edges merged) has a cycle");
      s.labels = forest_dp(p, g, std::vector<bool>(g.edges.size(), true));
      s.exact = true;
      break;
    case LayoutMethod::min_cut:
      PT_REQUIRE(p.label_count == 2, invalid_argument,
                 "layout method min-cut needs 2 labels, not " << p.label_count);
      if (!submodular) {
        const auto bad = std::find_if_not(g.edges.begin(), g.edges.end(), is_submodular);
        PT_FAIL(invalid_argument,
                "layout method min-cut needs submodular edge costs (c(0,1) + c(1,0) >= "
                "c(0,0) + c(1,1)); the edges "
                    << bad->a << " -> " << bad->b << " (parallel ones summed) cost " << bad->c[0]
                    << " " << bad->c[1] << " / " << bad->c[2] << " " << bad->c[3]);
      }
      s.labels = min_cut(p, g);
      s.exact = true;
      break;
    case LayoutMethod::dp_icm:
      s.labels = dp_icm(p, g);
      s.exact = forest || p.label_count == 1;
      break;
    case LayoutMethod::automatic:
      PT_FAIL(internal, "layout method still automatic after choosing");
  }
  s.cost = total_cost(p, s.labels);
  PT_REQUIRE(std::isfinite(s.cost), internal,
             "layout method " << s.method << " returned a labelling of infinite cost");
  return s;
}

}  // namespace plantune::runtime
