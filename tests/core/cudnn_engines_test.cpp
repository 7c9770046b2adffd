// Engine enumeration, notes, knobs and configurations on an operation graph built without a
// handle. cuDNN 9.19 lists and finalizes engines even on a machine without a GPU (see Note
// [cuDNN backend descriptors]); where the loaded cuDNN will not, the tests skip and say so.
// Plans and execution need a GPU: cudnn_conv_test covers them.
#include "plantune/core/cudnn_engines.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "plantune/core/cudnn_backend_names.h"
#include "plantune/core/cudnn_graph_ops.h"
#include "plantune/core/error.h"

namespace {

using plantune::BackendDescriptor;
using V = std::vector<std::int64_t>;

// fp16 NHWC 3x3 convolution 2x32x16x16 -> 2x64x16x16, as a graph without a handle.
struct Graph {
  std::vector<BackendDescriptor> parts;  // tensors and convolution, kept alive
  std::vector<BackendDescriptor> ops;
  BackendDescriptor graph;
};

std::optional<Graph> make_graph(std::string* why) {
  Graph g;
  const V xd = {2, 32, 16, 16}, wd = {64, 32, 3, 3}, yd = {2, 64, 16, 16};
  g.parts.push_back(
      plantune::make_tensor(1, CUDNN_DATA_HALF, xd, plantune::packed_strides(xd, true)));
  g.parts.push_back(
      plantune::make_tensor(2, CUDNN_DATA_HALF, wd, plantune::packed_strides(wd, true)));
  g.parts.push_back(
      plantune::make_tensor(3, CUDNN_DATA_HALF, yd, plantune::packed_strides(yd, true)));
  g.parts.push_back(
      plantune::make_convolution(V{1, 1}, V{1, 1}, V{1, 1}, V{1, 1}, CUDNN_DATA_FLOAT));
  g.ops.push_back(plantune::make_conv_forward(g.parts[0], g.parts[1], g.parts[2], g.parts[3],
                                              CUDNN_DATA_FLOAT));
  try {
    g.graph = plantune::make_operation_graph(nullptr, g.ops);
  } catch (const plantune::Error& e) {
    *why = e.what();
    return std::nullopt;
  }
  return g;
}

// The finalized engines of `graph`, by global index.
std::vector<BackendDescriptor> supported_engines(const BackendDescriptor& graph) {
  std::vector<BackendDescriptor> out;
  const std::int64_t count = plantune::engine_global_count(graph);
  for (std::int64_t i = 0; i < count; ++i) {
    BackendDescriptor e = plantune::try_make_engine(graph, i);
    if (e.finalized()) out.push_back(std::move(e));
  }
  return out;
}

#define PT_GRAPH_OR_SKIP(g)                   \
  std::string why_;                           \
  std::optional<Graph> g = make_graph(&why_); \
  if (!g) GTEST_SKIP() << "this cuDNN builds no operation graph without a handle: " << why_

TEST(CudnnEngines, EnumeratesEnginesAndReadsTheirIndexAndKnobs) {
  PT_GRAPH_OR_SKIP(g);
  const std::int64_t count = plantune::engine_global_count(g->graph);
  EXPECT_GT(count, 0);
  std::vector<BackendDescriptor> engines = supported_engines(g->graph);
  if (engines.empty()) GTEST_SKIP() << "no engine finalizes without a GPU here";
  for (const BackendDescriptor& e : engines) {
    plantune::EngineInfo info = plantune::query_engine(e);
    EXPECT_GE(info.global_index, 0);
    EXPECT_LT(info.global_index, count);
    for (const plantune::KnobInfo& k : info.knobs) {
      EXPECT_LE(k.min_value, k.max_value) << plantune::to_string(k.type);
      EXPECT_LT(static_cast<int>(k.type), 1000) << "implausible knob type";
    }
  }
  // Global indices come back as they were asked for.
  for (std::size_t i = 1; i < engines.size(); ++i) {
    EXPECT_LT(plantune::query_engine(engines[i - 1]).global_index,
              plantune::query_engine(engines[i]).global_index);
  }
}

TEST(CudnnEngines, UnsupportedIndexIsAnOutcomeNotAnError) {
  PT_GRAPH_OR_SKIP(g);
  const std::int64_t count = plantune::engine_global_count(g->graph);
  int refused = 0;
  for (std::int64_t i = 0; i < count; ++i) {
    BackendDescriptor e = plantune::try_make_engine(g->graph, i);
    if (!e.finalized()) {
      ++refused;
      EXPECT_NE(e.finalize_status(), CUDNN_STATUS_SUCCESS);
      // The throwing form reports the same refusal as an Error naming the engine.
      try {
        plantune::make_engine(g->graph, i);
        ADD_FAILURE() << "make_engine(" << i << ") must throw when try_make_engine failed";
      } catch (const plantune::Error& err) {
        EXPECT_NE(std::string(err.what()).find("engine " + std::to_string(i)), std::string::npos)
            << err.what();
      }
      break;  // one is enough
    }
  }
  if (refused == 0) GTEST_SKIP() << "every engine accepted this graph";
}

TEST(CudnnEngines, ConfigWithExplicitKnobsReadsBackTheSameKnobs) {
  PT_GRAPH_OR_SKIP(g);
  for (const BackendDescriptor& e : supported_engines(g->graph)) {
    plantune::EngineInfo info = plantune::query_engine(e);
    if (info.knobs.empty()) continue;
    // Every knob at its minimum: a legal value by the engine's own description.
    std::vector<plantune::KnobChoice> choices;
    for (const plantune::KnobInfo& k : info.knobs) choices.push_back({k.type, k.min_value});
    BackendDescriptor cfg = plantune::try_make_engine_config(e, choices);
    if (!cfg.finalized()) continue;
    // Every knob read back has the value chosen for it (cuDNN may leave out knobs it no longer
    // uses, such as deprecated types).
    std::vector<plantune::KnobChoice> back = plantune::knob_choices_of(cfg);
    EXPECT_FALSE(back.empty());
    for (const plantune::KnobChoice& b : back) {
      EXPECT_NE(std::find(choices.begin(), choices.end(), b), choices.end())
          << plantune::to_string(b.type) << "=" << b.value << " was not chosen; chose "
          << plantune::describe_config(info.global_index, choices);
    }
    // The engine read back from the configuration is the same engine.
    EXPECT_EQ(plantune::query_engine(plantune::engine_of(cfg)).global_index, info.global_index);
    return;
  }
  GTEST_SKIP() << "no engine with knobs finalizes a configuration without a GPU here";
}

TEST(CudnnEngines, DescribeConfigNamesEngineAndKnobs) {
  std::vector<plantune::KnobChoice> knobs = {{CUDNN_KNOB_TYPE_TILE_SIZE, 3},
                                             {CUDNN_KNOB_TYPE_STAGES, 2}};
  EXPECT_EQ(plantune::describe_config(12, knobs), "engine 12 {TILE_SIZE=3, STAGES=2}");
  EXPECT_EQ(plantune::describe_config(0, {}), "engine 0 {}");
}

TEST(CudnnEngines, WrongDescriptorTypesAreInvalidArguments) {
  BackendDescriptor tensor(CUDNN_BACKEND_TENSOR_DESCRIPTOR);
  EXPECT_THROW(plantune::engine_global_count(tensor), plantune::Error);
  EXPECT_THROW(plantune::try_make_engine(tensor, 0), plantune::Error);
  EXPECT_THROW(plantune::query_engine(tensor), plantune::Error);
  EXPECT_THROW(plantune::workspace_size(tensor), plantune::Error);
  EXPECT_THROW(plantune::make_variant_pack(V{1, 2}, std::vector<void*>{nullptr}, nullptr),
               plantune::Error);
}

}  // namespace
