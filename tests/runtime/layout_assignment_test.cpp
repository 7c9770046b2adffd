#include "plantune/runtime/layout_assignment.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "plantune/core/error.h"

namespace plantune::runtime {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kTol = 1e-9;

using Edge = LayoutProblem::Edge;

// Edge cost with 0 on the diagonal and `t` for every change of label.
std::vector<double> uniform_transform(int labels, double t) {
  std::vector<double> c(static_cast<std::size_t>(labels * labels), t);
  for (int l = 0; l < labels; ++l) c[static_cast<std::size_t>(l * labels + l)] = 0.0;
  return c;
}

// ---- an independent reference: cost of a labelling, and the minimum over all of them ----

double reference_cost(const LayoutProblem& p, const std::vector<int>& x) {
  const int L = p.label_count;
  double c = 0;
  for (std::size_t v = 0; v < x.size(); ++v) c += p.node_cost[v][static_cast<std::size_t>(x[v])];
  for (const Edge& e : p.edges)
    c += e.cost[static_cast<std::size_t>(x[static_cast<std::size_t>(e.from)] * L +
                                         x[static_cast<std::size_t>(e.to)])];
  return c;
}

double brute_force(const LayoutProblem& p) {
  const std::size_t n = p.node_cost.size();
  std::vector<int> x(n, 0);
  double best = kInf;
  for (;;) {
    best = std::min(best, reference_cost(p, x));
    std::size_t i = 0;
    while (i < n && ++x[i] == p.label_count) x[i++] = 0;
    if (i == n) break;
  }
  return best;
}

// Whether the graph, directions ignored and parallel edges merged, is a forest.
bool reference_is_forest(const LayoutProblem& p) {
  std::map<std::pair<int, int>, int> distinct;
  for (const Edge& e : p.edges) distinct[{e.from, e.to}] = 1;
  std::vector<int> comp(p.node_cost.size());
  std::iota(comp.begin(), comp.end(), 0);
  for (const auto& [ft, unused] : distinct) {
    const int a = comp[static_cast<std::size_t>(ft.first)];
    const int b = comp[static_cast<std::size_t>(ft.second)];
    if (a == b) return false;
    for (int& c : comp)
      if (c == b) c = a;
  }
  return true;
}

bool reference_submodular(const LayoutProblem& p) {
  if (p.label_count != 2) return false;
  std::map<std::pair<int, int>, std::vector<double>> merged;
  for (const Edge& e : p.edges) {
    auto& c = merged[{e.from, e.to}];
    c.resize(4, 0.0);
    for (int k = 0; k < 4; ++k)
      c[static_cast<std::size_t>(k)] += e.cost[static_cast<std::size_t>(k)];
  }
  for (const auto& [ft, c] : merged)
    if (c[1] + c[2] < c[0] + c[3]) return false;
  return true;
}

// Every label allowed, cost consistent with evaluate() and the reference.
void expect_consistent(const LayoutProblem& p, const LayoutSolution& s) {
  ASSERT_EQ(s.labels.size(), p.node_cost.size());
  for (std::size_t v = 0; v < s.labels.size(); ++v) {
    ASSERT_GE(s.labels[v], 0);
    ASSERT_LT(s.labels[v], p.label_count);
    EXPECT_TRUE(std::isfinite(p.node_cost[v][static_cast<std::size_t>(s.labels[v])]))
        << "node " << v << " got a label it does not allow";
  }
  EXPECT_NEAR(s.cost, reference_cost(p, s.labels), kTol);
  EXPECT_DOUBLE_EQ(s.cost, evaluate(p, s.labels));
}

// ---- random problems shaped like networks ----

enum class Shape { chain, tree, dag };

struct Gen {
  explicit Gen(unsigned seed) : rng(seed) {}
  std::mt19937 rng;
  double uniform(double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(rng);
  }
  int integer(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
  bool chance(double p) { return uniform(0.0, 1.0) < p; }
};

struct CostStyle {
  bool layout_like = true;  // 0 on the diagonal (no transform between equal layouts)
  bool submodular = false;  // two labels: force c01 + c10 >= c00 + c11 on each edge
  bool coarse = false;      // costs in steps of 0.5, so that ties happen
};

std::vector<double> random_edge_cost(Gen& g, int L, const CostStyle& style) {
  std::vector<double> c(static_cast<std::size_t>(L * L));
  for (int a = 0; a < L; ++a)
    for (int b = 0; b < L; ++b) {
      double v = (style.layout_like && a == b) ? 0.0 : g.uniform(0.0, 8.0);
      if (style.coarse) v = std::round(v * 2.0) / 2.0;
      c[static_cast<std::size_t>(a * L + b)] = v;
    }
  if (style.submodular && L == 2 && c[1] + c[2] < c[0] + c[3])
    c = {c[1], c[0], c[3], c[2]};  // swap the sums exactly: now c01 + c10 > c00 + c11
  return c;
}

LayoutProblem random_problem(Gen& g, int n, int L, Shape shape, const CostStyle& style) {
  LayoutProblem p;
  p.label_count = L;
  for (int v = 0; v < n; ++v) {
    std::vector<double> c(static_cast<std::size_t>(L));
    bool any = false;
    for (double& x : c) {
      x = g.chance(0.15) ? kInf : g.uniform(0.0, 10.0);
      if (style.coarse && std::isfinite(x)) x = std::round(x * 2.0) / 2.0;
      any = any || std::isfinite(x);
    }
    if (!any) c[static_cast<std::size_t>(g.integer(0, L - 1))] = g.uniform(0.0, 10.0);
    p.node_cost.push_back(c);
  }
  if (n > 0 && g.chance(0.5)) {  // a graph input fixed in layout 0
    auto& c = p.node_cost[0];
    std::fill(c.begin(), c.end(), kInf);
    c[0] = 0.0;
  }
  auto add = [&](int from, int to) {
    p.edges.push_back(Edge{from, to, random_edge_cost(g, L, style)});
    if (g.chance(0.05))  // the same tensor read twice, e.g. add(x, x)
      p.edges.push_back(Edge{from, to, random_edge_cost(g, L, style)});
  };
  switch (shape) {
    case Shape::chain:
      for (int v = 1; v < n; ++v) add(v - 1, v);
      break;
    case Shape::tree: {
      // A random tree over a random order of the nodes, oriented low -> high: forks and joins
      // (a concat of independent branches) both appear; sometimes several trees.
      std::vector<int> perm(static_cast<std::size_t>(n));
      std::iota(perm.begin(), perm.end(), 0);
      std::shuffle(perm.begin(), perm.end(), g.rng);
      for (int k = 1; k < n; ++k) {
        if (g.chance(0.1)) continue;
        const int a = perm[static_cast<std::size_t>(k)];
        const int b = perm[static_cast<std::size_t>(g.integer(0, k - 1))];
        add(std::min(a, b), std::max(a, b));
      }
      break;
    }
    case Shape::dag:
      for (int v = 1; v < n; ++v) {
        if (g.chance(0.85))
          add(v - 1, v);  // the backbone
        else if (!g.chance(0.2))
          add(g.integer(0, v - 1), v);  // a branch from anywhere earlier
        if (v >= 2 && g.chance(0.3)) add(v - g.integer(2, std::min(3, v)), v);  // residual skip
        if (v >= 3 && g.chance(0.15)) add(g.integer(0, v - 3), v);              // concat join
      }
      break;
  }
  return p;
}

// ---- random problems against brute force ----

TEST(LayoutAssignment, ForestsAreSolvedExactlyByDpAndTheHeuristicMatches) {
  Gen g(11);
  int cases = 0;
  for (int L : {2, 3})
    for (Shape shape : {Shape::chain, Shape::tree})
      for (int n = 1; n <= 12; ++n)
        for (int rep = 0; rep < (L == 3 && n > 10 ? 3 : 8); ++rep) {
          CostStyle style;
          style.layout_like = rep % 2 == 0;
          style.coarse = rep % 4 == 1;
          const LayoutProblem p = random_problem(g, n, L, shape, style);
          SCOPED_TRACE("L=" + std::to_string(L) + " n=" + std::to_string(n) + " shape=" +
                       std::to_string(static_cast<int>(shape)) + " rep=" + std::to_string(rep));
          const double best = brute_force(p);
          const LayoutSolution s = assign_layouts(p);
          EXPECT_EQ(s.method, "chain-dp");
          EXPECT_TRUE(s.exact);
          expect_consistent(p, s);
          EXPECT_NEAR(s.cost, best, kTol);

          LayoutOptions heuristic;
          heuristic.method = LayoutMethod::dp_icm;
          const LayoutSolution h = assign_layouts(p, heuristic);
          EXPECT_EQ(h.method, "dp+icm");
          EXPECT_TRUE(h.exact);  // on a forest its spanning-forest DP is the whole problem
          expect_consistent(p, h);
          EXPECT_NEAR(h.cost, best, kTol);

          if (L == 2 && reference_submodular(p)) {
            LayoutOptions cut;
            cut.method = LayoutMethod::min_cut;
            const LayoutSolution m = assign_layouts(p, cut);
            expect_consistent(p, m);
            EXPECT_NEAR(m.cost, best, kTol);
          }
          ++cases;
        }
  EXPECT_GT(cases, 300);
}

TEST(LayoutAssignment, TwoLabelSubmodularDagsAreSolvedExactlyByMinCut) {
  Gen g(22);
  int min_cut_runs = 0;
  for (int n = 2; n <= 12; ++n)
    for (int rep = 0; rep < 30; ++rep) {
      CostStyle style;
      style.layout_like = rep % 2 == 0;  // always submodular
      style.submodular = true;           // general costs, made submodular
      style.coarse = rep % 3 == 0;
      const LayoutProblem p = random_problem(g, n, 2, Shape::dag, style);
      SCOPED_TRACE("n=" + std::to_string(n) + " rep=" + std::to_string(rep));
      ASSERT_TRUE(reference_submodular(p));
      const double best = brute_force(p);
      const LayoutSolution s = assign_layouts(p);
      EXPECT_EQ(s.method, reference_is_forest(p) ? "chain-dp" : "min-cut");
      EXPECT_TRUE(s.exact);
      expect_consistent(p, s);
      EXPECT_NEAR(s.cost, best, kTol);

      LayoutOptions cut;
      cut.method = LayoutMethod::min_cut;
      const LayoutSolution m = assign_layouts(p, cut);
      expect_consistent(p, m);
      EXPECT_NEAR(m.cost, best, kTol);
      ++min_cut_runs;
    }
  EXPECT_EQ(min_cut_runs, 11 * 30);
}

// No single-node change lowers the cost (beyond rounding).
void expect_local_minimum(const LayoutProblem& p, const LayoutSolution& s) {
  std::vector<int> x = s.labels;
  for (std::size_t v = 0; v < x.size(); ++v) {
    const int keep = x[v];
    for (int l = 0; l < p.label_count; ++l) {
      x[v] = l;
      EXPECT_GE(reference_cost(p, x), s.cost - 1e-9) << "node " << v << " -> label " << l;
    }
    x[v] = keep;
  }
}

TEST(LayoutAssignment, HeuristicIsNeverBelowBruteForceOnDags) {
  Gen g(33);
  int runs = 0, optimal = 0;
  double worst_gap = 0;
  for (int L : {2, 3})
    for (int n = 3; n <= 12; ++n)
      for (int rep = 0; rep < (L == 3 && n > 10 ? 6 : 20); ++rep) {
        CostStyle style;
        style.layout_like = L == 3 && rep % 2 == 0;  // two labels: general costs, mostly
        style.coarse = rep % 4 == 1;                 // non-submodular somewhere
        const LayoutProblem p = random_problem(g, n, L, Shape::dag, style);
        SCOPED_TRACE("L=" + std::to_string(L) + " n=" + std::to_string(n) +
                     " rep=" + std::to_string(rep));
        const double best = brute_force(p);
        const LayoutSolution s = assign_layouts(p);
        const bool forest = reference_is_forest(p);
        const bool cut = reference_submodular(p);
        EXPECT_EQ(s.method, forest ? "chain-dp" : cut ? "min-cut" : "dp+icm");
        EXPECT_EQ(s.exact, forest || cut);
        expect_consistent(p, s);
        if (s.exact) {
          EXPECT_NEAR(s.cost, best, kTol);
        } else {
          EXPECT_GE(s.cost, best - kTol);
          expect_local_minimum(p, s);
          ++runs;
          if (s.cost <= best + kTol) ++optimal;
          worst_gap = std::max(worst_gap, (s.cost - best) / std::max(best, 1e-12));
        }
      }
  std::printf("dp+icm: optimal on %d of %d random DAGs, worst relative gap %.3f\n", optimal, runs,
              worst_gap);
  EXPECT_GT(runs, 200);
  // A loose quality floor: the descent from the DP and the uniform labellings is usually optimal.
  EXPECT_GE(optimal, runs / 2);
}

// ---- hand examples ----

TEST(LayoutAssignment, OneExpensiveTransformKeepsTheWholeChainInOneLayout) {
  // input (fixed NCHW) -> conv x4; every conv is faster in NHWC (one of them by a lot), but
  // leaving NCHW costs 10 on any edge, more than all the gains together (1 + 1 + 4 + 1 = 7):
  // a per-layer choice would pick NHWC everywhere, the optimum stays NCHW everywhere.
  LayoutProblem p;
  p.label_count = 2;
  p.node_cost = {{0, kInf}, {3, 2}, {3, 2}, {6, 2}, {3, 2}};
  for (int v = 1; v < 5; ++v) p.edges.push_back(Edge{v - 1, v, uniform_transform(2, 10.0)});
  LayoutSolution s = assign_layouts(p);
  EXPECT_EQ(s.method, "chain-dp");
  EXPECT_EQ(s.labels, (std::vector<int>{0, 0, 0, 0, 0}));
  EXPECT_DOUBLE_EQ(s.cost, 15.0);
  EXPECT_DOUBLE_EQ(s.cost, brute_force(p));

  // When converting the input is cheap (5 on its edge only), everything after it is NHWC.
  p.edges[0].cost = uniform_transform(2, 5.0);
  s = assign_layouts(p);
  EXPECT_EQ(s.labels, (std::vector<int>{0, 1, 1, 1, 1}));
  EXPECT_DOUBLE_EQ(s.cost, 13.0);
  EXPECT_DOUBLE_EQ(s.cost, brute_force(p));
}

TEST(LayoutAssignment, TheSkipEdgeOfAResidualBlockChangesTheAnswer) {
  // x (fixed NCHW) -> conv a -> conv b -> add(b, x). Each conv saves 1.5 in NHWC; a layout
  // change costs 2 on any edge.
  LayoutProblem p;
  p.label_count = 2;
  p.node_cost = {{0, kInf}, {4, 2.5}, {4, 2.5}, {1, 1}};
  const auto t = uniform_transform(2, 2.0);
  p.edges = {Edge{0, 1, t}, Edge{1, 2, t}, Edge{2, 3, t}};
  // Without the skip edge: convert once after x and stay NHWC (2 + 2.5 + 2.5 + 1 = 8 < 9).
  LayoutSolution s = assign_layouts(p);
  EXPECT_EQ(s.method, "chain-dp");
  EXPECT_EQ(s.labels, (std::vector<int>{0, 1, 1, 1}));
  EXPECT_DOUBLE_EQ(s.cost, 8.0);

  // With it, the add must also convert x (or convert b back): 10 either way; all NCHW is 9.
  p.edges.push_back(Edge{0, 3, t});
  s = assign_layouts(p);
  EXPECT_EQ(s.method, "min-cut");
  EXPECT_TRUE(s.exact);
  EXPECT_EQ(s.labels, (std::vector<int>{0, 0, 0, 0}));
  EXPECT_DOUBLE_EQ(s.cost, 9.0);
  EXPECT_DOUBLE_EQ(brute_force(p), 9.0);

  // The same block with a third layout that only the convs can use, cheaper for them (1.5 and
  // 1.25) but 2.5 per change into or out of it: x -> a and b -> add change, the skip edge
  // stays NCHW: 2.5 + 1.5 + 1.25 + 2.5 + 1 = 8.75 < 9 (all NCHW) < 10 (NHWC as above).
  LayoutProblem q;
  q.label_count = 3;
  q.node_cost = {{0, kInf, kInf}, {4, 2.5, 1.5}, {4, 2.5, 1.25}, {1, 1, kInf}};
  std::vector<double> t3 = {0, 2, 2.5, 2, 0, 2.5, 2.5, 2.5, 0};
  q.edges = {Edge{0, 1, t3}, Edge{1, 2, t3}, Edge{2, 3, t3}, Edge{0, 3, t3}};
  s = assign_layouts(q);
  EXPECT_EQ(s.method, "dp+icm");
  EXPECT_FALSE(s.exact);
  EXPECT_DOUBLE_EQ(brute_force(q), 8.75);
  EXPECT_EQ(s.labels, (std::vector<int>{0, 2, 2, 0}));
  EXPECT_DOUBLE_EQ(s.cost, 8.75);
}

TEST(LayoutAssignment, ParallelEdgesAddUpAndKeepATree) {
  // add(x, x): two edges 0 -> 1; a tree once merged, and both transforms are paid.
  LayoutProblem p;
  p.label_count = 2;
  p.node_cost = {{0, kInf}, {5, 2}};
  p.edges = {Edge{0, 1, uniform_transform(2, 2.0)}, Edge{0, 1, uniform_transform(2, 2.0)}};
  const LayoutSolution s = assign_layouts(p);
  EXPECT_EQ(s.method, "chain-dp");
  EXPECT_EQ(s.labels, (std::vector<int>{0, 0}));  // 5 < 2 + 2 + 2
  EXPECT_DOUBLE_EQ(s.cost, 5.0);
}

TEST(LayoutAssignment, TrivialProblems) {
  LayoutProblem empty;
  empty.label_count = 2;
  LayoutSolution s = assign_layouts(empty);
  EXPECT_TRUE(s.labels.empty());
  EXPECT_EQ(s.cost, 0.0);
  EXPECT_TRUE(s.exact);

  LayoutProblem one_label;
  one_label.label_count = 1;
  one_label.node_cost = {{1}, {2}, {3}};
  one_label.edges = {Edge{0, 1, {0.5}}, Edge{1, 2, {0.5}}, Edge{0, 2, {0.5}}};
  s = assign_layouts(one_label);
  EXPECT_EQ(s.method, "single-label");
  EXPECT_TRUE(s.exact);
  EXPECT_EQ(s.labels, (std::vector<int>{0, 0, 0}));
  EXPECT_DOUBLE_EQ(s.cost, 7.5);
}

// ---- forced methods, names, errors ----

TEST(LayoutAssignment, MethodNamesRoundTrip) {
  for (LayoutMethod m : {LayoutMethod::automatic, LayoutMethod::single_label,
                         LayoutMethod::chain_dp, LayoutMethod::min_cut, LayoutMethod::dp_icm})
    EXPECT_EQ(layout_method_from_string(to_string(m)), m);
  EXPECT_EQ(to_string(LayoutMethod::dp_icm), "dp+icm");
  EXPECT_FALSE(layout_method_from_string("greedy").has_value());
}

void expect_invalid(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one mentioning \"" << needle << "\"";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
        << "message \"" << e.what() << "\" does not mention \"" << needle << "\"";
  }
}

LayoutProblem residual_block() {
  LayoutProblem p;
  p.label_count = 2;
  p.node_cost = {{0, 1}, {1, 0}, {1, 0}};
  p.edges = {Edge{0, 1, uniform_transform(2, 1)}, Edge{1, 2, uniform_transform(2, 1)},
             Edge{0, 2, uniform_transform(2, 1)}};
  return p;
}

TEST(LayoutAssignment, ForcedMethodsThatDoNotApplySayWhy) {
  auto forced = [](LayoutMethod m) {
    LayoutOptions o;
    o.method = m;
    return o;
  };
  const LayoutProblem cyclic = residual_block();
  expect_invalid([&] { assign_layouts(cyclic, forced(LayoutMethod::chain_dp)); }, "cycle");
  expect_invalid([&] { assign_layouts(cyclic, forced(LayoutMethod::single_label)); },
                 "label_count 1");
  LayoutProblem three = cyclic;
  three.label_count = 3;
  for (auto& c : three.node_cost) c.push_back(5);
  for (auto& e : three.edges) e.cost = uniform_transform(3, 1);
  expect_invalid([&] { assign_layouts(three, forced(LayoutMethod::min_cut)); }, "2 labels");
  LayoutProblem not_sub = cyclic;
  not_sub.edges[1].cost = {3, 0, 0, 3};  // equal labels cost more than different ones
  expect_invalid([&] { assign_layouts(not_sub, forced(LayoutMethod::min_cut)); }, "1 -> 2");
  EXPECT_EQ(assign_layouts(not_sub).method, "dp+icm");
  // A forced dp+icm runs anywhere, and a forced min-cut on a two-label tree is exact.
  EXPECT_NEAR(assign_layouts(not_sub, forced(LayoutMethod::dp_icm)).cost, brute_force(not_sub),
              kTol);
  LayoutProblem chain = cyclic;
  chain.edges.pop_back();
  EXPECT_NEAR(assign_layouts(chain, forced(LayoutMethod::min_cut)).cost, brute_force(chain), kTol);
}

TEST(LayoutAssignment, BadInputIsRejectedNamingTheNodeOrEdge) {
  auto with = [](const std::function<void(LayoutProblem&)>& edit) {
    LayoutProblem p = residual_block();
    edit(p);
    return p;
  };
  const std::vector<std::pair<LayoutProblem, std::string>> cases = {
      {with([](LayoutProblem& p) { p.label_count = 0; }), "label_count is 0"},
      {with([](LayoutProblem& p) { p.node_cost[1].pop_back(); }), "node 1 has 1 costs"},
      {with([](LayoutProblem& p) { p.node_cost[2][1] = -1; }),
       "node 2 cost of label 1 is negative"},
      {with([](LayoutProblem& p) { p.node_cost[0][0] = std::nan(""); }),
       "node 0 cost of label 0 is NaN"},
      {with([](LayoutProblem& p) {
         p.node_cost[1] = {kInf, kInf};
       }),
       "node 1 allows no label"},
      {with([](LayoutProblem& p) { p.edges[2].to = 7; }), "edge 2 (0 -> 7)"},
      {with([](LayoutProblem& p) { p.edges[1].from = -1; }), "edge 1 (-1 -> 2)"},
      {with([](LayoutProblem& p) { std::swap(p.edges[0].from, p.edges[0].to); }),
       "edge 0 (1 -> 0) must go forward"},
      {with([](LayoutProblem& p) { p.edges[1].from = 2; }), "edge 1 (2 -> 2) must go forward"},
      {with([](LayoutProblem& p) { p.edges[2].cost.pop_back(); }), "edge 2 (0 -> 2) has 3 costs"},
      {with([](LayoutProblem& p) { p.edges[0].cost[1] = -0.5; }), "edge 0 (0 -> 1) cost[0][1]"},
      {with([](LayoutProblem& p) { p.edges[1].cost[2] = kInf; }), "edge 1 (1 -> 2) cost[1][0]"},
  };
  for (const auto& [p, needle] : cases) {
    expect_invalid([&] { assign_layouts(p); }, needle);
    expect_invalid([&] { validate(p); }, needle);
  }
  EXPECT_NO_THROW(validate(residual_block()));
}

TEST(LayoutAssignment, EvaluateChecksLabels) {
  LayoutProblem p = residual_block();
  p.node_cost[1][1] = kInf;
  EXPECT_DOUBLE_EQ(evaluate(p, std::vector<int>{0, 0, 0}), 2.0);
  EXPECT_DOUBLE_EQ(evaluate(p, std::vector<int>{1, 0, 1}), 1 + 1 + 0 + 1 + 1 + 0);
  EXPECT_EQ(evaluate(p, std::vector<int>{0, 1, 0}), kInf);
  expect_invalid([&] { evaluate(p, std::vector<int>{0, 2, 0}); }, "node 1 has label 2");
  expect_invalid([&] { evaluate(p, std::vector<int>{0, 0}); }, "2 labels for 3 nodes");
}

// ---- size ----

TEST(LayoutAssignment, TenThousandNodeNetworksSolveQuickly) {
  Gen g(44);
  constexpr int n = 10000;
  struct Case {
    const char* name;
    int labels;
    Shape shape;
    const char* method;
  };
  for (const Case& c : {Case{"chain, 3 labels", 3, Shape::chain, "chain-dp"},
                        Case{"DAG, 2 labels", 2, Shape::dag, "min-cut"},
                        Case{"DAG, 3 labels", 3, Shape::dag, "dp+icm"}}) {
    CostStyle style;  // layout-like: 0 on the diagonal, so two labels are submodular
    const LayoutProblem p = random_problem(g, n, c.labels, c.shape, style);
    const auto start = std::chrono::steady_clock::now();
    const LayoutSolution s = assign_layouts(p);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%d nodes, %zu edges, %s: %s in %.3f s, cost %.3f\n", n, p.edges.size(), c.name,
                s.method.c_str(), seconds, s.cost);
    EXPECT_EQ(s.method, c.method);
    expect_consistent(p, s);
    EXPECT_LT(seconds, 10.0);  // about 0.1 s in a release build; loose for debug/sanitizers
    if (s.method == std::string("min-cut")) {
      // The exact answer bounds the heuristic from below on the same problem.
      LayoutOptions heuristic;
      heuristic.method = LayoutMethod::dp_icm;
      const LayoutSolution h = assign_layouts(p, heuristic);
      EXPECT_GE(h.cost, s.cost - 1e-9 * s.cost);
      std::printf("  dp+icm on the same problem: cost %.3f (%.4f%% above the min-cut)\n", h.cost,
                  100.0 * (h.cost - s.cost) / s.cost);
    }
  }
}

}  // namespace
}  // namespace plantune::runtime
