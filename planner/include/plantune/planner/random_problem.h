#pragma once
// Synthetic placement problems for property tests and benchmarks: DNN-like lifetimes (mostly
// short, some medium, a few very long), log-uniform sizes, optional alignments, pinned buffers,
// aliases and empty buffers. The same options give the same problem on every platform (own
// integer mixing, no <random> distributions).
#include <cstdint>

#include "plantune/planner/problem.h"

namespace plantune::planner {

struct RandomProblemOptions {
  std::int32_t buffers = 1000;
  std::uint64_t seed = 1;
  std::int64_t steps = 0;            // timeline length; 0: as many steps as buffers
  std::int64_t min_size = 256;       // sizes are log-uniform in [min_size, max_size]
  std::int64_t max_size = std::int64_t{1} << 26;
  double medium_fraction = 0.09;     // lifetimes up to 1,000 steps (others: up to 32)
  double long_fraction = 0.01;       // lifetimes up to a quarter of the timeline
  bool random_alignment = false;     // power-of-two alignments 1..256 (else 1)
  double pinned_fraction = 0.0;      // buffers with a fixed offset (pairwise disjoint)
  double alias_fraction = 0.0;       // buffers aliasing an earlier root
  double empty_fraction = 0.0;       // buffers of size 0
};

// Throws invalid_argument for a negative count or an empty size range.
Problem random_problem(const RandomProblemOptions& options);

}  // namespace plantune::planner
