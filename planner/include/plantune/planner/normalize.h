#pragma once
// Alias folding: the placers see only root buffers (no aliases); plan() maps their offsets back.
#include <cstdint>
#include <vector>

#include "plantune/planner/problem.h"

namespace plantune::planner {

// A problem without aliases plus the way back to the original buffers.
struct NormalizedProblem {
  Problem problem;                          // roots only, ids 0..m-1 in original order, no aliases
  std::vector<std::int32_t> root_of;        // per original buffer: its root's id in `problem`
  std::vector<std::int64_t> offset_in_root; // per original buffer: byte offset inside that root
  std::vector<std::int32_t> original_id;    // per root: its id in the original problem
};

// Validates `problem`, then folds each alias chain into its root: the root's interval becomes the
// hull of its members' intervals (members of size > 0), its size covers every member's extent and
// its alignment is the largest member alignment. Throws invalid_argument when two pinned roots
// are live together and overlap in bytes.
NormalizedProblem normalize(const Problem& problem);

// Absolute offset of every original buffer: root offset + offset in root.
std::vector<std::int64_t> resolve_offsets(const NormalizedProblem& normalized,
                                          const std::vector<std::int64_t>& root_offsets);

}  // namespace plantune::planner
