#pragma once
// Layout assignment: one label (a layout, e.g. 0 = NCHW, 1 = NHWC) per node of a DAG, at the
// lowest total cost
//     sum over nodes v of node_cost[v][label_v]                 (the layer's time in that layout)
//   + sum over edges e = (u -> v) of e.cost[label_u][label_v]   (converting u's output for v).
// Plain data in, plain data out: the schedule builder fills the costs from the tactic database
// and the transform costs; nothing here knows about layers or devices. See
// Note [Layout assignment methods] in layout_assignment.cpp.
//
// Methods (assign_layouts picks the first that applies, in this order):
//   "single-label"  label_count == 1: the only labelling. Exact.
//   "chain-dp"      the graph, edge directions ignored and parallel edges merged, is a forest
//                   (chains, trees that fork, trees that join, no cycle): dynamic programming
//                   over each tree. Exact. O(E * labels^2).
//   "min-cut"       two labels on any DAG whose merged edge costs are all submodular,
//                   c(0,1) + c(1,0) >= c(0,0) + c(1,1) (true whenever equal labels cost 0): an
//                   s-t minimum cut (Dinic's max flow). Exact.
//   "dp+icm"        anything else (three or more labels on a DAG with a cycle, e.g. a residual
//                   block, or non-submodular two-label costs): exact DP over a maximum spanning
//                   forest of the graph, the edges left out (extra predecessors: skip edges,
//                   joins) handled greedily by iterated conditional modes until no single-node
//                   change improves, started from the DP labelling and from every uniform
//                   labelling; the best is kept. A local optimum, reported exact = false
//                   (except when forced on a forest, where its DP alone is already optimal).
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace plantune::runtime {

// Nodes are 0..node_cost.size()-1 in a topological order: every edge has from < to. To fix a
// node (a graph input in a given layout), give every other label an infinite cost.
struct LayoutProblem {
  struct Edge {
    int from = 0;              // producer node
    int to = 0;                // consumer node (from < to)
    std::vector<double> cost;  // label_count^2 entries, row = from's label: cost[a * L + b];
                               // finite, >= 0 (usually 0 on the diagonal)
  };
  int label_count = 0;                         // >= 1
  std::vector<std::vector<double>> node_cost;  // [node][label], >= 0; +infinity = not allowed
  std::vector<Edge> edges;                     // parallel edges allowed (their costs add up)
};

enum class LayoutMethod { automatic, single_label, chain_dp, min_cut, dp_icm };

// "auto", "single-label", "chain-dp", "min-cut", "dp+icm".
std::string_view to_string(LayoutMethod m);
std::optional<LayoutMethod> layout_method_from_string(std::string_view s);

struct LayoutOptions {
  // automatic picks as listed above. Forcing a method is for tests and comparisons: a forced
  // single-label, chain-dp or min-cut throws invalid_argument (saying why) where it does not
  // apply; a forced dp+icm runs on any problem.
  LayoutMethod method = LayoutMethod::automatic;
};

struct LayoutSolution {
  std::vector<int> labels;  // one per node, each allowed (finite node cost)
  double cost = 0.0;        // evaluate(problem, labels)
  std::string method;       // to_string of the method that ran
  bool exact = true;        // cost is the proven minimum
};

// Throws invalid_argument naming the node or edge when: label_count < 1; a node's cost list
// does not have label_count entries; a cost is NaN or negative, or an edge cost is infinite;
// a node allows no label (every cost infinite); an edge endpoint is out of range, or an edge
// goes backward or to itself (from >= to); an edge's cost does not have label_count^2 entries.
void validate(const LayoutProblem& problem);

// The lowest-cost labelling the chosen method finds. Validates first (see validate()). Every
// node gets an allowed label and the cost is always finite. Deterministic: the same problem
// gives the same labelling. An empty problem gives an empty labelling of cost 0.
LayoutSolution assign_layouts(const LayoutProblem& problem, const LayoutOptions& options = {});

// Total cost of `labels` (one per node, each in [0, label_count)): +infinity when a node has
// a label it does not allow. Validates the problem; throws invalid_argument naming the node
// whose label is out of range, or when the count differs from the node count.
double evaluate(const LayoutProblem& problem, std::span<const int> labels);

}  // namespace plantune::runtime
