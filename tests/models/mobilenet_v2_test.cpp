// MobileNetV2 (width 1.0) against torchvision's published facts and its block structure.
#include <gtest/gtest.h>

#include "model_test_util.h"
#include "plantune/models/registry.h"

namespace plantune::models {
namespace {

using namespace plantune::models::testing;
using Dims = std::vector<std::int64_t>;

TEST(MobileNetV2, ParametersConvLayersAndOutputMatchTorchvision) {
  Graph g = build_model("mobilenet_v2");
  EXPECT_EQ(g.param_count(), 3'504'872);
  EXPECT_EQ(g.count(OpKind::conv2d), 52u);
  EXPECT_EQ(g.count(OpKind::batch_norm), 52u);
  EXPECT_EQ(g.count(OpKind::add), 10u);  // stride-1 blocks that keep their width
  EXPECT_EQ(count_activation(g, Activation::relu6), 35u);
  EXPECT_EQ(count_activation(g, Activation::relu), 0u);
  EXPECT_EQ(g.tensor(g.outputs()[0]).shape.dims, (Dims{1, 1000}));
  EXPECT_EQ(output_shape(g, "features.18.2").dims, (Dims{1, 1280, 7, 7}));
  EXPECT_EQ(output_shape(g, "flatten").dims, (Dims{1, 1280}));
  EXPECT_EQ(g.ops().back().name, "classifier.1");
}

TEST(MobileNetV2, MacsAt224MatchTorchvision) {
  // torchvision lists 0.30 GFLOPS; the exact multiply-accumulate count is 300.77 M.
  EXPECT_NEAR(static_cast<double>(build_model("mobilenet_v2").macs()), 300.77e6, 0.01 * 300.77e6);
}

TEST(MobileNetV2, InvertedResidualsExpandDepthwiseAndProjectLinearly) {
  Graph g = build_model("mobilenet_v2");
  // Block 1 (t = 1) has no expansion: depthwise 32 -> 32, then project to 16.
  EXPECT_EQ(conv_attrs(g, "features.1.conv.0.0").groups, 32);
  EXPECT_EQ(conv_attrs(g, "features.1.conv.1").out_channels, 16);
  EXPECT_FALSE(has_op(g, "features.1.add"));
  // Block 2: expand 16 -> 96, depthwise stride 2, project to 24, no residual.
  EXPECT_EQ(conv_attrs(g, "features.2.conv.0.0").out_channels, 96);
  EXPECT_EQ(conv_attrs(g, "features.2.conv.0.0").kernel_h, 1);
  EXPECT_EQ(conv_attrs(g, "features.2.conv.1.0").groups, 96);
  EXPECT_EQ(conv_attrs(g, "features.2.conv.1.0").stride_h, 2);
  EXPECT_EQ(conv_attrs(g, "features.2.conv.2").out_channels, 24);
  EXPECT_EQ(op_named(g, "features.2.conv.3").kind, OpKind::batch_norm);
  EXPECT_FALSE(has_op(g, "features.2.add"));
  // Block 3 repeats block 2's shape at stride 1: a residual, and no activation after the project.
  EXPECT_EQ(op_named(g, "features.3.add").kind, OpKind::add);
  EXPECT_EQ(g.tensor(op_named(g, "features.3.add").inputs[1]).name, "features.3.conv.3");
  std::size_t depthwise = 0;
  for (const auto& op : g.ops()) {
    if (op.kind != OpKind::conv2d) continue;
    const auto& a = std::get<ConvAttrs>(op.attrs);
    depthwise += a.groups > 1 && a.groups == a.out_channels;
    EXPECT_FALSE(a.bias) << op.name;
  }
  EXPECT_EQ(depthwise, 17u);
}

TEST(MobileNetV2, BatchAndImageSizeAreHonoured) {
  ModelOptions opts;
  opts.batch = 4;
  opts.image_size = 160;
  Graph g = build_model("mobilenet_v2", opts);
  EXPECT_EQ(g.tensor(g.inputs()[0]).shape.dims, (Dims{4, 3, 160, 160}));
  EXPECT_EQ(output_shape(g, "features.18.2").dims, (Dims{4, 1280, 5, 5}));
  EXPECT_EQ(g.tensor(g.outputs()[0]).shape.dims, (Dims{4, 1000}));
  opts.batch = 1;
  EXPECT_EQ(g.macs(), 4 * build_model("mobilenet_v2", opts).macs());
  opts.image_size = 31;
  EXPECT_CONTAINS(error_of([&] { build_model("mobilenet_v2", opts); }),
                  "image size 31 must be at least 32");
}

}  // namespace
}  // namespace plantune::models
