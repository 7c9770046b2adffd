#include "plantune/core/graph_builder.h"

#include <gtest/gtest.h>

#include <string>

#include "plantune/core/error.h"

namespace plantune {
namespace {

using Dims = std::vector<std::int64_t>;

TEST(GraphBuilder, ConvDefaultsToSamePadding) {
  Graph g;
  GraphBuilder b(g);
  TensorId x = b.input("x", {1, 8, 15, 15});
  TensorId c3 = b.conv("c3", x, 16, 3);
  TensorId c5 = b.conv("c5", x, 16, 5, 2);
  TensorId d = b.conv("dil", x, 8, 3, 1, -1, 1, false, Activation::none, 2);
  TensorId p0 = b.conv("p0", x, 8, 3, 1, 0);
  EXPECT_EQ(g.tensor(c3).shape.dims, (Dims{1, 16, 15, 15}));
  EXPECT_EQ(g.tensor(c5).shape.dims, (Dims{1, 16, 8, 8}));
  EXPECT_EQ(g.tensor(d).shape.dims, (Dims{1, 8, 15, 15}));  // pad (3-1)/2*2 = 2
  EXPECT_EQ(g.tensor(p0).shape.dims, (Dims{1, 8, 13, 13}));
  const auto& a = std::get<ConvAttrs>(g.ops()[2].attrs);
  EXPECT_EQ(a.pad_h, 2);
  EXPECT_EQ(a.pad_w, 2);
  EXPECT_EQ(a.dilation_h, 2);
  EXPECT_EQ(std::get<ConvAttrs>(g.ops()[1].attrs).pad_h, 2);  // 5x5: (5-1)/2
}

TEST(GraphBuilder, ConvCarriesEveryArgument) {
  Graph g;
  GraphBuilder b(g);
  TensorId x = b.input("x", {2, 32, 8, 8}, DType::fp16);
  b.conv("dw", x, 32, 3, 2, 1, 32, true, Activation::relu6);
  const Op& op = g.ops()[0];
  EXPECT_EQ(op.name, "dw");
  EXPECT_EQ(op.kind, OpKind::conv2d);
  ConvAttrs want;
  want.out_channels = 32;
  want.kernel_h = want.kernel_w = 3;
  want.stride_h = want.stride_w = 2;
  want.pad_h = want.pad_w = 1;
  want.groups = 32;
  want.bias = true;
  want.activation = Activation::relu6;
  EXPECT_EQ(std::get<ConvAttrs>(op.attrs), want);
  EXPECT_EQ(g.tensor(op.output).dtype, DType::fp16);
  EXPECT_EQ(g.tensor(op.output).shape.dims, (Dims{2, 32, 4, 4}));
}

TEST(GraphBuilder, EveryHelperProducesItsKind) {
  Graph g("all");
  GraphBuilder b(g);
  TensorId x = b.input("x", {2, 4, 8, 8});
  TensorId up = b.conv_transpose("up", x, 6, 2, 2);
  EXPECT_EQ(g.tensor(up).shape.dims, (Dims{2, 6, 16, 16}));
  EXPECT_TRUE(std::get<ConvAttrs>(g.ops().back().attrs).bias);
  TensorId bn = b.batch_norm("bn", up);
  TensorId a = b.act("act", bn, Activation::silu);
  TensorId mp = b.max_pool("mp", a, 3, 2, 1);
  EXPECT_EQ(g.tensor(mp).shape.dims, (Dims{2, 6, 8, 8}));
  TensorId ap = b.avg_pool("ap", a, 2, 2);
  EXPECT_EQ(g.tensor(ap).shape.dims, (Dims{2, 6, 8, 8}));
  TensorId s = b.add("sum", mp, ap, Activation::relu);
  TensorId gp = b.global_avg_pool("gap", s);
  TensorId m = b.mul("scale", s, gp);
  TensorId cat = b.concat("cat", {m, s, mp});
  EXPECT_EQ(g.tensor(cat).shape.dims, (Dims{2, 18, 8, 8}));
  TensorId u = b.upsample("us", cat, 2, UpsampleMode::bilinear);
  EXPECT_EQ(g.tensor(u).shape.dims, (Dims{2, 18, 16, 16}));
  TensorId r = b.reshape("rs", u, {2, 18, -1});
  EXPECT_EQ(g.tensor(r).shape.dims, (Dims{2, 18, 256}));
  TensorId f = b.flatten("flat", r);
  TensorId fc = b.fc("fc", f, 10, false, Activation::gelu);
  TensorId sm = b.softmax("sm", fc);
  b.output(sm);
  EXPECT_EQ(g.tensor(sm).shape.dims, (Dims{2, 10}));
  const std::vector<OpKind> kinds = {
      OpKind::conv_transpose2d, OpKind::batch_norm, OpKind::activation,      OpKind::max_pool,
      OpKind::avg_pool,         OpKind::add,        OpKind::global_avg_pool, OpKind::mul,
      OpKind::concat,           OpKind::upsample,   OpKind::reshape,         OpKind::flatten,
      OpKind::fully_connected,  OpKind::softmax};
  ASSERT_EQ(g.ops().size(), kinds.size());
  for (std::size_t i = 0; i < kinds.size(); ++i) EXPECT_EQ(g.ops()[i].kind, kinds[i]) << i;
  EXPECT_EQ(std::get<EltwiseAttrs>(g.ops()[5].attrs).activation, Activation::relu);
  EXPECT_EQ(std::get<FullyConnectedAttrs>(g.ops()[12].attrs),
            (FullyConnectedAttrs{10, false, Activation::gelu}));
  EXPECT_EQ(std::get<UpsampleAttrs>(g.ops()[9].attrs).mode, UpsampleMode::bilinear);
  EXPECT_EQ(&b.graph(), &g);
  EXPECT_NO_THROW(g.validate());
}

TEST(GraphBuilder, ErrorsNameTheOp) {
  Graph g;
  GraphBuilder b(g);
  TensorId x = b.input("x", {1, 64, 56, 56});
  try {
    b.conv("layer1.0.conv2", x, 64, 3, 1, -1, 3);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("op 'layer1.0.conv2' (conv2d): input has 64 channels "
                                         "but groups=3 does not divide it"),
              std::string::npos)
        << e.what();
  }
}

// ResNet-18 at 224x224: torchvision's parameter count (11,689,512) and 1,814,073,344 MACs
// (conv + fc), the figure published for it.
TEST(GraphBuilder, ResNet18MatchesReferenceCounts) {
  Graph g("resnet18");
  GraphBuilder b(g);
  TensorId x = b.input("input", {1, 3, 224, 224});
  x = b.conv("conv1", x, 64, 7, 2, 3);
  x = b.batch_norm("bn1", x);
  x = b.act("relu", x, Activation::relu);
  x = b.max_pool("maxpool", x, 3, 2, 1);
  std::int64_t c = 64;
  const std::int64_t widths[] = {64, 128, 256, 512};
  for (int layer = 0; layer < 4; ++layer) {
    for (int blk = 0; blk < 2; ++blk) {
      std::string p = "layer" + std::to_string(layer + 1) + "." + std::to_string(blk) + ".";
      std::int64_t k = widths[layer];
      std::int64_t s = (layer > 0 && blk == 0) ? 2 : 1;
      TensorId y = b.conv(p + "conv1", x, k, 3, s);
      y = b.batch_norm(p + "bn1", y);
      y = b.act(p + "relu", y, Activation::relu);
      y = b.conv(p + "conv2", y, k, 3);
      y = b.batch_norm(p + "bn2", y);
      TensorId sc = x;
      if (s != 1 || c != k) {
        sc = b.conv(p + "downsample.0", x, k, 1, s, 0);
        sc = b.batch_norm(p + "downsample.1", sc);
      }
      x = b.add(p + "add", y, sc, Activation::relu);
      c = k;
    }
  }
  x = b.global_avg_pool("avgpool", x);
  x = b.flatten("flatten", x);
  x = b.fc("fc", x, 1000);
  b.output(x);
  g.validate();
  EXPECT_EQ(g.param_count(), 11689512);
  EXPECT_EQ(g.macs(), 1814073344);
  EXPECT_EQ(g.count(OpKind::conv2d), 20u);
  EXPECT_EQ(g.count(OpKind::batch_norm), 20u);
  EXPECT_EQ(g.tensor(*g.find_tensor("layer4.1.add")).shape.dims, (Dims{1, 512, 7, 7}));
  EXPECT_EQ(g.tensor(x).shape.dims, (Dims{1, 1000}));
}

}  // namespace
}  // namespace plantune
