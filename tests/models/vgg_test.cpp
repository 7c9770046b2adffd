// VGG-19 against torchvision's published facts, and the rule for image sizes other than 224.
#include <gtest/gtest.h>

#include "model_test_util.h"
#include "plantune/models/registry.h"

namespace plantune::models {
namespace {

using namespace plantune::models::testing;
using Dims = std::vector<std::int64_t>;

TEST(Vgg19, ParametersLayersAndOutputMatchTorchvision) {
  Graph g = build_model("vgg19");
  EXPECT_EQ(g.param_count(), 143'667'240);
  EXPECT_EQ(g.count(OpKind::conv2d), 16u);
  EXPECT_EQ(g.count(OpKind::max_pool), 5u);
  EXPECT_EQ(g.count(OpKind::fully_connected), 3u);
  EXPECT_EQ(g.count(OpKind::batch_norm), 0u);
  EXPECT_EQ(count_activation(g, Activation::relu), 18u);  // 16 convs + 2 hidden fc
  EXPECT_EQ(g.tensor(g.outputs()[0]).shape.dims, (Dims{1, 1000}));
  for (const auto& op : g.ops()) {
    if (op.kind != OpKind::conv2d) continue;
    const auto& a = std::get<ConvAttrs>(op.attrs);
    EXPECT_TRUE(a.kernel_h == 3 && a.pad_h == 1 && a.stride_h == 1 && a.bias) << op.name;
  }
}

TEST(Vgg19, ClassifierIs25088To4096To4096To1000WithTorchvisionNames) {
  Graph g = build_model("vgg19");
  EXPECT_EQ(output_shape(g, "features.36").dims, (Dims{1, 512, 7, 7}));  // the last pool
  EXPECT_EQ(output_shape(g, "flatten").dims, (Dims{1, 25088}));
  EXPECT_EQ(output_shape(g, "classifier.0").dims, (Dims{1, 4096}));
  EXPECT_EQ(op_named(g, "classifier.1").kind, OpKind::activation);
  EXPECT_EQ(output_shape(g, "classifier.3").dims, (Dims{1, 4096}));
  EXPECT_EQ(output_shape(g, "classifier.6").dims, (Dims{1, 1000}));
  EXPECT_EQ(op_named(g, "features.34").kind, OpKind::conv2d);
  // At 224 AdaptiveAvgPool2d((7, 7)) is the identity: no op.
  EXPECT_FALSE(has_op(g, "avgpool"));
}

TEST(Vgg19, MacsAt224MatchTorchvision) {
  // torchvision lists 19.63 GFLOPS (multiply-accumulates) for vgg19 at 224x224.
  EXPECT_NEAR(static_cast<double>(build_model("vgg19").macs()), 19.632e9, 0.01 * 19.632e9);
}

TEST(Vgg19, At448TheAdaptivePoolIsA2x2AveragePool) {
  ModelOptions opts;
  opts.image_size = 448;
  opts.batch = 2;
  Graph g = build_model("vgg19", opts);
  const Op& pool = op_named(g, "avgpool");
  ASSERT_EQ(pool.kind, OpKind::avg_pool);
  EXPECT_EQ(std::get<PoolAttrs>(pool.attrs).kernel_h, 2);
  EXPECT_EQ(std::get<PoolAttrs>(pool.attrs).stride_h, 2);
  EXPECT_EQ(output_shape(g, "avgpool").dims, (Dims{2, 512, 7, 7}));
  EXPECT_EQ(g.param_count(), 143'667'240);
  EXPECT_EQ(g.tensor(g.outputs()[0]).shape.dims, (Dims{2, 1000}));
}

TEST(Vgg19, SizesWhoseFeatureMapIsNotAMultipleOf7AreRefused) {
  ModelOptions opts;
  for (std::int64_t size : {256, 192, 32}) {
    opts.image_size = size;
    std::string msg = error_of([&] { build_model("vgg19", opts); });
    EXPECT_CONTAINS(msg, "image size " + std::to_string(size));
    EXPECT_CONTAINS(msg, "multiple of 7");
  }
  opts.image_size = 255;  // floor(255 / 32) = 7: accepted, like torchvision
  EXPECT_EQ(build_model("vgg19", opts).param_count(), 143'667'240);
}

}  // namespace
}  // namespace plantune::models
