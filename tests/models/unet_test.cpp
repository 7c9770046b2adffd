// The brain-segmentation U-Net against its published parameter count and structure.
#include <gtest/gtest.h>

#include "model_test_util.h"
#include "plantune/models/registry.h"

namespace plantune::models {
namespace {

using namespace plantune::models::testing;
using Dims = std::vector<std::int64_t>;

TEST(UNet, ParametersLayersAndOutputMatchTheReference) {
  Graph g = build_model("unet");
  EXPECT_EQ(g.param_count(), 7'763'041);
  EXPECT_EQ(g.count(OpKind::conv2d), 19u);
  EXPECT_EQ(g.count(OpKind::conv_transpose2d), 4u);
  EXPECT_EQ(g.count(OpKind::batch_norm), 18u);
  EXPECT_EQ(g.count(OpKind::concat), 4u);
  EXPECT_EQ(g.count(OpKind::max_pool), 4u);
  EXPECT_EQ(count_activation(g, Activation::relu), 18u);
  EXPECT_EQ(g.tensor(g.inputs()[0]).shape.dims, (Dims{1, 3, 256, 256}));
  ASSERT_EQ(g.outputs().size(), 1u);
  EXPECT_EQ(g.tensor(g.outputs()[0]).shape.dims, (Dims{1, 1, 256, 256}));
  const Op& last = g.ops().back();
  EXPECT_EQ(last.name, "sigmoid");
  EXPECT_EQ(std::get<ActivationAttrs>(last.attrs).kind, Activation::sigmoid);
}

TEST(UNet, EncoderDecoderShapesAndSkipConnections) {
  Graph g = build_model("unet");
  EXPECT_EQ(output_shape(g, "encoder1.enc1relu2").dims, (Dims{1, 32, 256, 256}));
  EXPECT_EQ(output_shape(g, "encoder4.enc4relu2").dims, (Dims{1, 256, 32, 32}));
  EXPECT_EQ(output_shape(g, "bottleneck.bottleneckrelu2").dims, (Dims{1, 512, 16, 16}));
  EXPECT_EQ(output_shape(g, "upconv4").dims, (Dims{1, 256, 32, 32}));
  EXPECT_EQ(output_shape(g, "concat4").dims, (Dims{1, 512, 32, 32}));
  EXPECT_EQ(output_shape(g, "concat1").dims, (Dims{1, 64, 256, 256}));
  const Op& cat = op_named(g, "concat2");
  ASSERT_EQ(cat.inputs.size(), 2u);
  EXPECT_EQ(g.tensor(cat.inputs[0]).name, "upconv2");  // torch.cat((dec2, enc2), dim=1)
  EXPECT_EQ(g.tensor(cat.inputs[1]).name, "encoder2.enc2relu2");
  EXPECT_EQ(std::get<ConcatAttrs>(cat.attrs).axis, 1);
}

TEST(UNet, BiasOnlyOnTheTransposedConvsAndTheFinalConv) {
  Graph g = build_model("unet");
  for (const auto& op : g.ops()) {
    if (op.kind != OpKind::conv2d && op.kind != OpKind::conv_transpose2d) continue;
    const auto& a = std::get<ConvAttrs>(op.attrs);
    bool expect_bias = op.kind == OpKind::conv_transpose2d || op.name == "conv";
    EXPECT_EQ(a.bias, expect_bias) << op.name;
    if (op.kind == OpKind::conv_transpose2d) {
      EXPECT_TRUE(a.kernel_h == 2 && a.stride_h == 2) << op.name;
    }
  }
  EXPECT_EQ(conv_attrs(g, "conv").kernel_h, 1);
  EXPECT_EQ(conv_attrs(g, "conv").out_channels, 1);
}

TEST(UNet, ImageSizeMustBeAMultipleOf16) {
  ModelOptions opts;
  opts.image_size = 128;
  opts.batch = 2;
  Graph g = build_model("unet", opts);
  EXPECT_EQ(g.tensor(g.outputs()[0]).shape.dims, (Dims{2, 1, 128, 128}));
  EXPECT_EQ(g.param_count(), 7'763'041);
  opts.image_size = 256;
  Graph full = build_model("unet", opts);
  EXPECT_EQ(full.macs(), 4 * g.macs());
  for (std::int64_t bad : {250, 8}) {
    opts.image_size = bad;
    std::string msg = error_of([&] { build_model("unet", opts); });
    EXPECT_CONTAINS(msg,
                    "image size " + std::to_string(bad) + " must be a positive multiple of 16");
  }
}

}  // namespace
}  // namespace plantune::models
