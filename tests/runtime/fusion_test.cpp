#include "plantune/runtime/fusion.h"

#include <gtest/gtest.h>

#include <set>

#include "plantune/core/graph_builder.h"
#include "plantune/models/registry.h"

namespace plantune::runtime {
namespace {

// Every op in exactly one layer, layers in a topological order, outputs kept.
void expect_sound(const Graph& g, const FusionResult& r) {
  std::set<std::size_t> seen;
  std::set<TensorId> ready(g.inputs().begin(), g.inputs().end());
  for (const Layer& l : r.layers) {
    for (std::size_t op : l.ops) EXPECT_TRUE(seen.insert(op).second) << "op " << op << " twice";
    for (TensorId t : l.reads()) EXPECT_TRUE(ready.count(t)) << l.name << " reads too early";
    ready.insert(l.output);
    EXPECT_EQ(l.output, g.ops()[l.ops.back()].output);
  }
  EXPECT_EQ(seen.size(), g.ops().size());
  for (TensorId t : g.outputs()) EXPECT_TRUE(ready.count(t));
}

TEST(Fusion, ConvBatchNormReluBecomesOneLayer) {
  Graph g("t");
  GraphBuilder b(g);
  auto x = b.input("x", {2, 8, 16, 16});
  auto c = b.conv("conv", x, 16, 3);
  auto n = b.batch_norm("bn", c);
  auto r = b.act("relu", n, Activation::relu);
  b.output(r);
  FusionResult f = fuse(g);
  expect_sound(g, f);
  ASSERT_EQ(f.layers.size(), 1u);
  const Layer& l = f.layers[0];
  EXPECT_EQ(l.kind, OpKind::conv2d);
  EXPECT_EQ(l.folded_bn, std::optional<std::size_t>(1));
  EXPECT_TRUE(l.epilogue.bias);
  EXPECT_FALSE(l.epilogue.residual);
  EXPECT_EQ(l.epilogue.activation, Activation::relu);
  EXPECT_EQ(l.output, r);
  EXPECT_EQ(describe(l), "conv2d+bn+relu");
  EXPECT_EQ(f.ops_before, 3u);
  EXPECT_EQ(f.executed_layers(), 1u);
}

TEST(Fusion, ResidualAddJoinsTheConvAndRunsAfterTheOtherBranch) {
  // main: conv_a -> bn_a ; branch: conv_b -> bn_b ; add(main, branch) -> relu
  Graph g("t");
  GraphBuilder b(g);
  auto x = b.input("x", {1, 8, 8, 8});
  auto a = b.batch_norm("bn_a", b.conv("conv_a", x, 8, 3));
  auto s = b.batch_norm("bn_b", b.conv("conv_b", x, 8, 1));
  auto y = b.act("relu", b.add("add", a, s), Activation::relu);
  b.output(y);
  FusionResult f = fuse(g);
  expect_sound(g, f);
  ASSERT_EQ(f.layers.size(), 2u);
  // conv_b (with bn_b) first; conv_a carries the add and relu, reading bn_b's output as z.
  EXPECT_EQ(f.layers[0].name, "conv_b");
  EXPECT_FALSE(f.layers[0].epilogue.residual);
  EXPECT_EQ(f.layers[1].name, "conv_a");
  EXPECT_EQ(f.layers[1].epilogue.residual, std::optional<TensorId>(s));
  EXPECT_EQ(describe(f.layers[1]), "conv2d+bn+add+relu");
}

TEST(Fusion, SharedOutputsAndGraphOutputsStayLayers) {
  Graph g("t");
  GraphBuilder b(g);
  auto x = b.input("x", {1, 4, 8, 8});
  auto c = b.conv("conv", x, 4, 3);
  auto n = b.batch_norm("bn", c);     // bn's output read twice: the relu cannot fuse
  auto r = b.act("relu", n, Activation::relu);
  auto y = b.add("add", r, n);
  b.output(y);
  b.output(c);                        // conv's raw output is a graph output: no BN folding
  FusionResult f = fuse(g);
  expect_sound(g, f);
  EXPECT_EQ(f.layers.size(), 4u);
  ASSERT_FALSE(f.notes.empty());
  EXPECT_NE(f.notes[0].reason.find("graph output"), std::string::npos) << f.notes[0].reason;
}

TEST(Fusion, OptionsTurnEachFusionOff) {
  Graph g = models::build_model("resnet18");
  FusionOptions none;
  none.fold_batch_norm = none.fuse_activation = none.fuse_residual = false;
  FusionResult f = fuse(g, none);
  expect_sound(g, f);
  EXPECT_EQ(f.layers.size(), g.ops().size());
}

// Layer counts before and after fusion (TensorRT reports VGG19 43 -> 27, ResNet-152 670 -> 159;
// its counts include layers it adds, such as reformats).
TEST(Fusion, BuiltinModelsLayerCounts) {
  struct Expect { const char* model; std::size_t ops, executed; };
  // resnet50: 53 convs (49 main path + 4 downsample) with BN, ReLU and adds folded in, plus
  // maxpool, global pool and fc; the flatten is a view.
  for (auto e : {Expect{"resnet50", 175, 56}, Expect{"resnet18", 69, 23},
                 Expect{"vgg19", 43, 24}}) {
    Graph g = models::build_model(e.model);
    FusionResult f = fuse(g);
    expect_sound(g, f);
    EXPECT_EQ(f.ops_before, e.ops) << e.model;
    EXPECT_EQ(f.executed_layers(), e.executed) << e.model;
  }
  for (const auto& m : models::builtin_models()) {
    Graph g = models::build_model(m.name);
    FusionResult f = fuse(g);
    expect_sound(g, f);
    EXPECT_LT(f.executed_layers(), g.ops().size()) << m.name;
  }
}

}  // namespace
}  // namespace plantune::runtime
