#pragma once
// fuse(): a Graph's ops -> Layers (layer.h), with the reason each fusion did not happen.
#include <cstddef>
#include <string>
#include <vector>

#include "plantune/core/graph.h"
#include "plantune/runtime/layer.h"

namespace plantune::runtime {

struct FusionOptions {
  bool fold_batch_norm = true;  // conv2d -> batch_norm becomes one conv with folded weights
  bool fuse_activation = true;  // conv / fully_connected / add -> activation
  bool fuse_residual = true;    // conv -> add(conv, z) becomes conv with a residual epilogue
};

// A fusion that was possible in shape but not done, with why (for the schedule's report).
struct FusionNote {
  std::string op;      // the op that stayed a layer of its own
  std::string reason;  // "input read by 2 ops", "conv2d_transpose cannot fold", ...
};

struct FusionResult {
  std::vector<Layer> layers;
  std::vector<FusionNote> notes;
  std::size_t ops_before = 0;  // graph ops
  // Layers that execute something (views, i.e. flatten/reshape, excluded).
  std::size_t executed_layers() const;
};

// Fuses `g` (validated). An intermediate tensor is absorbed only when its single reader is the
// op fused into it and it is not a graph output, so no other layer ever needs it.
FusionResult fuse(const Graph& g, const FusionOptions& options = {});

}  // namespace plantune::runtime
