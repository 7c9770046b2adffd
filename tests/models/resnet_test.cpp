// ResNet-18 and ResNet-50 against torchvision's published facts: parameter counts, conv layers,
// MACs at 224x224, and the v1.5 bottleneck (stride on the 3x3).
#include <gtest/gtest.h>

#include "model_test_util.h"
#include "plantune/models/registry.h"

namespace plantune::models {
namespace {

using namespace plantune::models::testing;
using Dims = std::vector<std::int64_t>;

TEST(ResNet18, ParametersConvLayersAndOutputMatchTorchvision) {
  Graph g = build_model("resnet18");
  EXPECT_EQ(g.param_count(), 11'689'512);
  EXPECT_EQ(g.count(OpKind::conv2d), 20u);  // 1 stem + 16 in blocks + 3 downsample
  EXPECT_EQ(g.count(OpKind::batch_norm), 20u);
  EXPECT_EQ(g.count(OpKind::add), 8u);
  EXPECT_EQ(count_activation(g, Activation::relu), 17u);
  ASSERT_EQ(g.outputs().size(), 1u);
  EXPECT_EQ(g.tensor(g.outputs()[0]).shape.dims, (Dims{1, 1000}));
  EXPECT_EQ(output_shape(g, "flatten").dims, (Dims{1, 512}));
  EXPECT_EQ(g.ops().back().name, "fc");
  EXPECT_EQ(g.ops().back().kind, OpKind::fully_connected);
}

TEST(ResNet18, MacsAt224MatchTorchvision) {
  // torchvision lists 1.81 GFLOPS (multiply-accumulates) for resnet18 at 224x224.
  EXPECT_NEAR(static_cast<double>(build_model("resnet18").macs()), 1.814e9, 0.01 * 1.814e9);
}

TEST(ResNet18, DownsampleOnlyWhereResolutionOrWidthChanges) {
  Graph g = build_model("resnet18");
  EXPECT_FALSE(has_op(g, "layer1.0.downsample.0"));
  for (const char* layer : {"layer2", "layer3", "layer4"}) {
    const std::string p = std::string(layer) + ".0.";
    EXPECT_EQ(conv_attrs(g, p + "conv1").stride_h, 2) << p;
    EXPECT_EQ(conv_attrs(g, p + "downsample.0").stride_h, 2) << p;
    EXPECT_EQ(conv_attrs(g, p + "downsample.0").kernel_h, 1) << p;
    EXPECT_FALSE(has_op(g, std::string(layer) + ".1.downsample.0")) << layer;
  }
  EXPECT_EQ(output_shape(g, "maxpool").dims, (Dims{1, 64, 56, 56}));
  EXPECT_EQ(output_shape(g, "layer4.1.relu2").dims, (Dims{1, 512, 7, 7}));
}

TEST(ResNet50, ParametersConvLayersAndOutputMatchTorchvision) {
  Graph g = build_model("resnet50");
  EXPECT_EQ(g.param_count(), 25'557'032);
  EXPECT_EQ(g.count(OpKind::conv2d), 53u);  // 1 stem + 48 in blocks + 4 downsample
  EXPECT_EQ(g.count(OpKind::add), 16u);
  EXPECT_EQ(count_activation(g, Activation::relu), 49u);
  EXPECT_EQ(g.tensor(g.outputs()[0]).shape.dims, (Dims{1, 1000}));
  EXPECT_EQ(output_shape(g, "flatten").dims, (Dims{1, 2048}));
}

TEST(ResNet50, MacsAt224AreFourPointZeroNineGiga) {
  EXPECT_NEAR(static_cast<double>(build_model("resnet50").macs()), 4.089e9, 0.01 * 4.089e9);
}

TEST(ResNet50, BottleneckV15PutsTheStrideOnThe3x3) {
  Graph g = build_model("resnet50");
  for (const char* p : {"layer2.0.", "layer3.0.", "layer4.0."}) {
    EXPECT_EQ(conv_attrs(g, std::string(p) + "conv1").stride_h, 1) << p;
    EXPECT_EQ(conv_attrs(g, std::string(p) + "conv2").stride_h, 2) << p;
    EXPECT_EQ(conv_attrs(g, std::string(p) + "conv2").kernel_h, 3) << p;
    EXPECT_EQ(conv_attrs(g, std::string(p) + "downsample.0").stride_h, 2) << p;
  }
  // layer1.0 widens 64 -> 256 at stride 1, so it has a projection too.
  EXPECT_EQ(conv_attrs(g, "layer1.0.downsample.0").stride_h, 1);
  EXPECT_EQ(conv_attrs(g, "layer1.0.downsample.0").out_channels, 256);
  EXPECT_EQ(output_shape(g, "layer2.0.conv1").dims, (Dims{1, 128, 56, 56}));
  EXPECT_EQ(output_shape(g, "layer2.0.conv2").dims, (Dims{1, 128, 28, 28}));
}

TEST(ResNet50, OpsFollowTorchvisionForwardOrder) {
  Graph g = build_model("resnet50");
  auto index = [&](std::string_view name) {
    for (std::size_t i = 0; i < g.ops().size(); ++i) {
      if (g.ops()[i].name == name) return i;
    }
    ADD_FAILURE() << "no op " << name;
    return g.ops().size();
  };
  EXPECT_EQ(index("conv1"), 0u);
  EXPECT_LT(index("layer3.0.bn3"), index("layer3.0.downsample.0"));
  EXPECT_EQ(index("layer3.0.downsample.1") + 1, index("layer3.0.add"));
  EXPECT_EQ(index("layer3.0.add") + 1, index("layer3.0.relu3"));
  const Op& add = op_named(g, "layer3.0.add");
  ASSERT_EQ(add.inputs.size(), 2u);
  EXPECT_EQ(g.tensor(add.inputs[1]).name, "layer3.0.downsample.1");
}

TEST(ResNet50, BatchScalesMacsLinearlyAndKeepsParameters) {
  ModelOptions opts;
  opts.batch = 8;
  Graph g1 = build_model("resnet50");
  Graph g8 = build_model("resnet50", opts);
  EXPECT_EQ(g8.macs(), 8 * g1.macs());
  EXPECT_EQ(g8.param_count(), g1.param_count());
  EXPECT_EQ(g8.tensor(g8.outputs()[0]).shape.dims, (Dims{8, 1000}));
  EXPECT_EQ(g8.tensor(g8.inputs()[0]).shape.dims, (Dims{8, 3, 224, 224}));
}

TEST(ResNet50, DoublingTheImageQuadruplesEveryConvolution) {
  ModelOptions opts;
  opts.image_size = 448;
  Graph small = build_model("resnet50");
  Graph big = build_model("resnet50", opts);
  const std::int64_t fc_macs = 2048 * 1000;  // independent of the image size
  EXPECT_EQ(big.macs() - fc_macs, 4 * (small.macs() - fc_macs));
  EXPECT_EQ(big.param_count(), small.param_count());
  EXPECT_EQ(output_shape(big, "layer4.2.relu3").dims, (Dims{1, 2048, 14, 14}));
}

TEST(ResNet, ImageSizeBelow32IsRefusedAndOddSizesWork) {
  ModelOptions opts;
  opts.image_size = 16;
  std::string msg = error_of([&] { build_model("resnet18", opts); });
  EXPECT_CONTAINS(msg, "image size 16 must be at least 32");
  opts.image_size = 225;  // any size >= 32: the global average pool absorbs the remainder
  Graph g = build_model("resnet18", opts);
  EXPECT_EQ(output_shape(g, "layer4.1.relu2").dims, (Dims{1, 512, 8, 8}));
  EXPECT_EQ(g.tensor(g.outputs()[0]).shape.dims, (Dims{1, 1000}));
}

}  // namespace
}  // namespace plantune::models
